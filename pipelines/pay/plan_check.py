"""`kefu plan-check` and the diagnostics `kefu whatif` ends with: a plan's diagnostics
(pipelines/pay/diagnostics.py) on a month of the warehouse, read through any connection that
sees the marts (a read-only warehouse or the published snapshot).

The employees are scored from the month's `marts.agent_monthly_metrics` by
`pipelines.pay.scoring`, as the KPI asset scores them; the split halves and day spreads come from
`sql/reports/plan_check.sql`, with the promotion days left out of the metrics the month's own
metrics left them out of (a candidate plan's `promo_days_excluded_from` changes no metric, as in
`kefu whatif`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb

from pipelines.config.plan import PlanVersion, load_plan
from pipelines.config.rules import ConfigError
from pipelines.orchestration.partitions import month_end
from pipelines.pay.diagnostics import DaySpread, PlanDiagnostics, diagnose
from pipelines.pay.month_inputs import month_adjustments, monthly_metrics, qa_points_by_employee
from pipelines.pay.pooling import month_metrics
from pipelines.pay.scoring import Score, score_employee
from pipelines.warehouse.database import run_sql


def score_month(con: duckdb.DuckDBPyConnection, first: date, version: PlanVersion,
                metrics: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Score]]:
    """Each employee's row of agent_monthly_metrics with their Score under `version`, the
    month's qa_points included."""
    qa = qa_points_by_employee(month_adjustments(con, first))
    return [(m, score_employee(m, version.kpi[m["role"]], qa.get(m["employee_id"], Decimal(0)),
                               version)) for m in metrics]


def _ratio(numerator: Decimal, denominator: Decimal) -> Fraction | None:
    return Fraction(numerator) / Fraction(denominator) if denominator else None


def diagnose_month(con: duckdb.DuckDBPyConnection, first: date, version: PlanVersion,
                   scored: list[tuple[dict[str, Any], Score]]) -> PlanDiagnostics:
    """The diagnostics of `version` on month `first`, its employees scored as in `scored`
    (score_month, or what `kefu whatif` scored)."""
    excluded = (scored[0][0]["promo_excluded_metrics"] or "") if scored else ""
    run_sql(con, "reports/plan_check.sql", month_first=first, month_last=month_end(first),
            promo_excluded=[metric for metric in excluded.split(",") if metric])
    halves: dict[tuple[str, str], tuple[Fraction | None, Fraction | None]] = {}
    for employee_id, metric, odd_days, numerator, denominator in con.execute(
            "SELECT employee_id, metric, odd_days, numerator, denominator "
            "FROM plan_check_halves").fetchall():
        odd, even = halves.get((employee_id, metric), (None, None))
        value = _ratio(numerator, denominator)
        halves[(employee_id, metric)] = (value, even) if odd_days else (odd, value)
    spreads = {(employee_id, metric): DaySpread(days, events, float(denominator), squares)
               for employee_id, metric, days, events, denominator, squares in con.execute(
                   "SELECT employee_id, metric, days, events, denominator, residual_squares "
                   "FROM plan_check_day_spread").fetchall()}
    return diagnose(first, version, scored, halves, spreads)


def check_plan(con: duckdb.DuckDBPyConnection, first: date, config: Path,
               candidate: Path | None = None) -> PlanDiagnostics:
    """`kefu plan-check`: the diagnostics of the plan version that computed month `first` (by
    its id in `config`/plan.yaml), or of `candidate`'s version in force on `first`.

    Raises LookupError if the month has no monthly metrics, ConfigError if the plan is invalid
    or no longer has the month's version."""
    metrics = monthly_metrics(con, first)
    if not metrics:
        raise LookupError(f"no marts.agent_monthly_metrics rows for {first:%Y-%m}: run "
                          f"`kefu backfill --month {first:%Y-%m}` first")
    if candidate is not None:
        version = load_plan(candidate).version_for(first)
    else:
        computed_by = metrics[0]["plan_version"]
        plan_file = config / "plan.yaml"
        version = next((v for v in load_plan(plan_file).versions if v.id == computed_by), None)
        if version is None:
            raise ConfigError(f"{plan_file}: no version {computed_by!r}, under which "
                              f"{first:%Y-%m} was computed; give --plan to check a plan file")
    # scored as the KPI asset scores them: pooled with the months before if the version pools
    pooled = [m.row for m in month_metrics(con, first, version)]
    return diagnose_month(con, first, version, score_month(con, first, version, pooled))
