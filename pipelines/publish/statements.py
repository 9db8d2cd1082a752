"""One pay statement per employee and month: a self-contained HTML page (inline CSS, nothing
fetched), in Chinese with English beside it, from which an agent can redo the arithmetic by hand:
every KPI line (value = numerator / denominator, worst, best, weight, achieved share, points, or
why it is N/A), the points sum, the 质检 adjustments, the score and how it was clamped and
rounded, the tier, the promotion days left out, and every pay line summing to the gross pay.
Each rate has its sample and, when the sample is small enough to move the line's points, its 95%
interval; "to reach the next tier" gives the points missing and, line by line, the value that
would earn them (`line_figures.py`).

Everything comes from the warehouse marts (`marts.payroll`, `marts.payroll_lines`,
`marts.kpi_lines`, `marts.kpi_monthly`, `marts.agent_monthly_metrics`) and the plan's tiers and
proration (`config.plan_tiers`, `config.plan_versions`). The page shows each
number at the precision a person reads (`figure`: seconds 38.7, rates 87.3%, weights 35, money
and the score 2 decimals, points 4, as they are summed), rounded half-up in Decimal; the exact
figures stay in the marts, and each number's `data-value` attribute holds the mart's exact
decimal. Stable hooks for tests and scrapers: `<tr data-metric="reply_rate">` with
`<td data-field="points">`, `<tr data-pay-line="1">` with `<td data-field="amount">`,
`<span data-field="kpi_score">`, `<span data-field="gross_pay">`.

The page is `templates/statement.html.j2` (its stylesheet `templates/statement.css` is included
inline, its two building blocks are in `templates/macros.html.j2`), rendered with autoescape;
this module reads the marts and writes the pages, `statement_page.py` prepares the values the
template prints. Agents read it on
a phone: narrower than the KPI table (860 px), each KPI line and pay line is a card.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipelines.publish.figures import Figure
from pipelines.publish.line_figures import SQUARES_COLUMNS
from pipelines.publish.statement_page import ZERO, Statement, page_values

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
    tiers: dict[str, list[tuple[Decimal, Decimal]]] = {}
    for version, min_score, base in con.execute(
            "SELECT plan_version, min_score, base FROM config.plan_tiers ORDER BY ALL"
            ).fetchall():
        tiers.setdefault(version, []).append((min_score, base))
    heads = _dicts(con, f"""
        SELECT p.*, k.line_points, k.qa_points, k.tier_min_score, k.flags,
               m.promo_days, m.promo_excluded_metrics, s.reasons AS provisional_reasons,
               {", ".join(f"m.{c}" for c in SQUARES_COLUMNS.values())}, v.prorate
        FROM marts.payroll p
        LEFT JOIN marts.month_status s ON s.month = p.month
        LEFT JOIN config.plan_versions v ON v.plan_version = p.plan_version
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
                                    pay.get(head["employee_id"], []), items,
                                    tiers.get(head["plan_version"], [])))
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


_TEMPLATES.tests["figure"] = lambda value: isinstance(value, Figure)


def render_statement(s: Statement) -> str:
    return _TEMPLATES.get_template("statement.html.j2").render(page_values(s))
