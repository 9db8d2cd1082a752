"""The asset graph in two partition grains, and the jobs that run each as one run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dagster import MonthlyPartitionsDefinition, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from assets.adjustments import raw_adjustments
from assets.ingest import raw_assets
from assets.kpi import agent_monthly_metrics, kpi_monthly
from assets.metrics import metric_assets
from assets.payroll import payroll
from assets.publish import publish_payroll
from assets.staging import staging_assets
from pipelines.orchestration.partitions import daily_partitions, monthly_partitions

daily_assets = [*raw_assets, *staging_assets, *metric_assets]
monthly_assets = [raw_adjustments, agent_monthly_metrics, kpi_monthly, payroll, publish_payroll]

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
    description="A month's adjustments, metrics, KPI scores, payroll and, once its checks pass, "
                "publishing.",
)


def range_tags(job: UnresolvedAssetJobDefinition, first: str, last: str) -> dict[str, str]:
    """The tags of a run of `job` over the partitions first..last (ISO days): one partition's
    key (its checks' results then carry it), or the range Dagster runs as one; and
    `kefu/range` (`range_label`)."""
    partitions = ({PARTITION_NAME_TAG: first} if first == last else
                  {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last})
    return {**partitions, "kefu/range": range_label(job, first, last)}


def tagged_range(tags: Mapping[str, str]) -> tuple[date, date]:
    """The partitions first..last a run's tags (`range_tags`) name."""
    if PARTITION_NAME_TAG in tags:
        return (date.fromisoformat(tags[PARTITION_NAME_TAG]),) * 2
    return (date.fromisoformat(tags[ASSET_PARTITION_RANGE_START_TAG]),
            date.fromisoformat(tags[ASSET_PARTITION_RANGE_END_TAG]))


def range_label(job: UnresolvedAssetJobDefinition, first: str, last: str) -> str:
    """What a run of `job` over first..last (ISO days) covers, as a person names it: 2026-10 (a
    month's run), 2026-09..2026-10, 2026-10-07 or 2026-10-01..2026-10-07."""
    if isinstance(job.partitions_def, MonthlyPartitionsDefinition):
        first, last = first[:7], last[:7]
    return first if first == last else f"{first}..{last}"
