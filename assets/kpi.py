"""KPI: the month's metrics per employee (`sql/marts/agent_monthly_metrics.sql`), then each KPI
line, the score and the tier (`pipelines/pay/scoring.py`). Monthly partitions; each month is scored
under the plan version in force on its first day, recorded on every row."""

from decimal import Decimal

import pyarrow as pa
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from assets.factory import month_checks, warehouse_asset
from assets.metrics import days_current, derive_days
from pipelines.config.shop import load_config
from pipelines.config.tables import write_config_tables
from pipelines.ingest.completeness import require_exports
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import (
    days_in_month,
    month_end,
    monthly_partitions,
    months_in,
)
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.pay.month_inputs import month_adjustments, qa_points_by_employee
from pipelines.pay.pooling import month_metrics
from pipelines.pay.scoring import METRIC_COLUMNS, round_half_up, score_employee
from pipelines.warehouse import derivations
from pipelines.warehouse.database import month_table, replace_months, run_sql, transaction

KPI_TABLES = ("marts.kpi_lines", "marts.kpi_monthly")


@warehouse_asset(
    "marts/agent_monthly_metrics", deps=("marts/agent_daily_metrics",), group="kpi",
    partitions=monthly_partitions, checked=("marts.agent_monthly_metrics",),
    description="`marts.agent_monthly_metrics`, grain: month x employee. First re-derives "
                "every day of the month (waits, attribution, daily marts) from staging, so late "
                "refunds, status changes and late files count; then ratios of summed "
                "numerators and denominators, promotion days left out where the plan says. "
                "Transform: `sql/marts/agent_monthly_metrics.sql`.",
)
def agent_monthly_metrics(context: AssetExecutionContext, warehouse: Warehouse,
                          paths: KefuPaths) -> MaterializeResult:
    config = load_config(paths.config_path)
    months = months_in(context.partition_time_window)
    rederived: list[str] = []
    with warehouse.connect() as con:
        with transaction(con):
            write_config_tables(con, config)
            for first in months:
                require_exports(con, first, paths.landing_path)
                # The month is a function of staging alone: its days are re-derived here, so
                # a refund or status change that landed after a day was run still counts
                # (unless nothing they are computed from has changed since they were).
                days = days_in_month(first)
                inputs = derivations.inputs_print(con)
                if not days_current(con, config, days, inputs):
                    rederived.append(f"{first:%Y-%m}")
                    derive_days(con, config, days, inputs, context.run_id)
                version = config.plan.version_for(first)
                run_sql(con, "marts/agent_monthly_metrics.sql", month_first=first,
                        month_last=month_end(first), plan_version=version.id,
                        promo_excluded=list(version.promo_days_excluded_from))
                replace_months(con, [first], {
                    "marts.agent_monthly_metrics": "computed_agent_monthly_metrics"})
        rows = sum(con.execute(
            f"SELECT count(*) FROM {month_table(con, 'marts.agent_monthly_metrics', first)} "
            "WHERE month = ?", [first]).fetchall()[0][0] for first in months)
        checks = month_checks(con, ("marts.agent_monthly_metrics",), months, context.run_id)
    progress.report("marts.agent_monthly_metrics", ", ".join(m.isoformat()[:7] for m in months))
    return MaterializeResult(check_results=checks, metadata={
        "rows": rows, "days_rederived_for": ", ".join(rederived) or "none: all current"})


@warehouse_asset(
    "marts/kpi_monthly", deps=("marts/agent_monthly_metrics", "raw/adjustments"), group="kpi",
    partitions=monthly_partitions, checked=KPI_TABLES,
    description="`marts.kpi_lines` (month x employee x KPI line) and `marts.kpi_monthly` "
                "(month x employee: score, tier, flags), scored exactly by "
                "`pipelines/pay/scoring.py` from the monthly numerators and denominators (summed "
                "over the plan's `pool_months`, `pipelines/pay/pooling.py`) and the "
                "qa_points rows of `raw.adjustments`.",
)
def kpi_monthly(context: AssetExecutionContext, warehouse: Warehouse,
                paths: KefuPaths) -> MaterializeResult:
    config = load_config(paths.config_path)
    months = months_in(context.partition_time_window)
    line_rows: list[dict] = []
    score_rows: list[dict] = []
    with warehouse.connect() as con:
        for first in months:
            version = config.plan.version_for(first)
            qa = qa_points_by_employee(month_adjustments(con, first))
            for scored in month_metrics(con, first, version):
                metrics = scored.row
                score = score_employee(metrics, version.kpi[metrics["role"]],
                                       qa.get(metrics["employee_id"], Decimal(0)), version)
                for line in score.lines:
                    numerator, denominator, _ = METRIC_COLUMNS[line.metric]
                    line_rows.append({
                        "month": first, "employee_id": metrics["employee_id"],
                        "role": metrics["role"], "metric": line.metric,
                        "value": None if line.value is None else round_half_up(line.value, 6),
                        "numerator": Decimal(metrics[numerator]),
                        "denominator": Decimal(metrics[denominator]),
                        "sample": line.sample, "min_sample": line.min_sample,
                        "worst": line.worst, "best": line.best, "weight": line.weight,
                        "effective_weight": round_half_up(line.effective_weight, 4)
                        if line.status == "scored" else None,
                        "achieved": None if line.achieved is None
                        else round_half_up(line.achieved, 6),
                        "points": line.points, "status": line.status,
                        "note": "; ".join(filter(None, (line.note, scored.note))),
                        "plan_version": version.id, "run_id": context.run_id,
                    })
                score_rows.append({
                    "month": first, "employee_id": metrics["employee_id"],
                    "name": metrics["name"], "level": metrics["level"], "role": metrics["role"],
                    "line_points": score.line_points, "qa_points": score.qa_points,
                    "kpi_score": score.kpi_score,
                    "tier_min_score": score.tier.min_score if score.tier else None,
                    "tier_base": score.tier.base if score.tier else None,
                    "flags": "; ".join(score.flags), "plan_version": version.id,
                    "run_id": context.run_id,
                })
        replace_months(con, months, {"marts.kpi_lines": line_rows,
                                     "marts.kpi_monthly": score_rows})
        checks = month_checks(con, KPI_TABLES, months, context.run_id)
    progress.report("marts.kpi_monthly", ", ".join(m.isoformat()[:7] for m in months))
    tiers: dict[str, int] = {}
    for row in score_rows:
        key = str(row["tier_base"]) if row["tier_base"] is not None else "no score"
        tiers[key] = tiers.get(key, 0) + 1
    return MaterializeResult(check_results=checks, metadata={
        "employees": len(score_rows),
        "tier_distribution": MetadataValue.json(tiers),
        "preview": MetadataValue.md(pa.Table.from_pylist(score_rows[:10]).to_pandas()
                                    .to_markdown(index=False) if score_rows else "(none)"),
    })
