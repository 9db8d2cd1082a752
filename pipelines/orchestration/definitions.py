"""The Dagster code location: assets, resources (configured once, from the KEFU_* settings),
jobs, schedules and the executor. DuckDB allows one writer: steps run in-process, one at a time."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import daily_assets, daily_job, monthly_assets, monthly_job
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.orchestration.schedules import monthly_payroll, nightly, restate_closed_months

__all__ = ["build_resources", "daily_assets", "defs", "monthly_assets"]


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": Warehouse(database=str(settings.warehouse)),
        "paths": KefuPaths(landing=str(settings.landing), config=str(settings.config),
                           publish=str(settings.publish)),
    }


defs = Definitions(
    assets=[*daily_assets, *monthly_assets],
    jobs=[daily_job, monthly_job],
    schedules=[nightly, monthly_payroll],
    sensors=[restate_closed_months],
    resources=build_resources(Settings.from_env()),
    executor=in_process_executor,
)
