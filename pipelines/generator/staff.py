"""The shop's customer-service team: employees, their sub-accounts, true skills and roster rows."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .clock import Month
from .vocab import GIVEN, LEVELS, NICK_PREFIXES, SHOP, SURNAMES, UNMAPPED_ACCOUNT

FORMATS = ("csv", "csv", "csv", "csv", "jsonl", "txt")
_RESPONSE_SIGMA = 0.6


@dataclass
class Skill:
    """True, hidden ability: what the KPI is supposed to recover from the exports."""

    response_mean_s: float
    conversion: float
    care: float

    def as_dict(self) -> dict[str, float]:
        return {
            "response_mean_s": round(self.response_mean_s, 4),
            "conversion": round(self.conversion, 4),
            "care": round(self.care, 4),
        }


@dataclass
class Employee:
    employee_id: str
    name: str
    role: str
    skill: Skill
    levels: list[tuple[str, date, date | None]]
    days_off: list[int] = field(default_factory=list)
    accounts: list["Account"] = field(default_factory=list)


@dataclass
class Account:
    name: str
    employee: Employee | None
    role: str
    skill: Skill
    share: float
    fmt: str
    active_from: int
    # lognormal parameters chosen so the mean delay equals the skill's response_mean_s
    resp_mu: float = field(init=False)
    ignore_p: float = field(init=False)

    def __post_init__(self) -> None:
        self.resp_mu = math.log(self.skill.response_mean_s) - _RESPONSE_SIGMA**2 / 2
        self.ignore_p = 0.01 + 0.05 * (1 - self.skill.care)

    def delay(self, rng: random.Random, load: float) -> int:
        return max(3, int(rng.lognormvariate(self.resp_mu, _RESPONSE_SIGMA) * load))

    def works(self, day: int) -> bool:
        if day < self.active_from:
            return False
        return self.employee is None or day not in self.employee.days_off


def _nicknames(rng: random.Random, n: int) -> list[str]:
    pool = [p + g for p in NICK_PREFIXES for g in GIVEN]
    rng.shuffle(pool)
    return [pool[i % len(pool)] + (str(i // len(pool) + 1) if i >= len(pool) else "")
            for i in range(n)]


def _skill(rng: random.Random, level_rank: int) -> Skill:
    # Higher levels are somewhat better on average, but luck and individuals vary a lot.
    response = min(70.0, max(8.0, rng.lognormvariate(math.log(32 - 3 * level_rank), 0.45)))
    conversion = min(0.55, max(0.2, rng.gauss(0.3 + 0.035 * level_rank, 0.08)))
    care = min(0.98, max(0.3, rng.gauss(0.6 + 0.05 * level_rank, 0.15)))
    return Skill(response, conversion, care)


def build_team(
    rng: random.Random, month: Month, agents: int
) -> tuple[list[Employee], list[Account]]:
    """Employees E01.. with the roster situations the pipeline must handle.

    E01 and E02 hold two accounts, E03 is promoted 普通 -> 高级 on the 16th, E04 (and every tenth
    employee after it) works after-sale, the last employee joins on the 16th; an extra account
    chats without any roster row.
    """
    if agents < 5:
        raise ValueError("agents must be at least 5 to cover every roster situation")
    width = max(2, len(str(agents)))
    nicks = _nicknames(rng, agents)
    mid = month.first + timedelta(days=15)
    employees: list[Employee] = []
    accounts: list[Account] = []
    for i in range(agents):
        rank = rng.randrange(len(LEVELS))
        hired = month.first - timedelta(days=rng.randrange(60, 900))
        if i == 2:
            rank = 0
            levels = [(LEVELS[0], hired, mid - timedelta(days=1)), (LEVELS[1], mid, None)]
        elif i == agents - 1:
            rank = 0
            levels = [(LEVELS[0], mid, None)]
        else:
            levels = [(LEVELS[rank], hired, None)]
        role = "aftersale" if i % 10 == 3 else "presale"
        name = SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        if rng.random() < 0.6:
            name += GIVEN[rng.randrange(len(GIVEN))]
        emp = Employee(f"E{i + 1:0{width}d}", name, role, _skill(rng, rank), levels)
        emp.days_off = sorted(rng.sample(range(month.days), 4))
        start = (levels[0][1] - month.first).days
        shares = (0.7, 0.3) if i < 2 or i % 8 == 0 else (1.0,)
        for k, share in enumerate(shares):
            suffix = str(k + 1) if k else ""
            acct = Account(f"{SHOP}:{nicks[i]}{suffix}", emp, role, emp.skill, share,
                           FORMATS[len(accounts) % len(FORMATS)], max(0, start))
            emp.accounts.append(acct)
            accounts.append(acct)
        employees.append(emp)
    temp = Account(UNMAPPED_ACCOUNT, None, "presale", _skill(rng, 0), 0.4, "csv", 0)
    accounts.append(temp)
    return employees, accounts


def roster_rows(employees: list[Employee]) -> list[list[str]]:
    rows = []
    for emp in employees:
        for acct in emp.accounts:
            for level, start, end in emp.levels:
                rows.append([emp.employee_id, emp.name, acct.name, level, emp.role,
                             start.isoformat(), end.isoformat() if end else ""])
    return rows
