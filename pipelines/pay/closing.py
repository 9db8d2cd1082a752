"""Closing a month, and restating one that is closed (SPEC 9, `kefu close`).

Once finance has paid a month, `close_month` records it in `marts.closed_months`. From then on
the month's monthly marts rows (metrics, KPI, payroll) and its published files never change:
`pipelines.warehouse.database.replace_months` sends a re-run's rows to `restated.*` instead, and
publishing skips the month's files. The re-run's difference per employee is recorded by
`sql/marts/restatements.sql` in `marts.restatements` and paid as a pay adjustment line of the
first open month after it, whose payroll (if already computed) is recomputed and republished
in the same run. A refund that arrives after the month was paid is thus a clawback line on the
agent's next statement.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipelines.orchestration.partitions import SHOP_TIMEZONE, month_end
from pipelines.pay.scoring import PayLine
from pipelines.publish.exports import export_path
from pipelines.quality.suites import publish_gate
from pipelines.warehouse.database import closed_months, run_sql, transaction

DEFAULT_REASON = "re-run of a closed month"


class NotClosable(Exception):
    """The month cannot be closed yet; the message says why and what to run."""


@dataclass(frozen=True)
class ClosedMonth:
    month: date
    closed_at: datetime
    closed_by: str
    employees: int
    gross_pay_total: Decimal
    payroll_csv_sha256: str
    marts_sha256: str


def closed_month(con: duckdb.DuckDBPyConnection, month: date) -> ClosedMonth | None:
    rows = con.execute("SELECT * FROM marts.closed_months WHERE month = ?", [month]).fetchall()
    return ClosedMonth(*rows[0]) if rows else None


def close_month(con: duckdb.DuckDBPyConnection, month: date, publish_dir: Path,
                closed_by: str) -> tuple[ClosedMonth, bool]:
    """Close `month`; return it and whether it was newly closed (closing twice changes nothing).

    Only a payroll that passes its blocking checks and whose published CSV is the payroll in
    the warehouse can be closed: what is closed is what was paid."""
    already = closed_month(con, month)
    if already:
        return already, False
    label = f"{month:%Y-%m}"
    employees, total = con.execute(
        "SELECT count(*), coalesce(sum(gross_pay), 0) FROM marts.payroll WHERE month = ?",
        [month]).fetchall()[0]
    if not employees:
        raise NotClosable(f"{label} has no payroll: run `kefu backfill --month {label}` first")
    status = con.execute("SELECT status, reasons FROM marts.month_status WHERE month = ?",
                         [month]).fetchall()
    if not status or status[0][0] != "final":
        why = status[0][1] if status else "its completeness was never checked"
        raise NotClosable(f"{label} is provisional ({why}): load what is missing, then "
                          f"`kefu payroll --month {label}`, and close it once it is final")
    failed = publish_gate(con, month, month_end(month), f"close-{label}")
    if failed:
        raise NotClosable(f"{label} fails its blocking checks ("
                          + ", ".join(r.suite for r in failed) + "): fix and re-run it first")
    csv = export_path(publish_dir, month, "csv")
    if not csv.exists():
        raise NotClosable(f"{label} is not published ({csv} is missing): run "
                          f"`kefu payroll --month {label}` first")
    if not _published_is_current(con, csv, month):
        raise NotClosable(f"{csv} is not the payroll in the warehouse: run "
                          f"`kefu payroll --month {label}` to publish it again first")
    shop_now = datetime.now(ZoneInfo(SHOP_TIMEZONE)).replace(microsecond=0, tzinfo=None)
    closed = ClosedMonth(month, shop_now, closed_by, employees, total,
                         hashlib.sha256(csv.read_bytes()).hexdigest(), marts_sha256(con, month))
    con.execute("INSERT INTO marts.closed_months VALUES (?, ?, ?, ?, ?, ?, ?)",
                [closed.month, closed.closed_at, closed.closed_by, closed.employees,
                 closed.gross_pay_total, closed.payroll_csv_sha256, closed.marts_sha256])
    return closed, True


CLOSED_TABLES = ("marts.agent_monthly_metrics", "marts.kpi_lines", "marts.kpi_monthly",
                 "marts.payroll_lines", "marts.payroll")


def marts_sha256(con: duckdb.DuckDBPyConnection, month: date) -> str:
    """SHA-256 of the month's rows of the tables closing freezes (each row's values as text, in
    order, without its trailing empty values): recomputed later, it proves the paid rows
    unchanged, also once a later version has added a column (added last, empty for them)."""
    digest = hashlib.sha256()
    for table in CLOSED_TABLES:
        digest.update(table.encode())
        for row in con.execute(f"SELECT * FROM {table} WHERE month = ? ORDER BY ALL",
                               [month]).fetchall():
            values = ["" if v is None else str(v) for v in row]
            while values and values[-1] == "":
                values.pop()
            digest.update(("\x1f".join(values) + "\n").encode())
    return digest.hexdigest()


def _published_is_current(con: duckdb.DuckDBPyConnection, csv: Path, month: date) -> bool:
    """The published CSV has the warehouse's run_id on every row (the last column)."""
    run_ids = {line.rsplit(",", 1)[-1].strip()
               for line in csv.read_text(encoding="utf-8-sig").splitlines()[1:] if line}
    current = {row[0] for row in con.execute(
        "SELECT DISTINCT run_id FROM marts.payroll WHERE month = ?", [month]).fetchall()}
    return run_ids == current


def first_open_month(con: duckdb.DuckDBPyConnection, after: date) -> date:
    """The first month after `after` that is not closed: where its restatements are paid."""
    closed = closed_months(con)
    month = month_end(after) + timedelta(days=1)
    while month in closed:
        month = month_end(month) + timedelta(days=1)
    return month


def paying_months(con: duckdb.DuckDBPyConnection, months: list[date]) -> list[date]:
    """The open months whose payroll and files a run over `months` writes: the open ones among
    them, and for each closed one the open month that pays its restatement, if that month's
    payroll has been computed already."""
    closed = closed_months(con)
    paying = {m for m in months if m not in closed}
    for month in months:
        if month in closed:
            target = first_open_month(con, month)
            if con.execute("SELECT count(*) FROM marts.payroll WHERE month = ?",
                           [target]).fetchall()[0][0]:
                paying.add(target)
    return sorted(paying)


def record_restatement(con: duckdb.DuckDBPyConnection, closed: date, run_id: str,
                       reason: str) -> date:
    """Compare the closed month's re-run (restated.payroll) with what was paid, and record each
    employee's difference for the first open month; return that month."""
    paid_in = first_open_month(con, closed)
    with transaction(con):
        run_sql(con, "marts/restatements.sql", closed_month=closed, paid_in_month=paid_in,
                run_id=run_id, reason=reason)
    return paid_in


def restatement_lines(con: duckdb.DuckDBPyConnection, month: date) -> dict[str, list[PayLine]]:
    """employee -> the pay adjustment lines `month` pays for re-runs of closed months."""
    lines: dict[str, list[PayLine]] = {}
    for employee_id, closed, paid, restated, difference, changes, reason in con.execute(
            "SELECT employee_id, closed_month, paid_gross, restated_gross, difference, changes, "
            "reason FROM marts.restatements WHERE paid_in_month = ? "
            "ORDER BY employee_id, closed_month", [month]).fetchall():
        lines.setdefault(employee_id, []).append(PayLine(
            "adjustment", Decimal(1), difference, difference,
            f"restatement of {closed:%Y-%m} (closed) / {closed:%Y-%m} 已关账月份重算差额: "
            f"gross {paid} -> {restated} ({changes}); reason: {reason}"))
    return lines
