"""A backfill killed part-way leaves every partition as it was or fully rewritten, and the next
run completes it, to the same rows as a run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date

from dagster import instance_for_test

from pipelines.generator import generate
from pipelines.runner import backfill_days, dagster_instance
from pipelines.warehouse import connect

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 10)
TABLES = ("raw.chats", "raw.orders", "staging.chat_messages", "staging.orders",
          "marts.agent_daily_metrics", "staging.order_attribution")


def snapshot(warehouse) -> dict[str, list[tuple]]:
    """Every row of the tables, less the run ids that differ between runs by design."""
    con = connect(warehouse)
    try:
        return {t: con.execute(f"SELECT COLUMNS(lambda c: c NOT IN ('load_run_id', 'run_id')) "
                               f"FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def test_a_killed_backfill_is_completed_by_the_next_run(settings, tmp_path, monkeypatch):
    generate("2026-10", settings.landing, agents=5, seed=5, scale=0.1)
    env = {**os.environ, "KEFU_LANDING": str(settings.landing),
           "KEFU_WAREHOUSE": str(settings.warehouse), "KEFU_CONFIG": str(settings.config),
           "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    (tmp_path / "dagster_home").mkdir()
    child = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "backfill", "--from",
                              FIRST.isoformat(), "--to", LAST.isoformat()], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not settings.warehouse.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)  # somewhere inside the raw loads
    child.send_signal(signal.SIGKILL)
    child.wait()

    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    backfill_days(settings, FIRST, LAST, dagster_instance())  # the killed run's slot is freed

    clean = replace(settings, warehouse=tmp_path / "clean.duckdb")
    with instance_for_test() as instance:
        backfill_days(clean, FIRST, LAST, instance)
    assert snapshot(settings.warehouse) == snapshot(clean.warehouse)
