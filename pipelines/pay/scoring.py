"""KPI points, the score, the tier and the pay lines, in exact arithmetic.

This is the one place SQL cannot say cleanly: DuckDB divides decimals as DOUBLE, and a score of
89.995 must round to 90.00 (tier 3000), never to 89.99 (tier 2000). Everything here is
`Fraction` or `Decimal`; nothing is a float. The rules (SPEC 7):

- a KPI line's value is the month's numerator / denominator; `achieved` = clamp((value - worst) /
  (best - worst), 0, 1), the direction following from whether best is above or below worst;
- a line whose sample is under `min_sample`, or that has no data, is N/A; the other lines'
  weights are scaled up so they still sum to 100;
- each line's points = effective weight x achieved, rounded half-up to 4 decimals, so an agent can
  redo the sum from the statement; kpi_score = sum of points + qa_points, clamped to [0, 100],
  rounded half-up to 2 decimals; the tier is chosen on that rounded score;
- every pay line is rounded half-up to the cent on its own; gross pay is the sum of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from pipelines.config.plan import BonusTier, KpiLine, PlanVersion

CENT = Decimal("0.01")

# metric -> (numerator column, denominator column, sample column) of marts.agent_monthly_metrics
METRIC_COLUMNS: dict[str, tuple[str, str, str]] = {
    "inquiry_conversion": ("converted_buyers", "inquiry_buyers", "inquiry_buyers"),
    "avg_response_seconds": ("answered_wait_seconds", "answered_waits", "answered_waits"),
    "first_response_seconds": ("first_response_seconds_total", "first_responses",
                               "first_responses"),
    "reply_rate": ("received_buyers", "consulted_buyers", "consulted_buyers"),
    "satisfaction": ("satisfied_ratings", "ratings", "ratings"),
    "refund_rate": ("refunded_amount", "refund_rate_sales", "credited_orders"),
    "slow_response_rate": ("slow_responses", "slow_rate_waits", "slow_rate_waits"),
    "qa_ratio": ("agent_messages", "buyer_messages", "buyer_messages"),
}


def round_half_up(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        scaled = value * 10**places
        # floor(x + 1/2) rounds half away from zero for x >= 0; mirror it for negatives
        units = (scaled + Fraction(1, 2)).__floor__() if scaled >= 0 else \
            -((-scaled + Fraction(1, 2)).__floor__())
        return (Decimal(units) * quantum).quantize(quantum)
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def _fraction(value: Decimal | int) -> Fraction:
    return Fraction(Decimal(value))


@dataclass(frozen=True)
class LineScore:
    metric: str
    value: Fraction | None
    sample: int
    weight: Decimal
    effective_weight: Fraction
    worst: Decimal
    best: Decimal
    min_sample: int
    achieved: Fraction | None
    points: Decimal | None
    status: str                        # scored | n/a
    note: str


@dataclass(frozen=True)
class Score:
    lines: list[LineScore]
    line_points: Decimal
    qa_points: Decimal
    kpi_score: Decimal | None          # None: no line had data, flagged for review
    tier: BonusTier | None
    flags: list[str]


def achieved_share(value: Fraction, line: KpiLine) -> Fraction:
    worst, best = _fraction(line.worst), _fraction(line.best)
    return min(max((value - worst) / (best - worst), Fraction(0)), Fraction(1))


def value_at_share(share: Fraction, line: KpiLine) -> Fraction:
    """The inverse of `achieved_share` inside the line's range: the value achieving `share`."""
    worst, best = _fraction(line.worst), _fraction(line.best)
    return worst + share * (best - worst)


def effective_weight(weight: Decimal, scored_weight: Fraction) -> Fraction:
    """A scored line's weight scaled so the scored lines' weights sum to 100."""
    return _fraction(weight) * 100 / scored_weight


def line_points(effective: Fraction, achieved: Fraction) -> Decimal:
    return round_half_up(effective * achieved, 4)


def share_for_points(points: Decimal, effective: Fraction) -> Fraction:
    """The least achieved share whose `line_points` reach `points` (4 decimals): points round
    half-up, so half a unit of the 4th decimal below is enough."""
    return (_fraction(points) - Fraction(1, 20000)) / effective


def kpi_score(line_points_sum: Decimal, qa_points: Decimal) -> Decimal:
    """The line points plus qa_points, clamped to [0, 100], rounded half-up to 2 decimals."""
    return round_half_up(min(max(line_points_sum + qa_points, Decimal(0)), Decimal(100)), 2)


def score_employee(metrics: dict[str, Any], lines: list[KpiLine], qa_points: Decimal,
                   version: PlanVersion) -> Score:
    """Score one employee-month from its row of marts.agent_monthly_metrics."""
    measured = []
    for line in lines:
        numerator, denominator, sample_column = METRIC_COLUMNS[line.metric]
        den, sample = metrics[denominator], int(metrics[sample_column])
        value = _fraction(metrics[numerator]) / _fraction(den) if den else None
        if value is None:
            note = "N/A: no data this month"
        elif sample < line.min_sample:
            note = f"N/A: sample {sample} < min_sample {line.min_sample}"
        else:
            note = ""
        measured.append((line, value, sample, note))
    scored_weight = sum((_fraction(line.weight) for line, _, _, note in measured if not note),
                        Fraction(0))
    results = []
    for line, value, sample, note in measured:
        if note:
            results.append(LineScore(line.metric, value, sample, line.weight, Fraction(0),
                                     line.worst, line.best, line.min_sample, None, None, "n/a",
                                     note))
            continue
        effective = effective_weight(line.weight, scored_weight)
        achieved = achieved_share(value, line)
        scaled = "" if effective == _fraction(line.weight) else \
            f"weight {line.weight} scaled to {round_half_up(effective, 4)} (N/A lines left out)"
        results.append(LineScore(line.metric, value, sample, line.weight, effective, line.worst,
                                 line.best, line.min_sample, achieved,
                                 line_points(effective, achieved), "scored", scaled))
    points_sum = sum((r.points for r in results if r.points is not None), Decimal(0))
    if not scored_weight:
        return Score(results, points_sum, qa_points, None, None,
                     ["review: no KPI line had data"])
    raw = points_sum + qa_points
    score = kpi_score(points_sum, qa_points)
    flags = [f"score clamped from {raw}"] if raw != min(max(raw, Decimal(0)), Decimal(100)) else []
    return Score(results, points_sum, qa_points, score, version.tier_for(score), flags)


def tier_label(tier: BonusTier, tiers: list[BonusTier]) -> str:
    """'80-89' style label: from the tier's min score to just under the next tier up."""
    above = sorted(t.min_score for t in tiers if t.min_score > tier.min_score)
    top = f"{above[0] - 1:g}" if above and above[0] == above[0].to_integral_value() else \
        (f"<{above[0]}" if above else "100")
    return f"{tier.min_score:g}-{top}"


@dataclass(frozen=True)
class PayLine:
    kind: str                          # base_salary | bonus | adjustment
    quantity: Decimal                  # days for prorated lines, 1 otherwise
    rate: Decimal                      # the monthly base, the tier base, or the adjustment
    amount: Decimal
    explanation: str


def base_salary_lines(days_by_level: dict[str, int], version: PlanVersion,
                      days_in_month: int) -> list[PayLine]:
    """One line per level held in the month, prorated by the days it was held."""
    lines = []
    for level, days in days_by_level.items():
        rate = version.levels[level]
        share = Fraction(days, days_in_month) if version.prorate else Fraction(1)
        amount = round_half_up(_fraction(rate) * share, 2)
        lines.append(PayLine("base_salary", Decimal(days), rate, amount,
                             f"base salary {level} {rate} x {days}/{days_in_month} days"
                             if version.prorate else f"base salary {level} {rate}"))
    return lines


def bonus_line(score: Score, version: PlanVersion, days_employed: int,
               days_in_month: int) -> PayLine:
    if score.kpi_score is None or score.tier is None:
        return PayLine("bonus", Decimal(days_employed), Decimal(0), Decimal("0.00"),
                       "no KPI score this month: no bonus, flagged for review")
    amount = bonus_amount(score.tier.base, score.kpi_score, days_employed, days_in_month,
                          version.prorate)
    label = tier_label(score.tier, version.bonus_tiers)
    days = f" x {days_employed}/{days_in_month} days" if version.prorate else ""
    return PayLine("bonus", Decimal(days_employed), score.tier.base, amount,
                   f"KPI {score.kpi_score} -> tier {label}, base {score.tier.base} x "
                   f"{score.kpi_score}%{days}")


def bonus_amount(tier_base: Decimal, score: Decimal, days_employed: int, days_in_month: int,
                 prorate: bool) -> Decimal:
    """The tier's base x score / 100 (x the days employed, when the plan prorates), to the
    cent."""
    share = Fraction(days_employed, days_in_month) if prorate else Fraction(1)
    return round_half_up(_fraction(tier_base) * _fraction(score) / 100 * share)
