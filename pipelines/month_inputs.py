"""A month's inputs to KPI and pay besides the metrics: the manual adjustments of the landing
zone, and the days each level was held. The KPI and payroll assets and `kefu whatif` share them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from pipelines.partitions import month_end
from pipelines.plan import Adjustment
from pipelines.scoring import CENT, PayLine


def qa_points_by_employee(adjustments: list[Adjustment]) -> dict[str, Decimal]:
    """The month's 质检 points per employee (as `assets/kpi.py` sums them)."""
    qa: dict[str, Decimal] = {}
    for a in adjustments:
        if a.kind == "qa_points":
            qa[a.employee_id] = qa.get(a.employee_id, Decimal(0)) + a.amount
    return qa


def pay_adjustment_lines(adjustments: list[Adjustment]) -> dict[str, list[PayLine]]:
    """The month's manual pay lines per employee (as `assets/payroll.py` builds them)."""
    lines: dict[str, list[PayLine]] = {}
    for a in adjustments:
        if a.kind == "pay":
            lines.setdefault(a.employee_id, []).append(PayLine(
                "adjustment", Decimal(1), a.amount, a.amount.quantize(CENT),
                f"adjustment: {a.reason} ({a.file}:{a.line})"))
    return lines


def days_by_level(con: duckdb.DuckDBPyConnection, first: date) -> dict[str, dict[str, int]]:
    """employee -> level -> days held in the month, from marts.agent_daily_metrics."""
    held = con.execute(
        "SELECT employee_id, level, count(*) FROM marts.agent_daily_metrics "
        "WHERE day BETWEEN ? AND ? GROUP BY ALL ORDER BY employee_id, min(day)",
        [first, month_end(first)],
    ).fetchall()
    days: dict[str, dict[str, int]] = {}
    for employee_id, level, count in held:
        days.setdefault(employee_id, {})[level] = count
    return days
