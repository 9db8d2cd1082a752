"""The data-quality signals a backfill or payroll summary ends with
(`sql/reports/data_quality_signals.sql`): what ops must act on, one line each."""

from __future__ import annotations

from datetime import date

import duckdb

from pipelines.warehouse.database import run_sql


def data_quality_signals(con: duckdb.DuckDBPyConnection, first: date, last: date) -> list[str]:
    """Unmapped chat accounts, rejected rows and provisional months of the days first..last."""
    run_sql(con, "reports/data_quality_signals.sql", day_from=first, day_to=last)
    return [signal for (signal,) in con.execute(
        "SELECT signal FROM data_quality_signals ORDER BY rank, subject").fetchall()]
