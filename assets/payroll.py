"""Payroll: per employee-month pay lines (base salary per level held, KPI bonus, manual pay
adjustments, restatements of closed months) and the payroll row that sums them. Amounts come
from `pipelines/pay/scoring.py`, exact decimals rounded to the cent per line; gross pay is the sum
of the rounded lines. Re-running a closed month: see `pipelines/pay/closing.py`."""

from datetime import date
from decimal import Decimal

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue
from duckdb import DuckDBPyConnection

from assets.factory import month_checks, warehouse_asset
from pipelines.config.plan import BonusTier
from pipelines.config.shop import Config, load_config
from pipelines.ingest.completeness import month_state, record_month_status
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import monthly_partitions, months_in
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.pay.closing import DEFAULT_REASON, paying_months, record_restatement
from pipelines.pay.month_inputs import load_month_inputs
from pipelines.pay.month_pay import KpiResult, pay_month
from pipelines.warehouse.database import closed_months, month_table, replace_months, transaction

PAYROLL_TABLES = ("marts.payroll_lines", "marts.payroll")


@warehouse_asset(
    "marts/payroll", deps=("marts/kpi_monthly", "raw/adjustments"), group="payroll",
    partitions=monthly_partitions, checked=PAYROLL_TABLES,
    description="`marts.payroll_lines` (month x employee x pay line) and `marts.payroll` "
                "(month x employee). Days and levels come from `marts.agent_daily_metrics`, "
                "the score and tier from `marts.kpi_monthly`, pay adjustments from "
                "`raw.adjustments`; lines assembled by `pipelines/pay/month_pay.py`. A closed "
                "month's re-run goes to `restated.*` and its differences to "
                "`marts.restatements` (`sql/marts/restatements.sql`), paid in the first open "
                "month.",
)
def payroll(context: AssetExecutionContext, warehouse: Warehouse,
            paths: KefuPaths) -> MaterializeResult:
    config = load_config(paths.config_path)
    months = months_in(context.partition_time_window)
    reason = context.run.tags.get("kefu/reason", DEFAULT_REASON)
    pay_rows: list[dict] = []
    restated: dict[str, date] = {}
    provisional: dict[str, list[str]] = {}
    with warehouse.connect() as con:
        closed = closed_months(con)
        with transaction(con):
            # A closed month first (its rows go to restated.*, its differences to the first
            # open month), then the open months, which pay the differences.
            for first in [m for m in months if m in closed]:
                replace_months(con, [first], pay_month_from_kpi(con, config, first,
                                                                context.run_id))
                restated[f"{first:%Y-%m}"] = record_restatement(con, first, context.run_id,
                                                                reason)
            paying = paying_months(con, months)
            for first in paying:
                state = month_state(con, config, first)
                record_month_status(con, state, context.run_id)
                provisional[f"{first:%Y-%m}"] = state.reasons()
                tables = pay_month_from_kpi(con, config, first, context.run_id)
                replace_months(con, [first], tables)
                pay_rows += tables["marts.payroll"]
        checks = month_checks(con, PAYROLL_TABLES, sorted({*months, *paying}), context.run_id)
    progress.report("marts.payroll", ", ".join(m.isoformat()[:7] for m in months))
    total = sum((r["gross_pay"] for r in pay_rows), Decimal("0.00"))
    tiers: dict[str, int] = {}
    for row in pay_rows:
        tier = str(row["tier_base"]) if row["tier_base"] is not None else "no score"
        tiers[tier] = tiers.get(tier, 0) + 1
    return MaterializeResult(check_results=checks, metadata={
        "tier_distribution": MetadataValue.json(tiers),
        "employees": len(pay_rows),
        "gross_pay_total": str(total),
        "review": sum(1 for r in pay_rows if r["status"] == "review"),
        "provisional_months": MetadataValue.json(
            {month: reasons for month, reasons in provisional.items() if reasons}),
        "payroll_months": ", ".join(f"{m:%Y-%m}" for m in paying) or "none",
        "restated_closed_months": MetadataValue.json(
            {closed_label: f"{paid_in:%Y-%m}" for closed_label, paid_in in restated.items()}),
    })


def pay_month_from_kpi(con: DuckDBPyConnection, config: Config, first: date,
                       run_id: str) -> dict[str, list[dict]]:
    """One month's pay lines and payroll rows (`pipelines.pay.month_pay.pay_month`), from its KPI
    rows as scored and its inputs in the warehouse."""
    version = config.plan.version_for(first)
    # The tier is the KPI row's: pay follows the score as it was scored, even if the plan file
    # has changed since (a closed month's plan fix reaches a later month by its own re-run).
    kpis = [KpiResult(employee_id, name, level, role, kpi_score,
                      None if tier_min is None else BonusTier(min_score=tier_min, base=tier_base))
            for employee_id, name, level, role, kpi_score, tier_min, tier_base in con.execute(
                "SELECT employee_id, name, level, role, kpi_score, tier_min_score, tier_base "
                f"FROM {month_table(con, 'marts.kpi_monthly', first)} WHERE month = ? "
                "ORDER BY employee_id", [first]).fetchall()]
    return pay_month(version, load_month_inputs(con, first), kpis, run_id).tables()
