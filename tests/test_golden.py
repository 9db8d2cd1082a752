"""Nothing changes in what is computed (issue 10, point 7): the session's generated October
(`clean_month`: 6 agents, seed 3, scale 0.1) pays and scores exactly as it did before the
set-based redesign. `tests/fixtures/golden/` holds `marts.payroll` and `marts.kpi_lines` as
commit 6763d53 (the per-day, per-step pipeline) computed them, run ids left out."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from pipelines.config.settings import Settings
from tests.conftest import warehouse_rows

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def as_text(value: object) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("table", ["marts.payroll", "marts.kpi_lines"])
def test_the_month_is_computed_as_before_the_redesign(clean_month: Settings, table: str) -> None:
    with (GOLDEN / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        header, *expected = list(csv.reader(f))
    rows = warehouse_rows(clean_month, f"SELECT {', '.join(header)} FROM {table} ORDER BY ALL")
    assert [[as_text(v) for v in row] for row in rows] == expected


DAILY_TABLES = ["staging.chat_messages", "staging.chat_waits", "marts.agent_daily_metrics",
                "marts.unmapped_accounts", "staging.order_attribution"]


@pytest.fixture(scope="module")
def day_by_day_spans(clean_month: Settings, tmp_path_factory: pytest.TempPathFactory,
                     ) -> Settings:
    """The same month's daily graph with every statement over chat rows cut to one day (a
    large shop's month runs in spans of about a week)."""
    from dagster import DagsterInstance

    from pipelines.orchestration.runner import backfill_days
    from pipelines.warehouse import database as warehouse

    settings = Settings(landing=clean_month.landing, config=clean_month.config,
                        warehouse=tmp_path_factory.mktemp("spans") / "warehouse.duckdb",
                        publish=tmp_path_factory.mktemp("spans_publish"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(warehouse, "CHAT_ROWS_PER_STATEMENT", 1)
        with DagsterInstance.ephemeral() as instance:
            backfill_days(settings, date(2026, 10, 1), date(2026, 10, 31), instance)
    return settings


@pytest.mark.parametrize("table", DAILY_TABLES)
def test_spans_of_days_compute_the_rows_one_statement_does(
        clean_month: Settings, day_by_day_spans: Settings, table: str) -> None:
    query = f"SELECT * FROM {table} ORDER BY ALL"
    one_statement = warehouse_rows(clean_month, query)
    assert one_statement, f"{table} is empty: the comparison would prove nothing"
    assert warehouse_rows(day_by_day_spans, query) == one_statement
