"""Shared test set-up: a warehouse file, a landing zone and a Dagster instance per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.ingest.loader import load_day
from pipelines.warehouse.database import connect, run_sql

REPO_CONFIG = Path(__file__).resolve().parent.parent / "config"

STAGING_OF = {"chats": "chat_messages", "orders": "orders", "refunds": "refunds",
              "ratings": "ratings"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse.duckdb",
                    config=REPO_CONFIG, publish=tmp_path / "publish")


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with DagsterInstance.ephemeral() as test_instance:
        yield test_instance


def land(settings: Settings, source: str, day: str, name: str, content: bytes | str,
         encoding: str = "utf-8") -> Path:
    """Write one export file into the landing zone, as the shop would drop it."""
    path = settings.landing / source / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def use_env(monkeypatch: pytest.MonkeyPatch, settings: Settings,
            dagster_home: Path | None = None) -> None:
    """Point the `kefu` command (Settings.from_env) at `settings`, as ops do with KEFU_*."""
    for name, value in (("KEFU_LANDING", settings.landing), ("KEFU_WAREHOUSE", settings.warehouse),
                        ("KEFU_CONFIG", settings.config), ("KEFU_PUBLISH", settings.publish)):
        monkeypatch.setenv(name, str(value))
    if dagster_home is not None:
        monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))


def warehouse_rows(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    """Run one query on the warehouse file and close the connection again."""
    con = connect(settings.warehouse)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def ingest(settings: Settings, source: str, day: str) -> duckdb.DuckDBPyConnection:
    """Load one day of one source through raw and staging; return a connection to inspect."""
    con = connect(settings.warehouse)
    the_day = date.fromisoformat(day)
    load_day(con, settings.landing, source, the_day, "test-run")
    run_sql(con, f"staging/{STAGING_OF[source]}.sql", day_from=the_day, day_to=the_day)
    return con


@pytest.fixture(scope="session")
def clean_month(tmp_path_factory) -> Settings:
    """A small generated October, computed end to end and published once per test session;
    tests that change it work on a copy of its warehouse. Generated without luck on persons
    (`Luck.even()`): the files the generator wrote before it had any, which the golden files
    of tests/test_golden.py were computed from."""
    from pipelines.generator import generate
    from pipelines.generator.luck import Luck
    from pipelines.orchestration.runner import backfill_month

    root = tmp_path_factory.mktemp("month")
    config = root / "config"
    shutil.copytree(REPO_CONFIG, config)
    generate("2026-10", root / "landing", agents=6, seed=3, scale=0.1, luck=Luck.even())
    shutil.copy(root / "landing" / "_roster.csv", config / "roster.csv")
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse.duckdb",
                        config=config, publish=root / "publish")
    with DagsterInstance.ephemeral() as instance:
        backfill_month(settings, date(2026, 10, 1), date(2026, 10, 31), instance)
    return settings
