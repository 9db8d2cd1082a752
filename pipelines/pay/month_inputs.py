"""A month's inputs to KPI and pay besides the metrics: the validated manual adjustments
(`raw.adjustments`, loaded by the `raw/adjustments` asset), the days each level was held, and
the restatement lines the month pays for re-runs of closed months. The KPI and payroll assets
and `kefu whatif` read them from here, so all three see the same month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from pipelines.config.adjustments import Adjustment
from pipelines.orchestration.partitions import month_end
from pipelines.pay.closing import restatement_lines
from pipelines.pay.scoring import CENT, PayLine
from pipelines.warehouse.database import month_table, read_rows


def monthly_metrics(con: duckdb.DuckDBPyConnection, first: date) -> list[dict[str, Any]]:
    """The month's rows of marts.agent_monthly_metrics by employee (for a closed month that was
    re-run, of restated.agent_monthly_metrics: the month as it now stands)."""
    table = month_table(con, "marts.agent_monthly_metrics", first)
    return read_rows(con, f"SELECT * FROM {table} WHERE month = ? ORDER BY employee_id", [first])


def month_adjustments(con: duckdb.DuckDBPyConnection, first: date) -> list[Adjustment]:
    """The month's rows of raw.adjustments, in file and line order."""
    return [Adjustment(*row) for row in con.execute(
        "SELECT employee_id, kind, amount, reason, source_file, line_number "
        "FROM raw.adjustments WHERE month = ? ORDER BY source_file, line_number",
        [first]).fetchall()]


def qa_points_by_employee(adjustments: list[Adjustment]) -> dict[str, Decimal]:
    """The month's 质检 points per employee."""
    qa: dict[str, Decimal] = {}
    for a in adjustments:
        if a.kind == "qa_points":
            qa[a.employee_id] = qa.get(a.employee_id, Decimal(0)) + a.amount
    return qa


def pay_adjustment_lines(adjustments: list[Adjustment]) -> dict[str, list[PayLine]]:
    """The month's manual pay lines per employee, each naming its landing-relative file and
    line."""
    lines: dict[str, list[PayLine]] = {}
    for a in adjustments:
        if a.kind == "pay":
            lines.setdefault(a.employee_id, []).append(PayLine(
                "adjustment", Decimal(1), a.amount, a.amount.quantize(CENT),
                f"adjustment: {a.reason} ({a.file} line {a.line})"))
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


@dataclass(frozen=True)
class MonthInputs:
    """Everything a month's pay needs besides the KPI scores and the plan version."""

    month: date
    days_by_level: dict[str, dict[str, int]]      # employee -> level -> days held
    adjustments: list[Adjustment]                 # qa_points and pay rows of raw.adjustments
    restatements: dict[str, list[PayLine]]        # employee -> restatement lines paid here
    # (name, level, role) of employees paid a restatement this month who have no KPI row in
    # it (they have left): their last payroll row's.
    former: dict[str, tuple[str, str, str]]
    # Every day loaded and the attribution window closed (marts.month_status), or closed: else
    # the payroll is provisional.
    final: bool


def load_month_inputs(con: duckdb.DuckDBPyConnection, first: date) -> MonthInputs:
    restatements = restatement_lines(con, first)
    former = {row[0]: row[1:] for row in con.execute(
        "SELECT employee_id, arg_max(name, month), arg_max(level, month), arg_max(role, month) "
        "FROM marts.payroll WHERE employee_id IN (SELECT unnest(?)) GROUP BY employee_id",
        [sorted(restatements)]).fetchall()}
    final = con.execute(
        "SELECT ? IN (SELECT month FROM marts.closed_months) OR coalesce((SELECT status = "
        "'final' FROM marts.month_status WHERE month = ?), false)", [first, first]).fetchall()[0][0]
    return MonthInputs(first, days_by_level(con, first), month_adjustments(con, first),
                       restatements, former, final)
