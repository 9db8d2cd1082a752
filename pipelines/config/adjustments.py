"""The month's manual lines, `<landing>/adjustments/<YYYY-MM>/*.csv`: 质检 points and pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.config.roster import (
    RosterRow,
    on_roster,
)
from pipelines.config.rules import (
    ADJUSTMENT_HEADER,
    ADJUSTMENT_KINDS,
    AMOUNT,
    ConfigError,
    csv_rows,
)


@dataclass(frozen=True)
class Adjustment:
    """A manual line for one month: 质检 points on the KPI score, or CNY on gross pay. `file` is
    the landing-relative path (`adjustments/2026-10/qa.csv`), `line` its CSV line."""

    employee_id: str
    kind: str                          # qa_points | pay
    amount: Decimal                    # at most 2 decimals, both kinds
    reason: str
    file: str
    line: int


def _adjustment(shown: str, line: int, cells: dict[str, str], month: str,
                roster: list[RosterRow] | None) -> Adjustment:
    """One validated row; a ValueError's text follows `<file> line <n>: ` in the message."""
    employee = cells["employee_id"]
    if not employee:
        raise ValueError("employee_id: missing")
    if roster is not None:
        first = date.fromisoformat(f"{month}-01")
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if not on_roster(roster, employee, first, last):
            raise ValueError(f"employee {employee} is not on the roster in {month}")
    for column in ADJUSTMENT_HEADER[1:]:
        if not cells[column]:
            raise ValueError(f"employee {employee}: {column}: missing")
    if cells["kind"] not in ADJUSTMENT_KINDS:
        raise ValueError(f"employee {employee}: kind: {cells['kind']!r} is not one of "
                         f"{', '.join(ADJUSTMENT_KINDS)}")
    if not AMOUNT.fullmatch(cells["amount"]):
        raise ValueError(f"employee {employee}: amount: {cells['amount']!r} is not a plain "
                         "number like -200.00")
    amount = Decimal(cells["amount"])
    if amount != amount.quantize(Decimal("0.01")):
        unit = "pay is in CNY.cents" if cells["kind"] == "pay" else \
            "the KPI score has 2 decimals"
        raise ValueError(f"employee {employee}: amount: {amount} has more than 2 decimals "
                         f"({unit})")
    return Adjustment(employee, cells["kind"], amount, cells["reason"], shown, line)


def adjustment_files(landing: Path, month: str) -> list[Path]:
    """The files of `<landing>/adjustments/<month>/`: every one must be a .csv (an .xlsx left
    there would otherwise be ignored without a word); hidden and Excel lock files are skipped."""
    folder = landing / "adjustments" / month
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith((".", "~$")))
    others = [p for p in files if p.suffix.lower() != ".csv"]
    if others:
        raise ConfigError("\n".join(
            f"{p.relative_to(landing).as_posix()}: not a .csv file; adjustments are CSV "
            f"({','.join(ADJUSTMENT_HEADER)})" for p in others))
    return files


def load_adjustments(landing: Path, month: str,
                     roster: list[RosterRow] | None = None) -> list[Adjustment]:
    """Every row of `<landing>/adjustments/<month>/*.csv` (month 'YYYY-MM'); none if no folder.

    Each row is validated: the kind is known, the amount parses and has at most 2 decimals,
    and (given the roster) the employee is on it on some day of the month. Every bad row is
    reported, one line each: `adjustments/2026-10/qa.csv line 3: employee E99 is not on the
    roster in 2026-10`; then nothing is returned."""
    adjustments: list[Adjustment] = []
    problems: list[str] = []
    for path in adjustment_files(landing, month):
        shown = path.relative_to(landing).as_posix()
        for line, cells in csv_rows(path, ADJUSTMENT_HEADER, shown):
            try:
                adjustments.append(_adjustment(shown, line, cells, month, roster))
            except ValueError as err:
                problems.append(f"{shown} line {line}: {err}")
    if problems:
        raise ConfigError("\n".join(problems))
    return adjustments
