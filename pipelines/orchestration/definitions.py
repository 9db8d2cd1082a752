"""The Dagster code location: assets, resources (configured once, from the KEFU_* settings),
jobs, schedules and the executor. DuckDB allows one writer: steps run in-process, one at a time."""

from __future__ import annotations

from dagster import Definitions, in_process_executor
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import daily_assets, daily_job, monthly_assets, monthly_job
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.orchestration.schedules import monthly_payroll, nightly, restate_closed_months

__all__ = ["build_resources", "code_location", "daily_assets", "defs", "monthly_assets"]

# workspace.yaml's location_name: the UI lists a job's runs by this label (REPOSITORY_LABEL_TAG),
# so runs the CLI launches carry it too and show on the job's page.
LOCATION_NAME = "kefu_payroll"
REPOSITORY_LABEL = f"__repository__@{LOCATION_NAME}"


def build_resources(settings: Settings) -> dict[str, object]:
    return {
        "warehouse": Warehouse(database=str(settings.warehouse)),
        "paths": KefuPaths(landing=str(settings.landing), config=str(settings.config),
                           publish=str(settings.publish)),
    }


def code_location(settings: Settings,
                  extra_jobs: tuple[UnresolvedAssetJobDefinition, ...] = ()) -> Definitions:
    """The code location for `settings`: what `dagster dev` serves, and what the CLI runs
    jobs of (with `extra_jobs`: a test's selection of assets)."""
    return Definitions(
        assets=[*daily_assets, *monthly_assets],
        jobs=[daily_job, monthly_job, *extra_jobs],
        schedules=[nightly, monthly_payroll],
        sensors=[restate_closed_months],
        resources=build_resources(settings),
        executor=in_process_executor,
    )


defs = code_location(Settings.from_env())
