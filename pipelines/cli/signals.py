"""The data-quality signals a backfill or payroll summary ends with, one line each, what ops
must act on: exports missing from the landing zone, then what
`sql/reports/data_quality_signals.sql` finds in the warehouse."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.config.shop import Config
from pipelines.ingest.completeness import day_segments, missing_exports, segments_text
from pipelines.ingest.sources import SOURCES
from pipelines.warehouse.database import run_sql


def data_quality_signals(con: duckdb.DuckDBPyConnection, config: Config, first: date,
                         last: date) -> list[str]:
    """Missing exports, unmapped chat accounts, rejected rows and provisional months of the
    days first..last."""
    missing = missing_exports(con, config, first, last)
    signals = [f"no {source} export for {segments_text(day_segments(days))}: rows already "
               "loaded for those days are kept, and their month stays provisional until the "
               "export lands" for source in SOURCES
               if (days := [day for day, s in missing if s == source])]
    run_sql(con, "reports/data_quality_signals.sql", day_from=first, day_to=last)
    return signals + [signal for (signal,) in con.execute(
        "SELECT signal FROM data_quality_signals ORDER BY rank, subject").fetchall()]
