"""roster.csv: who holds which sub-account, level and role, from when to when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.config.plan import (
    Plan,
)
from pipelines.config.rules import (
    ROLES,
    ROSTER_HEADER,
    ConfigError,
    csv_day,
    csv_rows,
)


@dataclass(frozen=True)
class RosterRow:
    """From effective_from to effective_to (inclusive; None = open) `account` is this employee's,
    at this level and role. `line` is kept so every later message can point back to it."""

    employee_id: str
    name: str
    account: str
    level: str
    role: str
    effective_from: date
    effective_to: date | None
    line: int


def normalise_account(account: str) -> str:
    """Chat exports and hand-typed rosters differ in the colon of 主账号:子账号; unify it."""
    return account.replace("：", ":").strip()


def _roster_row(line: int, cells: dict[str, str], levels: set[str]) -> RosterRow:
    for column in ROSTER_HEADER[:-1]:
        if not cells[column]:
            raise ValueError(f"{column}: missing")
    if cells["role"] not in ROLES:
        raise ValueError(f"role: {cells['role']!r} is not one of {', '.join(ROLES)}")
    if cells["level"] not in levels:
        raise ValueError(f"level: {cells['level']!r} is in no plan version's levels "
                         f"({', '.join(sorted(levels))})")
    days: dict[str, date | None] = {}
    for column in ("effective_from", "effective_to"):
        try:
            days[column] = csv_day(cells[column]) if cells[column] else None
        except ValueError as err:
            raise ValueError(f"{column}: {err}") from None
    first, last = days["effective_from"], days["effective_to"]
    assert first is not None  # checked as a required column above
    if last is not None and last < first:
        raise ValueError(f"effective_to: {last} is before effective_from {first}")
    return RosterRow(cells["employee_id"], cells["name"], normalise_account(cells["account"]),
                     cells["level"], cells["role"], first, last, line)


def _overlap(a: RosterRow, b: RosterRow) -> tuple[date, date | None] | None:
    """The days two rows share (None end = open), or None when they share none."""
    start = max(a.effective_from, b.effective_from)
    ends = [d for d in (a.effective_to, b.effective_to) if d is not None]
    end = min(ends) if ends else None
    return None if end is not None and end < start else (start, end)


def _span(days: tuple[date, date | None]) -> str:
    return f"{days[0]} to {days[1] or 'open end'}"


def load_roster(path: Path, plan: Plan) -> list[RosterRow]:
    """Read and validate roster.csv against the plan's levels.

    Each account is one person's on any day, so rows of one account must not overlap. An
    employee holding several accounts at once must hold the same level and role on all of them,
    or the day's pay would be ambiguous. Every broken rule is reported, not just the first.
    """
    levels = {level for version in plan.versions for level in version.levels}
    rows: list[RosterRow] = []
    problems: list[str] = []
    for line, cells in csv_rows(path, ROSTER_HEADER):
        try:
            rows.append(_roster_row(line, cells, levels))
        except ValueError as err:
            problems.append(f"{path}: line {line}: {err}")
    for j, later in enumerate(rows):
        for earlier in rows[:j]:
            shared = _overlap(earlier, later)
            if shared is None:
                continue
            if earlier.account == later.account:
                problems.append(
                    f"{path}: lines {earlier.line} and {later.line}: account: {later.account} "
                    f"is on both rows for {_span(shared)}; rows of one account must not overlap")
            elif earlier.employee_id == later.employee_id and \
                    (earlier.level, earlier.role) != (later.level, later.role):
                problems.append(
                    f"{path}: lines {earlier.line} and {later.line}: level/role: "
                    f"{later.employee_id} is {earlier.level} {earlier.role} on one and "
                    f"{later.level} {later.role} on the other for {_span(shared)}; an "
                    "employee holds one level and role per day")
    if problems:
        raise ConfigError("\n".join(problems))
    return rows


def on_roster(roster: list[RosterRow], employee_id: str, first: date, last: date) -> bool:
    """Whether a roster row of `employee_id` covers at least one day of first..last."""
    return any(r.employee_id == employee_id and r.effective_from <= last
               and (r.effective_to is None or r.effective_to >= first) for r in roster)
