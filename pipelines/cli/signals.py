"""The data-quality signals a backfill or payroll summary ends with, one line each, what ops
must act on: exports missing from the landing zone, days whose orders match almost no chatting
buyer, then what `sql/reports/data_quality_signals.sql` finds in the warehouse."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.config.shop import Config
from pipelines.ingest.completeness import day_segments, missing_exports, segments_text
from pipelines.ingest.sources import SOURCES
from pipelines.quality.frames import Scope, frame
from pipelines.quality.specs import suite_spec
from pipelines.warehouse.database import run_sql


def data_quality_signals(con: duckdb.DuckDBPyConnection, config: Config, first: date,
                         last: date) -> list[str]:
    """Missing exports, collapsed match rates, unmapped chat accounts, rejected rows and
    provisional months of the days first..last."""
    missing = missing_exports(con, config, first, last)
    signals = [f"no {source} export for {segments_text(day_segments(days))}: rows already "
               "loaded for those days are kept, and their month stays provisional until the "
               "export lands" for source in SOURCES
               if (days := [day for day, s in missing if s == source])]
    signals += _collapsed_match_rate(con, first, last)
    run_sql(con, "reports/data_quality_signals.sql", day_from=first, day_to=last)
    return signals + [signal for (signal,) in con.execute(
        "SELECT signal FROM data_quality_signals ORDER BY rank, subject").fetchall()]


MATCH_RATE_SUITE = "marts.shop_daily_sales.match_rate"


def _collapsed_match_rate(con: duckdb.DuckDBPyConnection, first: date,
                          last: date) -> list[str]:
    """The days the match-rate warning flags, judged as its suite judges them (its own frame
    and floor): conversion reads 0 there for a reason ops can fix in the exports."""
    spec = suite_spec(MATCH_RATE_SUITE)
    floor = spec["expectations"][0]["kwargs"]["min_value"]
    judged = frame(con, spec["meta"]["kefu"], [], Scope(first, last)).to_pylist()
    days = [row["day"] for row in judged
            if row["judged_match_rate"] is not None and row["judged_match_rate"] < floor]
    if not days:
        return []
    return [f"chat-to-order match rate under {floor:.0%} on {segments_text(day_segments(days))}"
            ": almost none of the paid orders has a buyer who chatted, so every agent's "
            "conversion reads 0 there; the orders' buyer nicks are likely masked (t******7) "
            "with no buyer id: export orders and chats with 买家ID, or with the nicks in full, "
            "and run the days again"]
