"""What a pay statement prints, prepared from the marts' rows: every number as a `Figure` (the
text a person reads, the exact decimal beside it), every name in Chinese with its column or
metric, each KPI line's 95% interval and the way to the next tier (worked out in
`line_figures.py`). `statements.py` reads the marts into a `Statement` and renders these values
with the template."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pipelines.pay.scoring import METRIC_COLUMNS
from pipelines.publish.figures import figure, metric_unit
from pipelines.publish.line_figures import (
    POINTS_THAT_MATTER,
    SQUARES_COLUMNS,
    BonusTerms,
    Route,
    ScoredLine,
    line_interval,
    next_tier,
    scored_lines,
)

METRIC_NAMES: dict[str, str] = {
    "inquiry_conversion": "询单转化率",
    "avg_response_seconds": "平均响应时长(秒)",
    "first_response_seconds": "首次响应时长(秒)",
    "reply_rate": "回复率",
    "satisfaction": "客户满意率",
    "refund_rate": "退款率",
    "slow_response_rate": "慢响应率",
    "qa_ratio": "答问比",
}
COLUMN_NAMES: dict[str, str] = {
    "converted_buyers": "成交人数", "inquiry_buyers": "询单人数",
    "answered_wait_seconds": "响应总秒数", "answered_waits": "已回复等待数",
    "first_response_seconds_total": "首次响应总秒数", "first_responses": "首次响应次数",
    "received_buyers": "接待人数", "consulted_buyers": "咨询人数",
    "satisfied_ratings": "满意评价数", "ratings": "评价数",
    "refunded_amount": "退款金额", "refund_rate_sales": "销售额",
    "slow_responses": "慢响应数", "slow_rate_waits": "已回复等待数",
    "agent_messages": "客服消息数", "buyer_messages": "买家消息数",
}
MONEY_COLUMNS = {"refunded_amount", "refund_rate_sales"}  # the refund rate is over CNY
KIND_NAMES = {"base_salary": "底薪", "bonus": "绩效奖金", "adjustment": "调整"}
ROLE_NAMES = {"presale": "售前", "aftersale": "售后"}
STATUS_NAMES = {"scored": "计分", "n/a": "不适用"}
ZERO = Decimal("0")


@dataclass(frozen=True)
class Statement:
    """One employee-month, as the marts have it."""

    payroll: dict[str, Any]            # marts.payroll + kpi_monthly + agent_monthly_metrics
    kpi_lines: list[dict[str, Any]]
    pay_lines: list[dict[str, Any]]
    qa_adjustments: list[tuple[Decimal, str]]  # (points, reason and source line), if known
    tiers: list[tuple[Decimal, Decimal]]       # the plan version's (min_score, base), if known

    @property
    def employee_id(self) -> str:
        return self.payroll["employee_id"]


def _decimal(value: Fraction | float) -> Decimal:
    """A bound or target for `figure`: a float bound to 6 decimals (it is shown to 0.1% or
    0.1 s), a Fraction exactly (targets sit on the page's precision)."""
    if isinstance(value, float):
        return Decimal(f"{value:.6f}")
    return Decimal(value.numerator) / Decimal(value.denominator)


NO_INTERVAL = {
    "no_squares": "无离散数据 no spread recorded: re-run these days",
    "one_wait": "样本过少 under 2 waits",
    "ratio": "比值，无区间 a ratio of two counts",
}


def _interval(line: ScoredLine | None, squares: int | None) -> dict[str, Any]:
    """The interval cell: its bounds and the points at them when they matter, else why not."""
    if line is None:
        return {"shown": None, "note": ""}
    interval = line_interval(line, squares)
    if interval.bounds is None or interval.points is None:
        return {"shown": None, "note": NO_INTERVAL[interval.missing]}
    if not interval.matters:
        return {"shown": None,
                "note": f"区间窄 narrow: moves points < {POINTS_THAT_MATTER}"}
    unit = metric_unit(line.metric)
    return {"shown": [figure(_decimal(bound), unit) for bound in interval.bounds]
            + [figure(points, "points") for points in interval.points], "note": ""}


def _kpi_row(line: dict[str, Any], scored: ScoredLine | None,
             squares: int | None) -> dict[str, Any]:
    metric = line["metric"]
    numerator, denominator, _ = METRIC_COLUMNS.get(metric, ("numerator", "denominator", ""))
    unit = metric_unit(metric)
    counted = "money" if numerator in MONEY_COLUMNS else "whole"
    units = {"value": unit, "worst": unit, "best": unit, "numerator": counted,
             "denominator": counted, "sample": "whole", "min_sample": "whole",
             "weight": "whole", "effective_weight": "whole", "achieved": "percent",
             "points": "points"}
    return {
        "line": line, "na": line["status"] != "scored", "name": METRIC_NAMES.get(metric, metric),
        "numerator_column": numerator, "numerator_name": COLUMN_NAMES.get(numerator, ""),
        "denominator_column": denominator,
        "denominator_name": COLUMN_NAMES.get(denominator, ""),
        "status_name": STATUS_NAMES.get(line["status"], ""),
        "interval": _interval(scored, squares),
        **{name: figure(line[name], u) for name, u in units.items()},
    }


def _route(route: Route, line: dict[str, Any]) -> dict[str, Any]:
    unit = metric_unit(route.metric)
    numerator, denominator, _ = METRIC_COLUMNS[route.metric]
    counts = None if route.counts is None else (
        f"{COLUMN_NAMES.get(numerator, '')} {numerator} {route.counts[0]} -> {route.counts[1]}"
        f" / {COLUMN_NAMES.get(denominator, '')} {denominator} "
        f"{figure(line['denominator'], 'whole').text}")
    return {"metric": route.metric, "name": METRIC_NAMES.get(route.metric, route.metric),
            "now": figure(line["value"], unit),
            "target": figure(_decimal(route.target), unit), "gain": figure(route.gain, "score"),
            "score": figure(route.score, "score"), "bonus": figure(route.bonus, "money"),
            "enough": route.enough, "counts": counts}


def _next_tier(s: Statement, lines: list[ScoredLine]) -> dict[str, Any] | None:
    """To reach the next tier (None without a score or the plan's tiers), and what one more
    point of score is worth in the tier held."""
    p = s.payroll
    if p["kpi_score"] is None or not s.tiers or p["tier_base"] is None:
        return None
    month = p["month"]
    terms = BonusTerms(p["days_employed"], monthrange(month.year, month.month)[1],
                       bool(p["prorate"]))
    upper = next_tier(lines, p["line_points"], p["qa_points"], p["kpi_score"], s.tiers, terms)
    rows = {line["metric"]: line for line in s.kpi_lines}
    return {"point_value": figure(terms.bonus(p["tier_base"], Decimal(1)), "money"),
            "top": upper is None} | ({} if upper is None else {
        "min_score": figure(upper.min_score, "score"), "base": figure(upper.base, "money"),
        "missing": figure(upper.missing, "score"),
        "routes": [_route(route, rows[route.metric]) for route in upper.routes]})


def _pay_row(line: dict[str, Any]) -> dict[str, Any]:
    return {"line": line, "kind_name": KIND_NAMES.get(line["kind"], line["kind"]),
            "quantity": figure(line["quantity"], "whole"),
            "rate": figure(line["rate"], "money"), "amount": figure(line["amount"], "money")}


def _score(s: Statement) -> dict[str, Any]:
    p = s.payroll
    scored = [x["points"] for x in s.kpi_lines if x["points"] is not None]
    line_points = p["line_points"] if p["line_points"] is not None else sum(scored, ZERO)
    qa = p["qa_points"] if p["qa_points"] is not None else ZERO
    raw = line_points + qa
    clamped = min(max(raw, ZERO), Decimal(100))
    return {"terms": " + ".join(figure(x, "points").text for x in scored) or "0",
            "line_points": figure(line_points, "points"), "qa": figure(qa, "score"),
            "qa_items": [(figure(points, "score"), reason) for points, reason in s.qa_adjustments],
            "raw": figure(raw, "points"), "clamped": figure(clamped, "points"),
            "was_clamped": clamped != raw, "kpi_score": figure(p["kpi_score"], "score"),
            "tier_min_score": figure(p["tier_min_score"], "score"),
            "tier_base": figure(p["tier_base"], "money")}


def _money_sum(lines: list[dict[str, Any]]) -> str:
    # a negative line in brackets, so the sum reads as written: 3500.00 + (-12.34)
    return " + ".join(f"({figure(line['amount'], 'money').text})" if line["amount"] < 0
                      else figure(line["amount"], "money").text for line in lines) or "0"


def page_values(s: Statement) -> dict[str, Any]:
    """Everything `templates/statement.html.j2` prints, as Figures and words."""
    p = s.payroll
    excluded = p["promo_excluded_metrics"] or ""
    pay_sum = sum((line["amount"] for line in s.pay_lines), ZERO)
    scored = scored_lines(s.kpi_lines)
    by_metric = {line.metric: line for line in scored}
    squares = {metric: p[column] for metric, column in SQUARES_COLUMNS.items()}
    return dict(
        s=s, month=p["month"].isoformat()[:7], role_name=ROLE_NAMES.get(p["role"], ""),
        kpi=[_kpi_row(line, by_metric.get(line["metric"]), squares.get(line["metric"]))
             for line in s.kpi_lines],
        next_tier=_next_tier(s, scored), points_that_matter=POINTS_THAT_MATTER,
        points_sum=figure(sum((x["points"] for x in s.kpi_lines if x["points"] is not None),
                              ZERO), "points"),
        score=_score(s),
        promo_days=p["promo_days"] if p["promo_days"] is not None else 0, excluded=excluded,
        excluded_names=", ".join(f"{METRIC_NAMES.get(m.strip(), m.strip())} {m.strip()}"
                                 for m in excluded.split(",") if m.strip()),
        pay=[_pay_row(line) for line in s.pay_lines], amounts=_money_sum(s.pay_lines),
        gross_pay=figure(p["gross_pay"], "money"),
        mismatch=None if pay_sum == p["gross_pay"] else
        (figure(pay_sum, "money"), figure(p["gross_pay"], "money")))
