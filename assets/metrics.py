"""Metrics: waits, order attribution and the daily marts, each one SQL file run per shop day
(daily partitions, single-run backfills), all written by one step. Each month's days use the
plan version in force on that month's first day, and the version is written on every row."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue
from duckdb import DuckDBPyConnection

from assets.factory import TableSpec, suite_checks, table_key, warehouse_layer
from pipelines.config.plan import PlanVersion
from pipelines.config.shop import Config, load_config
from pipelines.config.tables import (
    first_of_month,
    month_segments,
    sql_parameters,
    write_config_tables,
)
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import daily_partitions, days_in
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.warehouse import derivations
from pipelines.warehouse.database import chat_day_spans, range_metadata, run_sql, transaction


@dataclass(frozen=True)
class DailyTransform:
    schema: str
    table: str
    sql: str
    deps: tuple[str, ...]
    day_column: str
    grain: str
    lookahead_window: bool = False  # also recompute the attribution window's days after the run
    # reads day_messages, and a day's rows only that day's messages: runs in spans of days
    # (`pipelines.warehouse.database.chat_day_spans`), after the transforms that read all the days
    by_message_day: bool = False


TRANSFORMS = (
    DailyTransform("staging", "chat_waits", "intermediate/chat_waits.sql",
                   ("staging/chat_messages",), "day", "buyer wait", by_message_day=True),
    DailyTransform("staging", "order_attribution", "intermediate/order_attribution.sql",
                   ("staging/chat_messages", "staging/orders"), "created_day", "order",
                   lookahead_window=True),
    DailyTransform("marts", "agent_daily_metrics", "marts/agent_daily_metrics.sql",
                   ("staging/chat_waits", "staging/order_attribution", "staging/ratings",
                    "staging/refunds"), "day", "day x employee", by_message_day=True),
    DailyTransform("marts", "unmapped_accounts", "marts/unmapped_accounts.sql",
                   ("staging/chat_messages",), "day", "day x unmapped account",
                   by_message_day=True),
    DailyTransform("marts", "shop_daily_sales", "marts/shop_daily_sales.sql",
                   ("staging/order_attribution",), "day", "shop day"),
)


# What the transforms reading the day's messages share: the messages once (a temporary table).
DAY_MESSAGES = "intermediate/day_messages.sql"


def derive_days(con: DuckDBPyConnection, config: Config, days: list[date], inputs: str,
                run_id: str) -> dict[str, list[str]]:
    """Re-derive every transform for `days` from staging, each month's days under the plan
    version in force on its first day, recording what they were derived from (`inputs`: the
    fingerprint of staging and config, `pipelines.warehouse.derivations.inputs_print`); per table,
    the versions used. The daily metrics run it for their days, the monthly metrics for every day
    of the month, so late refunds, status changes and late files reach the month whatever order
    the days ran in."""
    versions: dict[str, list[str]] = {f"{t.schema}.{t.table}": [] for t in TRANSFORMS}
    for first, last in month_segments(days):
        version = config.plan.version_for(first_of_month(first))
        params = _parameters(config, version)
        ends = list(_spans(params, last))
        for t, end in ends:
            if not t.by_message_day:
                run_sql(con, t.sql, day_from=first, day_to=end, **params)
        for span_first, span_last in chat_day_spans(con, first, last):
            run_sql(con, DAY_MESSAGES, day_from=span_first, day_to=span_last)
            for t, _ in ends:
                if t.by_message_day:
                    run_sql(con, t.sql, day_from=span_first, day_to=span_last, **params)
        for t, end in ends:
            derivations.record(con, f"{t.schema}.{t.table}", first, end,
                               _derivation_print(inputs, t, params), run_id)
            versions[f"{t.schema}.{t.table}"].append(version.id)
    return versions


def days_current(con: DuckDBPyConnection, config: Config, days: list[date],
                 inputs: str) -> bool:
    """Every transform's rows of `days` were derived from inputs as they are now: deriving them
    again would give the same rows."""
    for first, last in month_segments(days):
        params = _parameters(config, config.plan.version_for(first_of_month(first)))
        for t, end in _spans(params, last):
            if not derivations.is_current(con, f"{t.schema}.{t.table}", first, end,
                                          _derivation_print(inputs, t, params)):
                return False
    return True


def _parameters(config: Config, version: PlanVersion) -> dict[str, Any]:
    """The SQL parameters of a month's days: its plan version's, and the shop's bot accounts."""
    return {**sql_parameters(version), "bots": list(config.bots)}


def _spans(params: dict, last: date) -> Iterator[tuple[DailyTransform, date]]:
    """Each transform with the last day it derives for a segment ending `last`: attribution
    also re-derives the window's days after it, whose orders a reply of the segment may win."""
    for t in TRANSFORMS:
        yield t, last + timedelta(days=params["window_days"] if t.lookahead_window else 0)


def _derivation_print(inputs: str, t: DailyTransform, params: dict) -> str:
    return derivations.derivation_print(inputs, (DAY_MESSAGES, t.sql), params)


@warehouse_layer("metrics", group="metrics", partitions=daily_partitions, tables=[
    TableSpec(f"{t.schema}/{t.table}", deps=t.deps, checked=(f"{t.schema}.{t.table}",),
              description=f"`{t.schema}.{t.table}`, grain: {t.grain}. Transform: `sql/{t.sql}`.")
    for t in TRANSFORMS
])
def daily_metrics(context: AssetExecutionContext, warehouse: Warehouse,
                  paths: KefuPaths) -> Iterator[MaterializeResult]:
    config = load_config(paths.config_path)
    days = days_in(context.partition_time_window)
    with warehouse.connect() as con:
        with transaction(con):
            write_config_tables(con, config)
            versions = derive_days(con, config, days, derivations.inputs_print(con),
                                   context.run_id)
        for t in TRANSFORMS:
            key = table_key(f"{t.schema}/{t.table}")
            metadata = range_metadata(con, f"{t.schema}.{t.table}", t.day_column, days[0],
                                      days[-1])
            checks = suite_checks(con, (f"{t.schema}.{t.table}",), days[0], days[-1],
                                  context.run_id, key=key)
            progress.report(f"{t.schema}.{t.table}", f"{days[0]}..{days[-1]}")
            yield MaterializeResult(asset_key=key, check_results=checks, metadata={
                "rows": metadata["rows"],
                "plan_versions": ", ".join(dict.fromkeys(versions[f"{t.schema}.{t.table}"])),
                "preview": MetadataValue.md(metadata["preview"]),
            })


metric_assets = [daily_metrics]
