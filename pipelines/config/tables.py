"""Put the validated configuration where SQL can join it: `config.roster`, `config.promo_days`,
and the per-month SQL parameters of the plan version in force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.config.plan import PlanVersion
from pipelines.config.shop import Config


def write_config_tables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Replace the config tables with this run's validated files, in the caller's transaction."""
    roster = pa.table({
        "employee_id": [r.employee_id for r in config.roster],
        "name": [r.name for r in config.roster],
        "account": [r.account for r in config.roster],
        "level": [r.level for r in config.roster],
        "role": [r.role for r in config.roster],
        "effective_from": pa.array([r.effective_from for r in config.roster], pa.date32()),
        "effective_to": pa.array([r.effective_to for r in config.roster], pa.date32()),
    })
    promo = sorted(config.calendar.promo_days(date(2000, 1, 1), date(2100, 12, 31)).items())
    promo_days = pa.table({"day": pa.array([d for d, _ in promo], pa.date32()),
                           "promotion": [name for _, name in promo]})
    versions = config.plan.versions
    plan_versions = pa.table({
        "plan_version": [v.id for v in versions],
        "effective_from": pa.array([v.effective_from for v in versions], pa.date32()),
        "prorate": [v.prorate for v in versions],
    })
    tiers = [(v.id, t) for v in versions for t in v.bonus_tiers]
    plan_tiers = pa.table({
        "plan_version": [version for version, _ in tiers],
        "min_score": pa.array([t.min_score for _, t in tiers], pa.decimal128(5, 2)),
        "base": pa.array([t.base for _, t in tiers], pa.decimal128(18, 2)),
    })
    for table, rows in (("config.roster", roster), ("config.promo_days", promo_days),
                        ("config.plan_versions", plan_versions),
                        ("config.plan_tiers", plan_tiers)):
        con.execute(f"DELETE FROM {table}")
        con.register("config_rows", rows)
        con.execute(f"INSERT INTO {table} SELECT * FROM config_rows")
        con.unregister("config_rows")


def sql_parameters(version: PlanVersion) -> dict[str, Any]:
    """The plan's settings as the `$name` parameters the daily SQL files use."""
    return {
        "plan_version": version.id,
        "session_gap_minutes": version.session_gap_minutes,
        "slow_response_seconds": version.slow_response_seconds,
        "service_start": version.service_start,
        "service_end": version.service_end,
        "window_days": version.attribution.window_days,
    }


def month_segments(days: list[date]) -> Iterator[tuple[date, date]]:
    """Split a run's days by calendar month: each month is governed by its own plan version."""
    start = days[0]
    for day, following in zip(days, [*days[1:], None], strict=True):
        if following is None or following.month != day.month:
            yield start, day
            start = following if following else day


def first_of_month(day: date) -> date:
    return day.replace(day=1)
