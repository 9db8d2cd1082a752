"""A backfill killed part-way leaves every partition as it was or fully rewritten, and the next
run completes it, to the same rows as a run that was never interrupted.

The kill falls at a seeded random moment of the run (issue 9, point 11): the fast test at one,
in a five-day backfill of the daily graph; `make replay` at ten, in a whole month's backfill
(daily graph, then the payroll)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.generator import generate
from pipelines.orchestration.runner import backfill_days, backfill_month, dagster_instance
from pipelines.warehouse.database import connect

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
FIVE_DAYS = ["--from", "2026-10-01", "--to", "2026-10-05"]
MONTH = ["--month", "2026-10"]
DAILY_TABLES = ("raw.chats", "raw.orders", "raw.ingest_files", "raw.rejected_rows",
                "staging.chat_messages", "staging.orders", "staging.order_attribution",
                "marts.agent_daily_metrics")
MONTH_TABLES = (*DAILY_TABLES, "marts.agent_monthly_metrics", "marts.kpi_lines",
                "marts.payroll_lines", "marts.payroll")
# Columns that differ between runs by design: which run wrote a row, and when.
RUN_COLUMNS = ("load_run_id", "run_id", "loaded_at")


def snapshot(warehouse: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    con = connect(warehouse)
    try:
        return {t: con.execute(f"SELECT COLUMNS(lambda c: c NOT IN {RUN_COLUMNS}) "
                               f"FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("recovery")
    generate("2026-10", root / "landing", agents=5, seed=5, scale=0.05)
    config = root / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", config)
    shutil.copy(root / "landing" / "_roster.csv", config / "roster.csv")
    return Settings(landing=root / "landing", warehouse=root / "clean.duckdb", config=config,
                    publish=root / "clean-publish")


def uninterrupted(settings: Settings, args: list[str]) -> tuple[dict, float]:
    """The rows of a backfill that was never killed, and how long it took."""
    started = time.monotonic()
    with DagsterInstance.ephemeral() as instance:
        recover(settings, args, instance)
    return snapshot(settings.warehouse, tables_of(args)), time.monotonic() - started


def recover(settings: Settings, args: list[str], instance) -> None:
    if args == MONTH:
        backfill_month(settings, FIRST, LAST, instance)
    else:
        backfill_days(settings, date.fromisoformat(args[1]), date.fromisoformat(args[3]),
                      instance)


def tables_of(args: list[str]) -> tuple[str, ...]:
    return MONTH_TABLES if args == MONTH else DAILY_TABLES


def kill_and_recover(clean: Settings, expected: dict, args: list[str], tmp_path: Path,
                     monkeypatch, delay: float) -> None:
    settings = replace(clean, warehouse=tmp_path / "warehouse.duckdb",
                       publish=tmp_path / "publish")
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "KEFU_LANDING": str(settings.landing),
           "KEFU_WAREHOUSE": str(settings.warehouse), "KEFU_CONFIG": str(settings.config),
           "KEFU_PUBLISH": str(settings.publish), "DAGSTER_HOME": str(home)}
    child = subprocess.Popen([sys.executable, "-m", "pipelines.cli.commands", "backfill", *args],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    recover(settings, args, dagster_instance())  # frees the killed run's writer slot
    assert snapshot(settings.warehouse, tables_of(args)) == expected, \
        f"killed after {delay:.2f} s"


def seeded_delays(seed: int, count: int, longest: float) -> list[float]:
    """Kill moments spread over a whole backfill (its start-up included), the same every run."""
    rng = random.Random(seed)
    return sorted(rng.uniform(1.0, longest) for _ in range(count))


def test_a_backfill_killed_at_a_seeded_moment_is_completed_by_the_next_run(landing, tmp_path,
                                                                          monkeypatch):
    expected, took = uninterrupted(landing, FIVE_DAYS)
    [delay] = seeded_delays(9, 1, took * 1.5)  # the CLI starts slower than a run in-process
    kill_and_recover(landing, expected, FIVE_DAYS, tmp_path, monkeypatch, delay)


@pytest.fixture(scope="module")
def whole_month(landing) -> tuple[dict, float]:
    return uninterrupted(landing, MONTH)


@pytest.mark.slow
@pytest.mark.parametrize("point", range(10))
def test_a_month_backfill_killed_at_ten_seeded_moments_is_completed_each_time(
        landing, whole_month, tmp_path, monkeypatch, point):
    expected, took = whole_month
    delay = seeded_delays(2026, 10, took * 1.5)[point]
    kill_and_recover(landing, expected, MONTH, tmp_path, monkeypatch, delay)
