"""The month is the same however it arrives (issue 9, point 1): files landing night by night,
refunds and status changes days after the order, nights that did not run, and a file that lands
late in an older day's folder give the same payroll, pay lines and KPI lines as one backfill of
the same files, to the cent.

The fast test replays the month in three nights that each catch up the days before them; `make
replay` runs the slow one, a nightly run for every day of the month."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.generator import generate
from pipelines.ingest.sources import SOURCES
from pipelines.orchestration.runner import backfill_month, nightly, payroll_months
from pipelines.warehouse.database import connect

OCTOBER = date(2026, 10, 1)
MONTH_TABLES = ("marts.payroll", "marts.payroll_lines", "marts.kpi_lines",
                "marts.agent_monthly_metrics")
LATE_FILE_DAY = date(2026, 10, 5)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, Settings]:
    """A generated October of 8 agents (the exports as the shop writes them) and its one-shot
    backfill."""
    root = tmp_path_factory.mktemp("replay")
    generate("2026-10", root / "exports", agents=8, seed=11, scale=0.1)
    config = root / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", config)
    shutil.copy(root / "exports" / "_roster.csv", config / "roster.csv")
    backfilled = Settings(landing=root / "exports", warehouse=root / "backfill.duckdb",
                          config=config, publish=root / "publish-backfill")
    with DagsterInstance.ephemeral() as instance:
        backfill_month(backfilled, OCTOBER, date(2026, 10, 31), instance)
    return root, backfilled


def rows(warehouse: Path, sql: str) -> list[tuple]:
    con = connect(warehouse)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def month_rows(warehouse: Path, table: str) -> list[tuple]:
    """Every row of a month table, less the run ids that differ between runs by design."""
    return rows(warehouse, f"SELECT COLUMNS(lambda c: c NOT IN ('run_id', 'load_run_id')) "
                           f"FROM {table} WHERE month = DATE '{OCTOBER}' ORDER BY ALL")


def land_day(exports: Path, landing: Path, day: date, withheld: Path | None) -> None:
    """The shop drops the day's exports into the landing zone (all but the withheld file)."""
    for source in SOURCES:
        folder = exports / source / day.isoformat()
        if folder.is_dir():
            shutil.copytree(folder, landing / source / day.isoformat(),
                            ignore=lambda _d, names: [n for n in names
                                                      if withheld and n == withheld.name])


def replay(root: Path, backfilled: Settings, nights: list[date], name: str) -> Settings:
    """Land the exports day by day; run `nightly` on the given nights, then the payroll."""
    exports = backfilled.landing
    settings = replace(backfilled, landing=root / name / "landing",
                       warehouse=root / name / "warehouse.duckdb",
                       publish=root / name / "publish")
    shutil.copytree(exports / "adjustments", settings.landing / "adjustments")
    late = sorted((exports / "chats" / LATE_FILE_DAY.isoformat()).glob("*.csv"))[0]
    with DagsterInstance.ephemeral() as instance:
        for i in range(31):
            day = OCTOBER + timedelta(days=i)
            land_day(exports, settings.landing, day, late if day == LATE_FILE_DAY else None)
            if day == LATE_FILE_DAY + timedelta(days=9):  # the late chat file turns up
                shutil.copy(late, settings.landing / "chats" / LATE_FILE_DAY.isoformat())
            if day in nights:
                nightly(settings, day, instance)
        payroll_months(settings, OCTOBER, OCTOBER, instance)
    return settings


def assert_same_month(backfilled: Settings, replayed: Settings) -> None:
    for table in MONTH_TABLES:
        expected = month_rows(backfilled.warehouse, table)
        assert expected, table
        got = month_rows(replayed.warehouse, table)
        assert got == expected, f"{table}: {set(expected) ^ set(got)}"


def test_the_replay_has_late_refunds_status_changes_and_a_late_file(shop):
    """The generated month holds what the invariant is about, so the replay can catch it."""
    _, backfilled = shop
    late_refunds = rows(backfilled.warehouse, """
        SELECT count(*) FROM staging.refunds AS r JOIN staging.order_attribution AS a
        USING (order_id) WHERE r.is_refunded AND a.credit_day IS NOT NULL
          AND r.export_day > a.credit_day + 2""")[0][0]
    paid_then_closed = rows(backfilled.warehouse, """
        SELECT count(DISTINCT kefu_id(order_id)) FROM raw.orders AS o
        WHERE kefu_order_status(status) IN ('交易关闭', '交易被淘宝关闭')
          AND EXISTS (SELECT 1 FROM raw.orders AS p
                      WHERE kefu_id(p.order_id) = kefu_id(o.order_id)
                        AND p.partition_day < o.partition_day
                        AND kefu_ts(p.paid_at) IS NOT NULL)""")[0][0]
    assert late_refunds > 0 and paid_then_closed > 0


def test_three_nights_then_the_payroll_equal_one_backfill(shop):
    root, backfilled = shop
    nights = [date(2026, 10, 10), date(2026, 10, 20), date(2026, 10, 31)]
    assert_same_month(backfilled, replay(root, backfilled, nights, "three-nights"))


@pytest.mark.slow
def test_every_night_of_the_month_then_the_payroll_equal_one_backfill(shop):
    root, backfilled = shop
    nights = [OCTOBER + timedelta(days=i) for i in range(31)]
    assert_same_month(backfilled, replay(root, backfilled, nights, "every-night"))
