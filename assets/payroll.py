"""Payroll: per employee-month pay lines (base salary per level held, KPI bonus, manual pay
adjustments) and the payroll row that sums them. Amounts come from `pipelines/scoring.py`,
exact decimals rounded to the cent per line; gross pay is the sum of the rounded lines."""

from calendar import monthrange
from decimal import Decimal

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from assets.factory import suite_checks, warehouse_asset
from pipelines import progress
from pipelines.month_inputs import days_by_level, pay_adjustment_lines
from pipelines.partitions import month_end, monthly_partitions, months_in
from pipelines.plan import load_adjustments, load_config
from pipelines.resources import KefuPaths, Warehouse
from pipelines.scoring import Score, base_salary_lines, bonus_line
from pipelines.warehouse import replace_months

PAYROLL_TABLES = ("marts.payroll_lines", "marts.payroll")


@warehouse_asset(
    "marts/payroll", deps=("marts/kpi_monthly",), group="payroll",
    partitions=monthly_partitions, checked=PAYROLL_TABLES,
    description="`marts.payroll_lines` (month x employee x pay line) and `marts.payroll` "
                "(month x employee). Days and levels come from `marts.agent_daily_metrics`, "
                "the score and tier from `marts.kpi_monthly`.",
)
def payroll(context: AssetExecutionContext, warehouse: Warehouse,
            paths: KefuPaths) -> MaterializeResult:
    config = load_config(paths.config_path)
    months = months_in(context.partition_time_window)
    line_rows: list[dict] = []
    pay_rows: list[dict] = []
    with warehouse.connect() as con:
        for first in months:
            version = config.plan.version_for(first)
            days_in_month = monthrange(first.year, first.month)[1]
            held = days_by_level(con, first)
            pay_adjustments = pay_adjustment_lines(
                load_adjustments(paths.landing_path, first.isoformat()[:7]))
            kpis = con.execute(
                "SELECT employee_id, name, level, role, kpi_score, tier_min_score, tier_base "
                "FROM marts.kpi_monthly WHERE month = ? ORDER BY employee_id", [first]
            ).fetchall()
            for employee_id, name, level, role, kpi_score, tier_min, tier_base in kpis:
                tier = next((t for t in version.bonus_tiers if t.min_score == tier_min), None)
                score = Score([], Decimal(0), Decimal(0), kpi_score, tier, [])
                days_employed = sum(held.get(employee_id, {}).values())
                lines = [
                    *base_salary_lines(held.get(employee_id, {}), version,
                                       days_in_month),
                    bonus_line(score, version, days_employed, days_in_month),
                    *pay_adjustments.get(employee_id, []),
                ]
                for number, line in enumerate(lines, start=1):
                    line_rows.append({
                        "month": first, "employee_id": employee_id, "line_no": number,
                        "kind": line.kind, "quantity": line.quantity, "rate": line.rate,
                        "amount": line.amount, "explanation": line.explanation,
                        "plan_version": version.id, "run_id": context.run_id,
                    })
                pay_rows.append({
                    "employee_id": employee_id, "name": name, "month": first, "level": level,
                    "role": role, "days_employed": days_employed,
                    "base_salary": sum((x.amount for x in lines if x.kind == "base_salary"),
                                       Decimal("0.00")),
                    "kpi_score": kpi_score, "tier_base": tier_base,
                    "bonus": sum((x.amount for x in lines if x.kind == "bonus"), Decimal("0.00")),
                    "adjustments": sum((x.amount for x in lines if x.kind == "adjustment"),
                                       Decimal("0.00")),
                    "gross_pay": sum((x.amount for x in lines), Decimal("0.00")),
                    "plan_version": version.id,
                    "status": "ok" if kpi_score is not None else "review",
                    "run_id": context.run_id,
                })
        replace_months(con, months, {"marts.payroll_lines": line_rows,
                                     "marts.payroll": pay_rows})
        checks = suite_checks(con, PAYROLL_TABLES, months[0], month_end(months[-1]),
                              context.run_id)
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
    })
