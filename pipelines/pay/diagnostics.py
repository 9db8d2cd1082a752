"""Plan diagnostics: how much of a plan's pay, on one real month, tracks luck rather than the
differences between employees. No true skill is needed; per KPI line of each role:

- saturation: the share of the employees scored on the line who get all its points, and none:
  a line that many employees max out cannot tell them apart;
- split-half reliability: each employee's line value on the month's odd days and on its even
  days, the Spearman rank correlation of the two across employees, corrected to the whole month
  by Spearman-Brown (2r / (1 + r)): near 1, the line ranks employees the same on any days; near
  0, the ranking is luck;
- the standard error of the line's value at `min_sample` (for a line without one, at the
  smallest sample scored this month) against the spread between employees (the standard
  deviation of their values): if the noise at the smallest sample the plan scores is larger
  than what separates the employees, pay can track luck. A proportion line's error is binomial,
  sqrt(p (1 - p) / n) at the employees' pooled rate p. The other lines (means such as response
  seconds, and ratios such as the refund rate) have no events in the marts: the variance of one
  event around the employee's rate is estimated from how far the days fall from it
  (sql/reports/plan_check.sql), pooled over the employees, and the error at n events is
  sqrt(variance / n) / (denominator per event);
- and the employees whose score is within EDGE_POINTS of a tier edge.

Each finding that lets luck move pay is also said in a flag, in plain words. The statistics are
floats: they judge the plan, they pay nobody. The figures are read from the warehouse by
pipelines/pay/plan_check.py.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any

from pipelines.config.plan import KpiLine, PlanVersion
from pipelines.config.rules import ROLES
from pipelines.pay.scoring import METRIC_COLUMNS, LineScore, Score

# Lines whose value is a count over a count of the same events: binomial standard error.
PROPORTIONS = frozenset({"inquiry_conversion", "reply_rate", "satisfaction",
                         "slow_response_rate"})
SATURATED_SHARE = 0.25     # this share (and two employees or more) at one end: flagged
RELIABILITY_FLOOR = 0.7    # split-half reliability below this: flagged
EDGE_POINTS = Decimal(2)   # a score this close to a tier edge can cross it on a month's luck


@dataclass(frozen=True)
class DaySpread:
    """One employee's line over the month's days (sql/reports/plan_check.sql
    plan_check_day_spread): days with a sample, events, summed denominator, and the sum over
    days of (numerator - rate x denominator)^2 / sample."""

    days: int
    events: int
    denominator: float
    residual_squares: float


@dataclass(frozen=True)
class LineDiagnostic:
    role: str
    metric: str
    weight: Decimal
    min_sample: int
    scored: int                        # employees scored on the line
    not_scored: int                    # employees of the role the line is N/A for
    at_full: int
    at_zero: int
    half_correlation: float | None     # Spearman, odd against even days
    halves_compared: int               # employees with a value on both halves
    reliability: float | None          # Spearman-Brown corrected
    error_sample: int | None           # min_sample, or without one the smallest sample scored
    standard_error: float | None       # of the line's value at error_sample events
    spread: float | None               # standard deviation of the values across employees
    error_points: float | None         # the standard error in the line's points
    flags: list[str] = field(default_factory=list)

    @property
    def share_full(self) -> float | None:
        return self.at_full / self.scored if self.scored else None

    @property
    def share_zero(self) -> float | None:
        return self.at_zero / self.scored if self.scored else None


@dataclass(frozen=True)
class NearEdge:
    """An employee whose score is within EDGE_POINTS of the tier edge `edge`."""

    employee_id: str
    name: str
    score: Decimal
    edge: Decimal
    base_below: Decimal
    base_above: Decimal


@dataclass(frozen=True)
class PlanDiagnostics:
    month: date
    plan_version: str
    lines: list[LineDiagnostic]
    employees_scored: int              # employees with a KPI score
    near_edges: list[NearEdge]
    edge_flag: str | None

    @property
    def flags(self) -> list[str]:
        line_flags = [flag for line in self.lines for flag in line.flags]
        return line_flags + ([self.edge_flag] if self.edge_flag else [])


def average_ranks(values: Sequence[float | Fraction]) -> list[float]:
    """Ranks from 1, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """None when either side has no spread (a correlation is undefined)."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else None


def spearman(xs: Sequence[float | Fraction], ys: Sequence[float | Fraction]) -> float | None:
    """The rank correlation of paired values (Spearman's rho, ties at their average rank); None
    for fewer than three pairs or a side without spread."""
    return pearson(average_ranks(xs), average_ranks(ys)) if len(xs) >= 3 else None


def spearman_brown(half: float) -> float | None:
    """The reliability of the whole from that of two halves; undefined at -1."""
    return 2 * half / (1 + half) if half > -1 else None


def standard_deviation(values: list[float]) -> float | None:
    """The sample standard deviation (n - 1); None for fewer than two values."""
    return statistics.stdev(values) if len(values) >= 2 else None


def proportion_error(numerators: list[Fraction], denominators: list[Fraction],
                     n: int) -> float | None:
    """sqrt(p (1 - p) / n) at the pooled rate p."""
    total = sum(denominators, Fraction(0))
    if not total:
        return None
    p = float(sum(numerators, Fraction(0)) / total)
    return math.sqrt(p * (1 - p) / n)


def event_error(spreads: list[DaySpread], n: int) -> float | None:
    """The error of a mean or ratio at n events, from the employees' day spreads: the variance
    of one event pooled over employees (each loses one degree of freedom to its own rate)."""
    freedom = sum(s.days for s in spreads) - len(spreads)
    events = sum(s.events for s in spreads)
    denominator = sum(s.denominator for s in spreads)
    if freedom <= 0 or not denominator:
        return None
    variance = sum(s.residual_squares for s in spreads) / freedom
    return math.sqrt(variance / n) / (denominator / events)


def figure(value: float) -> str:
    """A statistic as printed: three decimals below 1 (rates), one above (seconds)."""
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.1f}"


def _line_flags(d: LineDiagnostic) -> list[str]:
    name = f"{d.role} {d.metric}"
    flags = []
    for count, share, end in ((d.at_full, d.share_full, "full"), (d.at_zero, d.share_zero,
                                                                   "zero")):
        if share is not None and count >= 2 and share >= SATURATED_SHARE:
            flags.append(f"{name}: {share:.0%} of employees ({count} of {d.scored}) at {end} "
                         "points — the line cannot tell them apart")
    if d.half_correlation is not None and (d.reliability is None
                                           or d.reliability < RELIABILITY_FLOOR):
        shown = "undefined" if d.reliability is None else f"{d.reliability:.2f}"
        flags.append(f"{name}: split-half reliability {shown} (below {RELIABILITY_FLOOR}) — "
                     "the odd days rank employees differently from the even days, so the "
                     "month's ranking on this line is largely luck")
    if d.standard_error is not None and d.spread is not None and d.standard_error > d.spread:
        at = f"min_sample {d.min_sample}" if d.min_sample else \
            f"the smallest sample scored, {d.error_sample} (the line has no min_sample),"
        flags.append(f"{name}: the standard error at {at} is {figure(d.standard_error)} "
                     f"(about {d.error_points:.1f} of its {d.weight:g} points), larger than the "
                     f"spread between employees ({figure(d.spread)}) — pay tracks luck")
    return flags


def diagnose_line(role: str, line: KpiLine,
                  measured: list[tuple[dict[str, Any], LineScore]],
                  halves: dict[tuple[str, str], tuple[Fraction | None, Fraction | None]],
                  spreads: dict[tuple[str, str], DaySpread]) -> LineDiagnostic:
    """One line: `measured` pairs each employee of the role (their row of
    agent_monthly_metrics) with their LineScore on it."""
    scored = [(m, s) for m, s in measured if s.status == "scored"]
    ids = [m["employee_id"] for m, _ in scored]
    pairs = [halves[(e, line.metric)] for e in ids if (e, line.metric) in halves]
    pairs = [(odd, even) for odd, even in pairs if odd is not None and even is not None]
    half = spearman([p[0] for p in pairs], [p[1] for p in pairs])
    n = line.min_sample or min((s.sample for _, s in scored), default=None)
    if n is None:
        error = None
    elif line.metric in PROPORTIONS:
        numerator, denominator, _ = METRIC_COLUMNS[line.metric]
        error = proportion_error([Fraction(m[numerator]) for m, _ in scored],
                                 [Fraction(m[denominator]) for m, _ in scored], n)
    else:
        error = event_error([spreads[(e, line.metric)] for e in ids
                             if (e, line.metric) in spreads], n)
    span = abs(float(line.best - line.worst))
    diagnostic = LineDiagnostic(
        role, line.metric, line.weight, line.min_sample, len(scored),
        len(measured) - len(scored), sum(1 for _, s in scored if s.achieved == 1),
        sum(1 for _, s in scored if s.achieved == 0), half, len(pairs),
        None if half is None else spearman_brown(half), n, error,
        standard_deviation([float(s.value) for _, s in scored]),
        None if error is None else min(error / span, 1.0) * float(line.weight))
    return replace(diagnostic, flags=_line_flags(diagnostic))


def near_edges(version: PlanVersion, scored: list[tuple[dict[str, Any], Score]]) -> list[NearEdge]:
    """The employees within EDGE_POINTS of a tier's min_score (above 0), nearest first."""
    tiers = sorted(version.bonus_tiers, key=lambda t: t.min_score)
    found = []
    for below, above in pairwise(tiers):
        for m, score in scored:
            if score.kpi_score is not None and \
                    abs(score.kpi_score - above.min_score) <= EDGE_POINTS:
                found.append(NearEdge(m["employee_id"], m["name"], score.kpi_score,
                                      above.min_score, below.base, above.base))
    return sorted(found, key=lambda e: (abs(e.score - e.edge), e.employee_id))


def _edge_flag(edges: list[NearEdge], employees: int) -> str | None:
    if not edges:
        return None
    crossings = sorted({(e.edge, e.base_below, e.base_above) for e in edges})
    return (f"{len(edges)} of {employees} employees ({len(edges) / employees:.0%}) within "
            f"{EDGE_POINTS:g} points of a tier edge ("
            + ", ".join(f"{e.employee_id} {e.score}" for e in edges) + "): a month's luck "
            "can move them a tier, "
            + ", ".join(f"at {edge:g} the tier base goes from {below:g} to {above:g}"
                        for edge, below, above in crossings))


def diagnose(first: date, version: PlanVersion, scored: list[tuple[dict[str, Any], Score]],
             halves: dict[tuple[str, str], tuple[Fraction | None, Fraction | None]],
             spreads: dict[tuple[str, str], DaySpread]) -> PlanDiagnostics:
    """The diagnostics of `version` on a month: `scored` pairs each employee's row of
    agent_monthly_metrics with their Score under `version`; `halves` holds each (employee,
    metric)'s value on the odd and on the even days, `spreads` their day spread."""
    lines = []
    for role in ROLES:              # in the roles' order, whatever the plan file's
        kpi_lines = version.kpi[role]
        of_role = [(m, s) for m, s in scored if m["role"] == role]
        if not of_role:
            continue
        for line in kpi_lines:
            measured = [(m, next(ls for ls in s.lines if ls.metric == line.metric))
                        for m, s in of_role]
            lines.append(diagnose_line(role, line, measured, halves, spreads))
    employees = sum(1 for _, s in scored if s.kpi_score is not None)
    edges = near_edges(version, scored)
    return PlanDiagnostics(first, version.id, lines, employees, edges,
                           _edge_flag(edges, employees))
