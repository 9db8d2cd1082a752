"""KPI and pay, exact: each metric's KPI line and points, the score, and the month's payroll with
its base, bonus and adjustment lines rounded half-up to the cent."""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from .config import Plan, load_adjustments, load_roster
from .metrics import daily_metrics, monthly_metrics

# marts.agent_monthly_metrics' numerator, denominator and sample for each KPI metric
METRICS = {"inquiry_conversion": ("converted_buyers", "inquiry_buyers", "inquiry_buyers"),
           "avg_response_seconds": ("answered_wait_seconds", "answered_waits", "answered_waits"),
           "first_response_seconds": ("first_response_seconds_total", "first_responses",
                                      "first_responses"),
           "reply_rate": ("received_buyers", "consulted_buyers", "consulted_buyers"),
           "satisfaction": ("satisfied_ratings", "ratings", "ratings"),
           "refund_rate": ("refunded_cents", "refund_base_cents", "credited_orders"),
           "slow_response_rate": ("slow_responses", "slow_base", "slow_base"),
           "qa_ratio": ("agent_messages", "buyer_messages", "buyer_messages")}
MONEY_COLUMNS = {"refunded_cents", "refund_base_cents"}


# --- KPI and pay (exact) ---------------------------------------------------------------------


def half_up(value: Fraction, places: int) -> Decimal:
    """Round half away from zero to `places` decimals, exactly."""
    scaled = abs(value) * 10**places
    units = int(scaled + Fraction(1, 2))
    return (Decimal(units if value >= 0 else -units).scaleb(-places)).quantize(
        Decimal(1).scaleb(-places))


def score(row: pd.Series, plan: Plan, qa_points: Decimal) -> tuple[Decimal | None,
                                                                   list[dict[str, Any]]]:
    """SPEC 7 as pipelines/pay/scoring.py applies it: N/A lines (no data, or sample under
    min_sample) leave the others' weights scaled up to 100; each line's points rounded half-up
    to 4 decimals; score = points + qa_points, clamped to [0, 100], rounded to 2 decimals."""
    lines = []
    for line in plan.kpi[row["role"]]:
        num_col, den_col, sample_col = METRICS[line["metric"]]
        num, den = Fraction(int(row[num_col])), Fraction(int(row[den_col]))
        value = num / den if den else None  # money columns are cents: the ratio is the same
        na = value is None or int(row[sample_col]) < line["min_sample"]
        scale = Decimal("0.01") if num_col in MONEY_COLUMNS else Decimal(1)
        lines.append({"metric": line["metric"], "numerator": Decimal(int(row[num_col])) * scale,
                      "denominator": Decimal(int(row[den_col])) * scale,
                      "sample": int(row[sample_col]), "value": value, "na": na, "line": line})
    weight = sum((Fraction(x["line"]["weight"]) for x in lines if not x["na"]), Fraction(0))
    total = Decimal(0)
    for x in lines:
        x["points"] = None
        if not x["na"]:
            worst, best = Fraction(x["line"]["worst"]), Fraction(x["line"]["best"])
            share = min(max((x["value"] - worst) / (best - worst), Fraction(0)), Fraction(1))
            x["points"] = half_up(Fraction(x["line"]["weight"]) * 100 / weight * share, 4)
            total += x["points"]
    out = [{k: v for k, v in x.items() if k not in ("line", "value", "na")}
           | {"status": "n/a" if x["na"] else "scored"} for x in lines]
    if not weight:
        return None, out  # no line had data: no score, no bonus (flagged for review)
    raw = min(max(total + qa_points, Decimal(0)), Decimal(100))
    return raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), out


def payroll(landing: Path, config: Path, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's payroll (one row per employee on the roster any day of it) and its KPI lines
    (numerator, denominator, sample, points per employee and metric)."""
    first = date.fromisoformat(f"{month}-01")
    days_in_month = monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    daily, plan = daily_metrics(landing, config, month)
    monthly = monthly_metrics(daily, plan)
    adj = load_adjustments(landing, month, load_roster(config / "roster.csv"), first, last)
    qa = adj[adj["kind"] == "qa_points"].groupby("employee_id")["amount"].sum()
    pay_adj = adj[adj["kind"] == "pay"].groupby("employee_id")["amount"].sum()
    levels = daily.groupby(["employee_id", "level"]).size()
    rows, kpi_rows = [], []
    for employee, row in monthly.sort_index().iterrows():  # one per employee, not per message
        kpi, lines = score(row, plan, qa.get(employee, Decimal(0)))
        kpi_rows += [{"employee_id": employee, **x} for x in lines]
        days = int(row["days_employed"])

        def share(n: int) -> Fraction:
            return Fraction(n, days_in_month) if plan.prorate else Fraction(1)

        # one base line per level held in the month, prorated by the days it was held
        base = sum((half_up(Fraction(plan.levels[level]) * share(int(n)), 2)
                    for level, n in levels[employee].items()), Decimal("0.00"))
        tier = next((t for t in plan.tiers if kpi is not None and t[0] <= kpi), None)
        bonus = Decimal("0.00") if tier is None else \
            half_up(Fraction(tier[1]) * Fraction(kpi) / 100 * share(days), 2)
        extra = pay_adj.get(employee, Decimal("0.00"))
        rows.append({"employee_id": employee, "name": row["name"], "month": first.isoformat(),
                     "level": row["level"], "role": row["role"], "days_employed": days,
                     "base_salary": base, "kpi_score": kpi,
                     "tier_base": None if tier is None else tier[1], "bonus": bonus,
                     "adjustments": extra, "gross_pay": base + bonus + extra,
                     "plan_version": plan.id})
    return pd.DataFrame(rows), pd.DataFrame(kpi_rows)
