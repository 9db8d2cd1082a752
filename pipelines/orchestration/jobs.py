"""The asset graph in two partition grains, and the jobs that run each as one run."""

from __future__ import annotations

from dagster import define_asset_job

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
