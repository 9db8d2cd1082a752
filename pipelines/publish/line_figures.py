"""What a statement shows beyond the marts' own numbers, worked out from them: each KPI line's
95% interval and whether it is wide enough to matter, and what it takes to reach the next tier.
Pure (no warehouse, no rendering); the points rule is `pipelines.pay.scoring`'s own functions,
run backwards for the next tier, never a second copy of it.

- An interval is shown when the points at either of its ends differ from the line's points by
  at least POINTS_THAT_MATTER: a sample that small moves pay. The answer/question ratio has
  none (a ratio of two counts, neither a share nor a mean of recorded events).
- To reach the next tier: the points missing = the next tier's min score - the score. For each
  scored line not at full points, the value that would earn them on that line alone (the least
  achieved share whose points lift the rounded score to the next tier's min, shown rounded
  toward the line's best so that reaching the value shown is enough), the points it would gain,
  the score and the bonus that would pay (exact, with `scoring.bonus_amount`); when even the
  line's best value is not enough, its whole gain. A line whose numerator is a count also says
  how many it takes at the same denominator (converted buyers out of the same inquiries).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pipelines.config.plan import KpiLine
from pipelines.pay.scoring import (
    achieved_share,
    bonus_amount,
    effective_weight,
    kpi_score,
    line_points,
    share_for_points,
    value_at_share,
)
from pipelines.publish.figures import shown_step
from pipelines.publish.intervals import mean_interval, wilson

POINTS_THAT_MATTER = Decimal("0.5")
PROPORTION_METRICS = {"inquiry_conversion", "reply_rate", "satisfaction", "refund_rate",
                      "slow_response_rate"}
# mean lines -> their sum of squared waits in marts.agent_monthly_metrics
SQUARES_COLUMNS = {"avg_response_seconds": "answered_wait_seconds_squared",
                   "first_response_seconds": "first_response_seconds_squared"}
COUNTED_METRICS = {"inquiry_conversion", "reply_rate", "satisfaction", "slow_response_rate",
                   "qa_ratio"}
# a score rounds half-up to 2 decimals: a raw total this far under a tier's min reaches it
HALF_CENT = Decimal("0.005")


@dataclass(frozen=True)
class ScoredLine:
    """A scored row of marts.kpi_lines with its exact value and effective weight."""

    metric: str
    rule: KpiLine
    value: Fraction            # numerator / denominator
    numerator: Decimal
    denominator: Decimal
    sample: int
    effective: Fraction        # the mart holds it rounded to 4 decimals
    points: Decimal

    @property
    def higher_is_better(self) -> bool:
        return self.rule.best > self.rule.worst


def scored_lines(kpi_lines: list[dict[str, Any]]) -> list[ScoredLine]:
    scored = [line for line in kpi_lines if line["status"] == "scored"]
    weight = sum((Fraction(line["weight"]) for line in scored), Fraction(0))
    return [ScoredLine(
        line["metric"],
        KpiLine(metric=line["metric"], weight=line["weight"], worst=line["worst"],
                best=line["best"], min_sample=line["min_sample"]),
        Fraction(line["numerator"]) / Fraction(line["denominator"]), line["numerator"],
        line["denominator"], int(line["sample"]), effective_weight(line["weight"], weight),
        line["points"]) for line in scored]


def points_at(line: ScoredLine, value: Fraction) -> Decimal:
    return line_points(line.effective, achieved_share(value, line.rule))


# --- the 95% interval ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInterval:
    bounds: tuple[float, float] | None
    points: tuple[Decimal, Decimal] | None    # the line's points at the ends, lower first
    matters: bool                             # shown: the sample is small enough to move pay
    missing: str                              # why there is none: no_squares, one_wait, ratio


def line_interval(line: ScoredLine, squares: int | None) -> LineInterval:
    """The 95% interval of the line's value (Wilson for a proportion, t for a mean of waits,
    whose per-wait spread comes from `squares`, the month's sum of squared waits)."""
    if line.metric in PROPORTION_METRICS:
        bounds: tuple[float, float] | None = wilson(float(line.value), line.sample)
    elif line.metric in SQUARES_COLUMNS:
        if squares is None:
            return LineInterval(None, None, False, "no_squares")
        bounds = mean_interval(float(line.value), float(squares), line.sample)
    else:
        return LineInterval(None, None, False, "ratio")
    if bounds is None:
        return LineInterval(None, None, False, "one_wait")
    ends = sorted(points_at(line, Fraction(bound)) for bound in bounds)
    matters = max(abs(end - line.points) for end in ends) >= POINTS_THAT_MATTER
    return LineInterval(bounds, (ends[0], ends[1]), matters, "")


# --- the next tier -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BonusTerms:
    """What the bonus is besides the tier and the score: the days, when the plan prorates."""

    days_employed: int
    days_in_month: int
    prorate: bool

    def bonus(self, tier_base: Decimal, score: Decimal) -> Decimal:
        return bonus_amount(tier_base, score, self.days_employed, self.days_in_month,
                            self.prorate)


@dataclass(frozen=True)
class Route:
    """One line's way to the next tier on its own."""

    metric: str
    target: Fraction           # the value to reach, at the page's precision
    gain: Decimal              # the line's points at target - its points now
    score: Decimal             # the KPI score at target
    bonus: Decimal             # the bonus at that score, in its tier
    enough: bool               # False: even the line's best value does not reach the tier
    counts: tuple[int, int] | None   # numerator now -> the numerator it takes, same denominator


@dataclass(frozen=True)
class NextTier:
    min_score: Decimal
    base: Decimal
    missing: Decimal           # the next tier's min score - the score
    routes: list[Route]


def tier_of(score: Decimal, tiers: list[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """The (min_score, base) tier a rounded score falls in."""
    return max((tier for tier in tiers if tier[0] <= score), key=lambda tier: tier[0])


def _on_the_page(value: Fraction, line: ScoredLine) -> Fraction:
    """`value` at the page's precision, rounded toward the line's best."""
    step = Fraction(shown_step(line.metric))
    units = math.ceil(value / step) if line.higher_is_better else math.floor(value / step)
    return units * step


def _route(line: ScoredLine, needed: Decimal, points_sum: Decimal, qa_points: Decimal,
           tiers: list[tuple[Decimal, Decimal]], terms: BonusTerms) -> Route:
    share = share_for_points(line.points + needed, line.effective)
    enough = share <= 1
    exact = value_at_share(min(share, Fraction(1)), line.rule)
    target = _on_the_page(exact, line) if enough else Fraction(line.rule.best)
    gain = points_at(line, target) - line.points
    score = kpi_score(points_sum + gain, qa_points)
    counts = None
    if line.metric in COUNTED_METRICS:
        at = exact * Fraction(line.denominator)
        counts = (int(line.numerator),
                  math.ceil(at) if line.higher_is_better else math.floor(at))
    return Route(line.metric, target, gain, score,
                 terms.bonus(tier_of(score, tiers)[1], score), enough, counts)


def next_tier(lines: list[ScoredLine], points_sum: Decimal, qa_points: Decimal,
              score: Decimal, tiers: list[tuple[Decimal, Decimal]],
              terms: BonusTerms) -> NextTier | None:
    """What the next tier above `score` takes, line by line; None in the top tier."""
    above = [tier for tier in tiers if tier[0] > score]
    if not above:
        return None
    min_score, base = min(above, key=lambda tier: tier[0])
    # the raw total (line points + qa) must reach the tier's min less the half cent it rounds up
    needed = min_score - HALF_CENT - (points_sum + qa_points)
    routes = [_route(line, needed, points_sum, qa_points, tiers, terms) for line in lines
              if achieved_share(line.value, line.rule) < 1]
    return NextTier(min_score, base, min_score - score, routes)
