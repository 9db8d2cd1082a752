"""One month's pay, one function: `pay_month` turns the month's KPI results, its inputs (days by
level, adjustments, restatement lines; `pipelines/pay/month_inputs.py`) and a plan version into the
pay lines and payroll rows. The payroll asset (open months and re-runs of closed ones, whose
rows the restatement compares with what was paid) and `kefu whatif` both call it, so the
current plan in what-if reproduces the payroll to the cent."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipelines.config.plan import BonusTier, PlanVersion
from pipelines.config.rules import ConfigError
from pipelines.pay.month_inputs import MonthInputs, pay_adjustment_lines
from pipelines.pay.scoring import Score, base_salary_lines, bonus_line

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class KpiResult:
    """One employee's month as scored: the score (None: no KPI line had data) and its tier."""

    employee_id: str
    name: str
    level: str
    role: str
    kpi_score: Decimal | None
    tier: BonusTier | None


@dataclass(frozen=True)
class MonthPay:
    lines: list[dict[str, Any]]      # marts.payroll_lines rows
    payroll: list[dict[str, Any]]    # marts.payroll rows

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        return {"marts.payroll_lines": self.lines, "marts.payroll": self.payroll}


class UnpaidLines(ConfigError):
    """An adjustment or restatement line for someone without a payroll row this month."""


def payroll_status(kpi: KpiResult, final: bool) -> str:
    """The payroll row's status, the one place it is decided: `provisional` while the month is
    not final (marts.month_status says why), else `review` without a score, else `ok`."""
    if not final:
        return "provisional"
    return "ok" if kpi.kpi_score is not None else "review"


def pay_month(version: PlanVersion, inputs: MonthInputs, kpis: list[KpiResult],
              run_id: str) -> MonthPay:
    """The month's pay lines and payroll rows: per employee base salary per level held, the KPI
    bonus, manual pay adjustments and restatements of closed months, each rounded to the cent;
    gross pay is the sum of the lines.

    Everyone paid a restatement gets a row, with their last payroll row's name, level and role
    if they have no KPI row this month. A pay adjustment for anyone else raises UnpaidLines
    naming its file and line: no line is dropped without a word."""
    first = inputs.month
    days_in_month = monthrange(first.year, first.month)[1]
    adjustments = pay_adjustment_lines(inputs.adjustments)
    people = sorted(kpis, key=lambda k: k.employee_id)
    scored = {k.employee_id for k in people}
    people += [KpiResult(e, *inputs.former[e], None, None)
               for e in sorted(set(inputs.restatements) - scored) if e in inputs.former]
    paid = {k.employee_id for k in people}
    unpaid = [f"{a.file} line {a.line}: employee {a.employee_id} has no payroll row in "
              f"{first:%Y-%m} (pay adjustment {a.amount})"
              for a in inputs.adjustments if a.kind == "pay" and a.employee_id not in paid]
    unpaid += [f"restatement for {e} has no payroll row in {first:%Y-%m}"
               for e in sorted(set(inputs.restatements) - paid)]
    if unpaid:
        raise UnpaidLines("\n".join(unpaid))

    line_rows: list[dict[str, Any]] = []
    pay_rows: list[dict[str, Any]] = []
    for kpi in people:
        held = inputs.days_by_level.get(kpi.employee_id, {})
        days_employed = sum(held.values())
        score = Score([], ZERO, ZERO, kpi.kpi_score, kpi.tier, [])
        lines = [
            *base_salary_lines(held, version, days_in_month),
            bonus_line(score, version, days_employed, days_in_month),
            *adjustments.get(kpi.employee_id, []),
            *inputs.restatements.get(kpi.employee_id, []),
        ]
        for number, line in enumerate(lines, start=1):
            line_rows.append({
                "month": first, "employee_id": kpi.employee_id, "line_no": number,
                "kind": line.kind, "quantity": line.quantity, "rate": line.rate,
                "amount": line.amount, "explanation": line.explanation,
                "plan_version": version.id, "run_id": run_id,
            })
        pay_rows.append({
            "employee_id": kpi.employee_id, "name": kpi.name, "month": first,
            "level": kpi.level, "role": kpi.role, "days_employed": days_employed,
            "base_salary": sum((x.amount for x in lines if x.kind == "base_salary"), ZERO),
            "kpi_score": kpi.kpi_score,
            "tier_base": None if kpi.tier is None else kpi.tier.base,
            "bonus": sum((x.amount for x in lines if x.kind == "bonus"), ZERO),
            "adjustments": sum((x.amount for x in lines if x.kind == "adjustment"), ZERO),
            "gross_pay": sum((x.amount for x in lines), ZERO),
            "plan_version": version.id,
            "status": payroll_status(kpi, inputs.final),
            "run_id": run_id,
        })
    return MonthPay(line_rows, pay_rows)
