"""One pay statement per employee and month: a self-contained HTML page (inline CSS, nothing
fetched), in Chinese with English beside it, from which an agent can redo the arithmetic by hand:
every KPI line (value = numerator / denominator, worst, best, weight, achieved share, points, or
why it is N/A), the points sum, the 质检 adjustments, the score and how it was clamped and
rounded, the tier, the promotion days left out, and every pay line summing to the gross pay.

Everything comes from the warehouse marts (`marts.payroll`, `marts.payroll_lines`,
`marts.kpi_lines`, `marts.kpi_monthly`, `marts.agent_monthly_metrics`). The page shows each
number at the precision a person reads (`figure`: seconds 38.7, rates 87.3%, weights 35, money
and the score 2 decimals, points 4, as they are summed), rounded half-up in Decimal; the exact
figures stay in the marts, and each number's `data-value` attribute holds the mart's exact
decimal. Stable hooks for tests and scrapers: `<tr data-metric="reply_rate">` with
`<td data-field="points">`, `<tr data-pay-line="1">` with `<td data-field="amount">`,
`<span data-field="kpi_score">`, `<span data-field="gross_pay">`.

The page is `templates/statement.html.j2` (its stylesheet `templates/statement.css` is included
inline, its two building blocks are in `templates/macros.html.j2`), rendered with autoescape;
this module only reads the marts and prepares the values the template prints. Agents read it on
a phone: narrower than the KPI table (860 px), each KPI line and pay line is a card.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipelines.pay.scoring import METRIC_COLUMNS

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
PERCENT_METRICS = {"inquiry_conversion", "reply_rate", "satisfaction", "refund_rate",
                   "slow_response_rate"}
SECONDS_METRICS = {"avg_response_seconds", "first_response_seconds"}
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

    @property
    def employee_id(self) -> str:
        return self.payroll["employee_id"]


# --- reading the marts ---------------------------------------------------------------------------


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_statements(con: duckdb.DuckDBPyConnection, month: date,
                    employee: str | None = None) -> list[Statement]:
    """The month's statements (one per marts.payroll row), or only `employee`'s.

    The 质检 (qa_points) adjustments are itemised from raw.adjustments when they add up to the
    score's qa_points; otherwise only their total is shown."""
    only = " AND p.employee_id = ?" if employee else ""
    args = [month, employee] if employee else [month]
    heads = _dicts(con, f"""
        SELECT p.*, k.line_points, k.qa_points, k.tier_min_score, k.flags,
               m.promo_days, m.promo_excluded_metrics, s.reasons AS provisional_reasons
        FROM marts.payroll p
        LEFT JOIN marts.month_status s ON s.month = p.month
        LEFT JOIN marts.kpi_monthly k ON k.month = p.month AND k.employee_id = p.employee_id
        LEFT JOIN marts.agent_monthly_metrics m
               ON m.month = p.month AND m.employee_id = p.employee_id
        WHERE p.month = ?{only} ORDER BY p.employee_id""", args)
    only = " AND employee_id = ?" if employee else ""
    kpi: dict[str, list[dict]] = {}
    for line in _dicts(con, f"SELECT * FROM marts.kpi_lines WHERE month = ?{only} "
                            "ORDER BY employee_id, weight DESC, metric", args):
        kpi.setdefault(line["employee_id"], []).append(line)
    pay: dict[str, list[dict]] = {}
    for line in _dicts(con, f"SELECT * FROM marts.payroll_lines WHERE month = ?{only} "
                            "ORDER BY employee_id, line_no", args):
        pay.setdefault(line["employee_id"], []).append(line)
    qa = _qa_adjustments(con, month)
    statements = []
    for head in heads:
        items = qa.get(head["employee_id"], [])
        if sum((points for points, _ in items), ZERO) != (head["qa_points"] or ZERO):
            items = []  # reloaded since the score was computed: show the total only
        statements.append(Statement(head, kpi.get(head["employee_id"], []),
                                    pay.get(head["employee_id"], []), items))
    return statements


def _qa_adjustments(con: duckdb.DuckDBPyConnection,
                    month: date) -> dict[str, list[tuple[Decimal, str]]]:
    # month_inputs needs closing, which needs publish, which needs this module
    from pipelines.pay.month_inputs import month_adjustments

    found: dict[str, list[tuple[Decimal, str]]] = {}
    for a in month_adjustments(con, month):
        if a.kind == "qa_points":
            found.setdefault(a.employee_id, []).append(
                (a.amount, f"{a.reason} ({a.file} line {a.line})"))
    return found


# --- writing -------------------------------------------------------------------------------------


def statement_dir(publish_dir: Path, month: date) -> Path:
    return publish_dir / "statements" / month.isoformat()[:7]


def write_statements(con: duckdb.DuckDBPyConnection, month: date, publish_dir: Path,
                     employee: str | None = None) -> list[Path]:
    """Write `statements/<YYYY-MM>/<employee_id>.html` under `publish_dir`; return the paths.

    For the whole month the folder is built aside and swapped in, so it never holds a mix of
    two runs nor a statement of someone no longer on the payroll; for one employee only that
    file is replaced (atomically). An unknown employee raises LookupError."""
    statements = load_statements(con, month, employee)
    if employee and not statements:
        raise LookupError(f"no payroll row for {employee} in {month.isoformat()[:7]}: "
                          "run `kefu payroll` for the month first, or check the employee id")
    folder = statement_dir(publish_dir, month)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if employee:
        target = folder / f"{employee}.html"
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(render_statement(statements[0]), encoding="utf-8")
        os.replace(tmp, target)
        return [target]
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.new")
    staging.mkdir()
    try:
        for statement in statements:
            (staging / f"{statement.employee_id}.html").write_text(
                render_statement(statement), encoding="utf-8")
        old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.old")
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / f"{s.employee_id}.html" for s in statements]


# --- rendering -----------------------------------------------------------------------------------

# Names, reasons and notes come from files people edit (roster, adjustments): the page escapes
# every value it prints, so none of them can become markup. StrictUndefined: a misspelt name in a
# template fails the render instead of printing nothing.
_TEMPLATES = Environment(loader=PackageLoader("pipelines.publish", "templates"),
                         autoescape=select_autoescape(("html", "j2")),
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                         keep_trailing_newline=True)


@dataclass(frozen=True)
class Figure:
    """A number as the page shows it (`text`) and the mart's exact decimal (`exact`)."""

    text: str
    exact: str


# Decimals shown per unit; "whole" is a count or weight: no decimals when integral.
PLACES = {"seconds": 1, "percent": 1, "ratio": 2, "money": 2, "score": 2, "points": 4,
          "whole": 2}


def figure(value: Decimal | int | None, unit: str) -> Figure | None:
    """`value` at the precision a person reads, rounded half-up in Decimal (never through a
    float): seconds 1 decimal, a rate or share as a percentage with 1 decimal, a ratio, money or
    score 2, points 4 (the precision they are summed at), a count or weight as an integer when
    integral (else 2). None (no data) stays None."""
    if value is None:
        return None
    number = Decimal(value)
    if unit == "whole" and number == number.to_integral_value():
        return Figure(str(int(number)), str(value))
    shown = number * 100 if unit == "percent" else number
    text = str(shown.quantize(Decimal(1).scaleb(-PLACES[unit]), ROUND_HALF_UP))
    return Figure(text + "%" if unit == "percent" else text, str(value))


_TEMPLATES.tests["figure"] = lambda value: isinstance(value, Figure)


def _metric_unit(metric: str) -> str:
    if metric in PERCENT_METRICS:
        return "percent"
    return "seconds" if metric in SECONDS_METRICS else "ratio"


def _kpi_row(line: dict[str, Any]) -> dict[str, Any]:
    metric = line["metric"]
    numerator, denominator, _ = METRIC_COLUMNS.get(metric, ("numerator", "denominator", ""))
    unit = _metric_unit(metric)
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
        **{name: figure(line[name], u) for name, u in units.items()},
    }


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


def render_statement(s: Statement) -> str:
    p = s.payroll
    excluded = p["promo_excluded_metrics"] or ""
    pay_sum = sum((line["amount"] for line in s.pay_lines), ZERO)
    return _TEMPLATES.get_template("statement.html.j2").render(
        s=s, month=p["month"].isoformat()[:7], role_name=ROLE_NAMES.get(p["role"], ""),
        kpi=[_kpi_row(line) for line in s.kpi_lines],
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
