"""One pay statement per employee and month: a self-contained HTML page (inline CSS, nothing
fetched), in Chinese with English beside it, from which an agent can redo the arithmetic by hand:
every KPI line (value = numerator / denominator, worst, best, weight, achieved share, points, or
why it is N/A), the points sum, the 质检 adjustments, the score and how it was clamped and
rounded, the tier, the promotion days left out, and every pay line summing to the gross pay.

Everything comes from the warehouse marts (`marts.payroll`, `marts.payroll_lines`,
`marts.kpi_lines`, `marts.kpi_monthly`, `marts.agent_monthly_metrics`); the numbers on the page
are the marts' exact decimals, printed as they are stored. Stable hooks for tests and scrapers:
`<tr data-metric="reply_rate">` with `<td data-field="points">`, `<tr data-pay-line="1">` with
`<td data-field="amount">`, `<span data-field="kpi_score">`, `<span data-field="gross_pay">`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import duckdb

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


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field(name: str, value: Any, tag: str = "span", extra: str = "") -> str:
    cls = f' class="{extra}"' if extra else ""
    return f'<{tag} data-field="{name}"{cls}>{escape(_text(value))}</{tag}>'


def _pct(metric: str, value: Decimal | None) -> str:
    if value is None or metric not in PERCENT_METRICS:
        return ""
    return f'<span class="hint">{(value * 100).quantize(Decimal("0.01"))}%</span>'


def _both(chinese: str, english: str) -> str:
    return f'{escape(chinese)} <span class="en">{escape(english)}</span>'


def _kpi_row(line: dict[str, Any]) -> str:
    metric = line["metric"]
    numerator, denominator, _ = METRIC_COLUMNS.get(metric, ("numerator", "denominator", ""))
    na = line["status"] != "scored"
    return "".join([
        f'<tr data-metric="{escape(metric)}" class="{"na" if na else "scored"}">',
        f'<th scope="row">{escape(METRIC_NAMES.get(metric, metric))}'
        f'<span class="en">{escape(metric)}</span>'
        f'<span class="formula">= {escape(COLUMN_NAMES.get(numerator, ""))} {escape(numerator)}'
        f' / {escape(COLUMN_NAMES.get(denominator, ""))} {escape(denominator)}</span></th>',
        f'<td class="num">{_field("value", line["value"])}{_pct(metric, line["value"])}</td>',
        f'<td class="num">{_field("numerator", line["numerator"])} / '
        f'{_field("denominator", line["denominator"])}</td>',
        f'<td class="num">{_field("sample", line["sample"])} / '
        f'{_field("min_sample", line["min_sample"])}</td>',
        f'<td class="num">{_field("worst", line["worst"])}</td>',
        f'<td class="num">{_field("best", line["best"])}</td>',
        f'<td class="num">{_field("weight", line["weight"])}</td>',
        f'<td class="num">{_field("effective_weight", line["effective_weight"])}</td>',
        f'<td class="num">{_field("achieved", line["achieved"])}</td>',
        _field("points", line["points"], "td", "num strong"),
        f'<td>{_field("status", line["status"])}'
        f'<span class="en">{escape(STATUS_NAMES.get(line["status"], ""))}</span></td>',
        _field("note", line["note"] or "", "td", "note"),
        "</tr>",
    ])


def _pay_row(line: dict[str, Any]) -> str:
    kind = line["kind"]
    return "".join([
        f'<tr data-pay-line="{line["line_no"]}">',
        f'<td class="num">{line["line_no"]}</td>',
        f'<td>{escape(KIND_NAMES.get(kind, kind))} {_field("kind", kind, extra="en")}</td>',
        _field("quantity", line["quantity"], "td", "num"),
        _field("rate", line["rate"], "td", "num"),
        _field("amount", line["amount"], "td", "num strong"),
        _field("explanation", line["explanation"], "td", "note"),
        "</tr>",
    ])


def _score_steps(s: Statement) -> str:
    p = s.payroll
    scored = [x["points"] for x in s.kpi_lines if x["points"] is not None]
    line_points = p["line_points"] if p["line_points"] is not None else sum(scored, ZERO)
    qa = p["qa_points"] if p["qa_points"] is not None else ZERO
    terms = " + ".join(_text(x) for x in scored) or "0"
    steps = [f'<li>{_both("各项得分合计", "sum of line points")}: {escape(terms)} = '
             f'{_field("line_points", line_points)}</li>']
    qa_items = "".join(f'<li data-qa="{i}">{_field("qa_item_points", points)} — '
                       f'{escape(reason)}</li>' for i, (points, reason)
                       in enumerate(s.qa_adjustments, start=1))
    steps.append(f'<li>{_both("质检加减分", "qa_points adjustments")}: '
                 f'{_field("qa_points", qa)}'
                 + (f'<ul class="qa">{qa_items}</ul>' if qa_items else "") + "</li>")
    if p["kpi_score"] is None:
        no_score = _both("无可计分的KPI项：无得分、无奖金，待复核",
                         "no KPI line had data: no score, no bonus, flagged for review")
        steps.append(f'<li class="warn">{no_score} {_field("kpi_score", None)}</li>')
        return "<ol>" + "".join(steps) + "</ol>"
    raw = line_points + qa
    clamped = min(max(raw, ZERO), Decimal(100))
    steps.append(f'<li>{_both("合计", "raw total")}: {escape(_text(line_points))} + '
                 f'({escape(_text(qa))}) = {_field("raw_score", raw)}</li>')
    steps.append(f'<li>{_both("限定在 0–100", "clamped to [0, 100]")}: '
                 f'{_field("clamped_score", clamped)}'
                 + (' <span class="warn">(clamped 已截断)</span>' if clamped != raw else "")
                 + "</li>")
    steps.append(f'<li>{_both("四舍五入到两位小数", "rounded half-up to 2 decimals")}: '
                 f'<strong>{_both("KPI 得分", "KPI score")} = '
                 f'{_field("kpi_score", p["kpi_score"], extra="big")}</strong></li>')
    return "<ol>" + "".join(steps) + "</ol>"


CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","Source Han Sans SC",
sans-serif;color:#1f2933;margin:0;background:#f5f7fa;font-size:14px;line-height:1.45}
main{box-sizing:border-box;max-width:1160px;margin:20px auto;background:#fff;padding:24px 28px;
box-shadow:0 1px 4px rgba(0,0,0,.12);border-radius:6px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;
border-bottom:2px solid #2f6fb0;padding-bottom:4px;color:#234e7d}
.en{color:#66788a;font-size:.85em;font-weight:normal;margin-left:.3em}
th .en,td .en{display:block;margin-left:0}
dl.head{display:grid;grid-template-columns:repeat(4,auto 1fr);gap:6px 14px;margin:14px 0}
dl.head dt{color:#52606d}dl.head dd{margin:0;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #d9e2ec;padding:4px 6px;vertical-align:top;text-align:left}
thead th{background:#eef3f8;font-weight:600}
td.num{white-space:nowrap}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.strong{font-weight:700}tr.na td{color:#8a96a3}tr.na td.note{color:#b44d12}
td.note{font-size:12px;min-width:80px;max-width:240px}
.formula{display:block;color:#7b8794;font-size:11px;font-weight:normal;max-width:230px}.hint{display:block;color:#66788a;font-size:11px}
tfoot td{font-weight:700;background:#f0f4f8}.big{font-size:18px;color:#0b5394}
.warn{color:#b44d12}ol li,ul li{margin:3px 0}.total{font-size:20px;color:#0b5394}
.box{background:#f8fafc;border:1px solid #d9e2ec;border-radius:4px;padding:10px 14px}
footer{margin-top:26px;color:#7b8794;font-size:12px}
"""


def render_statement(s: Statement) -> str:
    p = s.payroll
    month = p["month"].isoformat()[:7]
    role = p["role"]
    head = "".join([
        "<dl class='head'>",
        f"<dt>{_both('员工', 'employee')}</dt><dd>{_field('employee_id', p['employee_id'])}</dd>",
        f"<dt>{_both('姓名', 'name')}</dt><dd>{_field('name', p['name'])}</dd>",
        f"<dt>{_both('级别', 'level')}</dt><dd>{_field('level', p['level'])}</dd>",
        f"<dt>{_both('岗位', 'role')}</dt><dd>{escape(ROLE_NAMES.get(role, ''))} "
        f"{_field('role', role, extra='en')}</dd>",
        f"<dt>{_both('月份', 'month')}</dt><dd>{_field('month', month)}</dd>",
        f"<dt>{_both('方案版本', 'plan version')}</dt>"
        f"<dd>{_field('plan_version', p['plan_version'])}</dd>",
        f"<dt>{_both('在职天数', 'days employed')}</dt>"
        f"<dd>{_field('days_employed', p['days_employed'])}</dd>",
        f"<dt>{_both('状态', 'status')}</dt><dd>{_field('status', p['status'])}</dd>",
        "</dl>",
    ])
    kpi_head = "".join(f"<th{' class=num' if num else ''}>{_both(zh, en)}</th>" for zh, en, num in (
        ("指标", "metric", False), ("数值", "value", True),
        ("分子 / 分母", "numerator / denominator", True),
        ("样本 / 最低样本", "sample / min_sample", True), ("最差", "worst", True),
        ("最佳", "best", True), ("权重", "weight", True),
        ("有效权重", "effective weight", True), ("达成率", "achieved share", True),
        ("得分", "points", True), ("状态", "status", False), ("说明", "note / why N/A", False)))
    kpi_rows = "".join(_kpi_row(line) for line in s.kpi_lines) or \
        "<tr><td colspan='12'>无KPI项 / no KPI lines</td></tr>"
    points_sum = sum((x["points"] for x in s.kpi_lines if x["points"] is not None), ZERO)
    tier = (f"{_both('档位', 'tier')}: KPI ≥ {_field('tier_min_score', p['tier_min_score'])} → "
            f"{_both('奖金基数', 'bonus base')} ¥{_field('tier_base', p['tier_base'])}"
            if p["tier_base"] is not None else
            f"{_both('无档位', 'no tier')} {_field('tier_base', None)}")
    promo_days = p["promo_days"] if p["promo_days"] is not None else 0
    excluded = p["promo_excluded_metrics"] or ""
    excluded_names = ", ".join(f"{METRIC_NAMES.get(m.strip(), m.strip())} {m.strip()}"
                               for m in excluded.split(",") if m.strip())
    promo = (f"<p>{_both('促销日', 'promotion days')}: {_field('promo_days', promo_days)} "
             f"{_both('天', 'days')}。"
             + (f"{_both('这些天不计入', 'left out of')}: "
                f"{_field('promo_excluded_metrics', excluded_names or excluded)}"
                f"<span class='en'>(promotions are luck: buyers order on their own; those days "
                f"count for every other metric)</span>" if promo_days and excluded else
                f"{_both('无需剔除', 'nothing left out')}")
             + "</p>")
    pay_rows = "".join(_pay_row(line) for line in s.pay_lines)
    pay_sum = sum((line["amount"] for line in s.pay_lines), ZERO)
    amounts = " + ".join(f"({_text(x['amount'])})" if x["amount"] < 0 else _text(x["amount"])
                         for x in s.pay_lines)
    mismatch = "" if pay_sum == p["gross_pay"] else \
        f"<p class='warn'>sum of lines {pay_sum} ≠ gross pay {p['gross_pay']}</p>"
    flags = f"<p class='warn'>{_field('flags', p['flags'])}</p>" if p.get("flags") else ""
    provisional = (
        f"<p class='warn' id='provisional'>{_both('暂定', 'provisional')}: "
        f"{_both('本月数据尚不完整，金额可能变动', 'the month is incomplete; figures may change')}"
        f" ({_field('provisional_reasons', p.get('provisional_reasons'))})</p>"
        if p["status"] == "provisional" else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>工资单 Pay statement {escape(p['employee_id'])} {escape(month)}</title>
<style>{CSS}</style>
</head>
<body>
<main data-employee="{escape(p['employee_id'])}" data-month="{escape(month)}">
<h1>{_both('客服绩效工资单', 'Customer-service pay statement')}</h1>
{provisional}
{head}
<section id="kpi">
<h2>{_both('KPI 明细', 'KPI lines')}</h2>
<p class="en">points = effective weight × clamp((value − worst) / (best − worst), 0, 1), rounded
half-up to 4 decimals (from the exact value; the table shows value and achieved share rounded).
A line under its minimum sample is N/A 不适用: it is left out and the other weights are scaled up
to 100.</p>
<table>
<thead><tr>{kpi_head}</tr></thead>
<tbody>{kpi_rows}</tbody>
<tfoot><tr><td colspan="9">{_both('各项得分合计', 'sum of line points')}</td>
<td class="num">{_field('points_sum', points_sum)}</td><td colspan="2"></td></tr></tfoot>
</table>
</section>
<section id="score">
<h2>{_both('KPI 得分', 'KPI score')}</h2>
<div class="box">{_score_steps(s)}<p>{tier}</p>{flags}</div>
</section>
<section id="promo">
<h2>{_both('促销日剔除', 'Promotion days left out')}</h2>
{promo}
</section>
<section id="pay">
<h2>{_both('工资明细', 'Pay lines')}</h2>
<table>
<thead><tr><th class="num">#</th><th>{_both('项目', 'kind')}</th>
<th class="num">{_both('数量', 'quantity')}</th><th class="num">{_both('单价', 'rate')}</th>
<th class="num">{_both('金额', 'amount')}</th><th>{_both('说明', 'explanation')}</th></tr></thead>
<tbody>{pay_rows}</tbody>
<tfoot><tr><td colspan="4">{_both('应发工资', 'gross pay')} = {escape(amounts or '0')}</td>
<td class="num total">¥{_field('gross_pay', p['gross_pay'])}</td><td></td></tr></tfoot>
</table>
{mismatch}
<p class="en">Every line is rounded half-up to the cent on its own; gross pay is the sum of the
rounded lines (CNY). 每行金额四舍五入到分，应发工资为各行之和。</p>
</section>
<footer>{_both('方案版本', 'plan version')} {escape(p['plan_version'])} ·
run {escape(str(p['run_id']))} · kefu-payroll</footer>
</main>
</body>
</html>
"""
