"""The shop's customer-service team: employees, their sub-accounts, true skills and roster rows."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist

from .clock import Month
from .luck import Luck, PersonLuck, draw_person_luck, rota_days_off
from .vocab import GIVEN, LEVELS, NICK_PREFIXES, SHOP, SURNAMES, UNMAPPED_ACCOUNT

FORMATS = ("csv", "csv", "csv", "csv", "jsonl", "txt")
DAYS_OFF = 4
_RESPONSE_SIGMA = 0.6
# new sessions are picked up faster than follow-ups are answered
_FIRST_RESPONSE_FACTOR = 0.45
# The population each skill is drawn from, before clamping: a standard-normal skill z gives a
# response mean of RESPONSE_MEDIAN_S x exp(-RESPONSE_LOG_SD z), a conversion of CONVERSION_MEAN
# + CONVERSION_SD z and a care of CARE_MEAN + CARE_SD z. These are the units of the true-skill
# composite (`standard_skills`).
RESPONSE_MEDIAN_S, RESPONSE_LOG_SD = 20.0, 0.5
CONVERSION_MEAN, CONVERSION_SD = 0.45, 0.08
CARE_MEAN, CARE_SD = 0.81, 0.12


@dataclass
class Skill:
    """True, hidden ability: what the KPI is supposed to recover from the exports.

    `response_mean_s` is the agent's mean reply delay once a conversation is going,
    `first_response_mean_s` the mean delay of the first reply to a new session (agents pick up
    new buyers faster than they answer follow-ups), both before the busy-hour and promotion
    slow-down. `conversion` is the chance an answered presale buyer orders on an ordinary day;
    `care` drives ratings, refunds and how rarely a buyer is left unanswered.
    """

    response_mean_s: float
    first_response_mean_s: float
    conversion: float
    care: float

    def as_dict(self) -> dict[str, float]:
        return {
            "response_mean_s": round(self.response_mean_s, 4),
            "first_response_mean_s": round(self.first_response_mean_s, 4),
            "conversion": round(self.conversion, 4),
            "care": round(self.care, 4),
        }


def standard_skills(skill: dict[str, float]) -> dict[str, float]:
    """A skill (as `Skill.as_dict` writes it) in standard units of the population it is drawn
    from: speed (the response skill, higher is faster), conversion and care."""
    return {
        "speed": -math.log(skill["response_mean_s"] / RESPONSE_MEDIAN_S) / RESPONSE_LOG_SD,
        "conversion": (skill["conversion"] - CONVERSION_MEAN) / CONVERSION_SD,
        "care": (skill["care"] - CARE_MEAN) / CARE_SD,
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
    luck: PersonLuck = field(default_factory=PersonLuck)


@dataclass
class Account:
    name: str
    employee: Employee | None
    role: str
    skill: Skill
    share: float
    fmt: str
    active_from: int
    # the employee's month of luck, shared by their accounts (the unmapped account has none)
    luck: PersonLuck = field(default_factory=PersonLuck)
    # lognormal parameters chosen so the mean delays equal the skill's response means
    resp_mu: float = field(init=False)
    first_mu: float = field(init=False)
    # a careless agent leaves more buyers without any answer, and follows up fewer of the
    # buyers who wrote outside service hours
    ignore_p: float = field(init=False)
    follow_up_p: float = field(init=False)

    def __post_init__(self) -> None:
        self.resp_mu = math.log(self.skill.response_mean_s) - _RESPONSE_SIGMA**2 / 2
        self.first_mu = math.log(self.skill.first_response_mean_s) - _RESPONSE_SIGMA**2 / 2
        self.ignore_p = 0.004 + 0.5 * (1 - self.skill.care) ** 2
        self.follow_up_p = 0.2 + 0.8 * self.skill.care

    def delay(self, rng: random.Random, load: float) -> int:
        return max(2, int(rng.lognormvariate(self.resp_mu, _RESPONSE_SIGMA) * load))

    def first_delay(self, rng: random.Random, load: float) -> int:
        return max(2, int(rng.lognormvariate(self.first_mu, _RESPONSE_SIGMA) * load))

    def works(self, day: int) -> bool:
        if day < self.active_from:
            return False
        return self.employee is None or day not in self.employee.days_off


def _nicknames(rng: random.Random, n: int) -> list[str]:
    pool = [p + g for p in NICK_PREFIXES for g in GIVEN]
    rng.shuffle(pool)
    return [pool[i % len(pool)] + (str(i // len(pool) + 1) if i >= len(pool) else "")
            for i in range(n)]


def _skill(talent: float, deviations: tuple[float, float, float], weight: float) -> Skill:
    """Skills from a shared talent and each skill's own individual deviation (all standard
    normal), the talent weighing `weight`: good agents tend to be good at everything, but not
    equally so."""
    own = math.sqrt(1 - weight**2)
    response, conversion, care = (weight * talent + own * z for z in deviations)
    response = min(80.0, max(8.0, RESPONSE_MEDIAN_S * math.exp(-RESPONSE_LOG_SD * response)))
    conversion = min(0.6, max(0.2, CONVERSION_MEAN + CONVERSION_SD * conversion))
    care = min(0.99, max(0.3, CARE_MEAN + CARE_SD * care))
    return Skill(response, response * _FIRST_RESPONSE_FACTOR, conversion, care)


def _talents(rng: random.Random, ranks: list[int], luck: Luck) -> list[float]:
    """One talent per employee: drawn at random, or (`stratified_team`) one from each of `n`
    equal-probability strata, so that even a small team has its stars and its weak hands;
    handed out at random, or (`levels_by_skill`) so that higher levels tend to get the higher
    ones."""
    n = len(ranks)
    if luck.stratified_team:
        drawn = [NormalDist().inv_cdf((k + 0.1 + 0.8 * rng.random()) / n) for k in range(n)]
    else:
        drawn = [rng.gauss(0, 1) for _ in range(n)]
    ranked = sorted(drawn)
    if not luck.levels_by_skill:
        rng.shuffle(ranked)
        return ranked
    keys = [0.6 * rank + rng.gauss(0, 1) for rank in ranks]
    order = sorted(range(n), key=keys.__getitem__)
    talents = [0.0] * n
    for talent, i in zip(ranked, order, strict=True):
        talents[i] = talent
    return talents


def build_team(
    rng: random.Random, month: Month, agents: int, luck: Luck
) -> tuple[list[Employee], list[Account]]:
    """Employees E01.. with the roster situations the pipeline must handle, their days off in
    `month` (the team's first month).

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
    # Everything random about the employees is drawn first, in the generator's historical
    # order; the talents are handed out once the whole team's levels are known.
    drawn = []
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
        name = SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(len(GIVEN))]
        if rng.random() < 0.6:
            name += GIVEN[rng.randrange(len(GIVEN))]
        deviations = _deviations(rng)
        drawn.append((rank, levels, name, deviations, _days_off(rng, month)))
    talents = _talents(rng, [rank for rank, *_ in drawn], luck)
    for i, (_, levels, name, deviations, days_off) in enumerate(drawn):
        role = "aftersale" if i % 10 == 3 else "presale"
        emp = Employee(f"E{i + 1:0{width}d}", name, role,
                       _skill(talents[i], deviations, luck.talent_weight), levels)
        emp.days_off = days_off
        start = (levels[0][1] - month.first).days
        shares = (0.7, 0.3) if i < 2 or i % 8 == 0 else (1.0,)
        for k, share in enumerate(shares):
            suffix = str(k + 1) if k else ""
            acct = Account(f"{SHOP}:{nicks[i]}{suffix}", emp, role, emp.skill, share,
                           FORMATS[len(accounts) % len(FORMATS)], max(0, start))
            emp.accounts.append(acct)
            accounts.append(acct)
        employees.append(emp)
    temp = Account(UNMAPPED_ACCOUNT, None, "presale",
                   _skill(rng.gauss(0, 1), _deviations(rng), luck.talent_weight), 0.4, "csv", 0)
    accounts.append(temp)
    return employees, accounts


def _days_off(rng: random.Random, month: Month) -> list[int]:
    return sorted(rng.sample(range(month.days), DAYS_OFF))


def _deviations(rng: random.Random) -> tuple[float, float, float]:
    # normalvariate and gauss, in this order: the random stream, and so the roster, stays that
    # of earlier versions of the generator
    return rng.normalvariate(0, 1), rng.gauss(0, 1), rng.gauss(0, 1)


def a_later_month(rng: random.Random, employees: list[Employee], month: Month) -> None:
    """The same team in a month after its first: everyone employed from the month's first day,
    with the month's own days off."""
    for emp in employees:
        emp.days_off = _days_off(rng, month)
        for acct in emp.accounts:
            acct.active_from = 0


def deal_luck(rng: random.Random, employees: list[Employee], month: Month, luck: Luck) -> None:
    """Each employee's luck for `month` (`pipelines/generator/luck.py`), shared by their
    accounts: their days off again under an uneven promotion rota, if the luck has one, and the
    promotion days they work."""
    for emp in employees:
        if luck.promo_off_share:
            emp.days_off = rota_days_off(rng, month, luck, DAYS_OFF)
        emp.luck = draw_person_luck(rng, luck)
        first = emp.accounts[0].active_from
        emp.luck.promo_days_worked = sum(1 for d in range(first, month.days)
                                         if month.promo_day[d] and d not in emp.days_off)
        for acct in emp.accounts:
            acct.luck = emp.luck


def roster_rows(employees: list[Employee]) -> list[list[str]]:
    rows = []
    for emp in employees:
        for acct in emp.accounts:
            for level, start, end in emp.levels:
                rows.append([emp.employee_id, emp.name, acct.name, level, emp.role,
                             start.isoformat(), end.isoformat() if end else ""])
    return rows
