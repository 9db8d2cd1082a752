"""Has a month all it needs? The landing zone against what the warehouse loaded.

- `stale_days`: days whose folder holds other files than the ones loaded for it (a file landed
  late in an older day's folder, or was moved): the nightly run loads them again.
- `missing_exports`: the (day, source) pairs with no export loaded and no `shop_closed` mark in
  calendar.yaml. A header-only export is a loaded day with zero rows, not a missing one; a
  companion export alone (skipped, e.g. an ExportOrderDetailList) is no export.
- `month_state`: a month is final when nothing is missing and the attribution window of its
  last day has closed under its plan; until then its payroll is `provisional`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from pipelines.config.shop import Config
from pipelines.ingest.sources import SOURCES
from pipelines.orchestration.partitions import month_end, shop_today

STAGING_FILES = {"chats": ("staging.chat_messages", "partition_day"),
                 "orders": ("staging.orders", "export_day"),
                 "refunds": ("staging.refunds", "export_day"),
                 "ratings": ("staging.ratings", "partition_day")}


def stale_days(con: duckdb.DuckDBPyConnection, landing: Path) -> list[date]:
    """Every day for which some source's landing folder differs from the files loaded for it,
    or whose staging rows come from a file no longer loaded for it (its file moved to another
    day's folder)."""
    loaded: dict[tuple[str, date], set[str]] = {}
    for source, day, path in con.execute(
            "SELECT source, partition_day, file_path FROM raw.ingest_files").fetchall():
        loaded.setdefault((source, day), set()).add(path)
    present: dict[tuple[str, date], set[str]] = {}
    for source in SOURCES:
        root = landing / source
        if not root.is_dir():
            continue
        for folder in root.iterdir():
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                continue
            files = {p.relative_to(landing).as_posix() for p in folder.iterdir()
                     if p.is_file() and not p.name.startswith(".")}
            if files:
                present[(source, day)] = files
    # A folder emptied or gone is a missing export, never a reason to reload (and wipe) a day.
    changed = {day for (source, day), files in present.items()
               if files != loaded.get((source, day), set())}
    for source, (table, day_column) in STAGING_FILES.items():
        changed |= {row[0] for row in con.execute(
            f"SELECT DISTINCT s.{day_column} FROM (SELECT DISTINCT {day_column}, source_file "
            f"FROM {table}) AS s WHERE NOT EXISTS (SELECT 1 FROM raw.ingest_files AS f "
            f"WHERE f.source = ? AND f.partition_day = s.{day_column} "
            "AND f.file_path = s.source_file AND f.status = 'loaded')", [source]).fetchall()}
    return sorted(changed)


def missing_exports(con: duckdb.DuckDBPyConnection, config: Config, first: date,
                    last: date) -> list[tuple[date, str]]:
    """The days of first..last and sources that have no export loaded, in day order."""
    loaded = set(con.execute(
        "SELECT DISTINCT partition_day, source FROM raw.ingest_files "
        "WHERE partition_day BETWEEN ? AND ? AND status <> 'skipped'", [first, last]).fetchall())
    closed = set(config.calendar.shop_closed)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, source) for day in days if day not in closed for source in SOURCES
            if (day, source) not in loaded]


@dataclass(frozen=True)
class MonthState:
    month: date
    missing: list[tuple[date, str]]
    window_closes: date  # the first day on which no order can still credit the month's days

    @property
    def final(self) -> bool:
        return not self.missing and shop_today() >= self.window_closes

    def reasons(self) -> list[str]:
        """Why the month is provisional, in words ops can act on; empty when final."""
        reasons = []
        by_source: dict[str, list[date]] = {}
        for day, source in self.missing:
            by_source.setdefault(source, []).append(day)
        for source, days in by_source.items():
            reasons.append(f"no {source} export for {day_spans(days)}")
        if shop_today() < self.window_closes:
            reasons.append(f"the attribution window of {month_end(self.month)} is open until "
                           f"{self.window_closes - timedelta(days=1)}")
        return reasons


def month_state(con: duckdb.DuckDBPyConnection, config: Config, first: date) -> MonthState:
    last = month_end(first)
    window = config.plan.version_for(first).attribution.window_days
    return MonthState(first, missing_exports(con, config, first, last),
                      last + timedelta(days=window + 1))


def day_segments(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) spans, in order."""
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and day - spans[-1][1] == timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def day_spans(days: list[date]) -> str:
    """`2026-10-05..2026-10-07, 2026-10-12`: consecutive days as one span."""
    return segments_text(day_segments(days))


def segments_text(segments: list[tuple[date, date]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in segments)


def record_month_status(con: duckdb.DuckDBPyConnection, state: MonthState, run_id: str) -> None:
    """Replace the month's row of marts.month_status, in the caller's transaction."""
    con.execute("DELETE FROM marts.month_status WHERE month = ?", [state.month])
    con.execute("INSERT INTO marts.month_status VALUES (?, ?, ?, ?, ?, ?)", [
        state.month, "final" if state.final else "provisional", len(state.missing),
        state.window_closes, "; ".join(state.reasons()) or None, run_id])


def require_exports(con: duckdb.DuckDBPyConnection, first: date, landing: Path) -> None:
    """A month with no export loaded at all has nothing to pay from: refuse it, naming where
    its exports were looked for."""
    loaded = con.execute("SELECT count(*) FROM raw.ingest_files WHERE partition_day BETWEEN ? "
                         "AND ? AND status <> 'skipped'", [first, month_end(first)]
                         ).fetchall()[0][0]
    if not loaded:
        raise NoExports(f"no export of {first:%Y-%m} is loaded: nothing to pay from. Put the "
                        f"shop's exports in {landing}/<source>/{first:%Y-%m}-DD/ and run "
                        f"`kefu backfill --month {first:%Y-%m}`")


class NoExports(Exception):
    """A month without a single loaded export."""
