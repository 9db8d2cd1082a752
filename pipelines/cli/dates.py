"""The dates the commands take, checked before a run starts: a `--month` YYYY-MM, a day
YYYY-MM-DD (`--date`, `--from`, `--to`), and the first and last day a backfill runs; anything
else is a usage error naming the option."""

from __future__ import annotations

import calendar
import re
from datetime import date

import typer

_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # date.fromisoformat alone also takes 20261001


def parse_day(value: str, option: str) -> date:
    """`value` of `option` as a day, YYYY-MM-DD; a usage error naming the option if it is not
    one (2026-10-32, 2026-02-30, 20261001)."""
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a date, expected YYYY-MM-DD", param_hint=option)


def month_days(month: str, option: str = "--month") -> tuple[date, date]:
    """The first and last day of `--month` (or `option`) YYYY-MM; a usage error if it is not a
    month."""
    try:
        if _MONTH.fullmatch(month):
            first = date.fromisoformat(f"{month}-01")
            return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    except ValueError:
        pass
    raise typer.BadParameter(f"{month!r} is not a month, expected YYYY-MM", param_hint=option)


def run_days(month: str | None, from_day: str | None, to_day: str | None) -> tuple[date, date]:
    """The first and last day a backfill runs: a whole --month, or --from..--to, both given
    and the first day first; else a usage error saying which."""
    if month is not None and (from_day is not None or to_day is not None):
        raise typer.BadParameter("give --month or --from/--to, not both")
    if month is not None:
        return month_days(month)
    if from_day is None and to_day is None:
        raise typer.BadParameter("give --month YYYY-MM, or --from and --to YYYY-MM-DD")
    if from_day is None or to_day is None:
        given, missing = ("--from", "--to") if to_day is None else ("--to", "--from")
        raise typer.BadParameter(f"{given} needs {missing} YYYY-MM-DD (or give --month YYYY-MM)")
    first, last = parse_day(from_day, "--from"), parse_day(to_day, "--to")
    if first > last:
        raise typer.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    return first, last
