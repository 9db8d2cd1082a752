"""The Dagster code location: assets, resources (configured once, from the KEFU_* settings),
jobs and the executor. DuckDB allows one writer: steps run in-process, one at a time."""

from __future__ import annotations

from dagster import Definitions, define_asset_job, in_process_executor

from assets.ingest import raw_assets
from assets.kpi import agent_monthly_metrics, kpi_monthly
from assets.metrics import metric_assets
from assets.payroll import payroll
from assets.staging import staging_assets
from pipelines.partitions import daily_partitions, monthly_partitions
from pipelines.resources import KefuPaths, Warehouse
from pipelines.settings import Settings

daily_assets = [*raw_assets, *staging_assets, *metric_assets]
monthly_assets = [agent_monthly_metrics, kpi_monthly, payroll]

daily_job = define_asset_job(
    "daily_metrics",
    selection=daily_assets,
    partitions_def=daily_partitions,
    description="Load a day's (or a range of days') exports, then waits, attribution and the "
                "daily marts.",
)
monthly_job = define_asset_job(
    "monthly_payroll",
    selection=monthly_assets,
    partitions_def=monthly_partitions,
    description="A month's metrics, KPI scores and payroll.",
)


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": Warehouse(database=str(settings.warehouse)),
        "paths": KefuPaths(landing=str(settings.landing), config=str(settings.config),
                           publish=str(settings.publish)),
    }


defs = Definitions(
    assets=[*daily_assets, *monthly_assets],
    jobs=[daily_job, monthly_job],
    resources=build_resources(Settings.from_env()),
    executor=in_process_executor,
)
