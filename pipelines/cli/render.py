"""What the run commands show: the progress display of a backfill or nightly run, then the
summaries it ends with (the ingest table, a month's payroll, its restatements, the data-quality
signals), each with the reporting SQL it reads from the warehouse; and what `kefu generate`,
`kefu whatif` and `kefu plan-check` end with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.cli.console import console
from pipelines.cli.failures import failures_in_one_line
from pipelines.cli.session import read_warehouse
from pipelines.config.settings import Settings
from pipelines.orchestration import progress

if TYPE_CHECKING:
    from pipelines.pay.diagnostics import PlanDiagnostics
    from pipelines.pay.whatif import WhatIf

# The steps that report once per day of the run; the others once per run.
DAILY_STEPS = {"raw.chats", "raw.orders", "raw.refunds", "raw.ratings"}


def run_with_progress(days: int, work: Callable[[], list]) -> list:
    """Run `work` (a backfill or nightly) with a progress display of its steps over `days`:
    the sources' bars from the first second, each day's rows as it loads, a bar per later step
    as it starts."""
    # the bar stops before a failure is printed
    with failures_in_one_line(), Progress(
            TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rows]}"), TimeElapsedColumn(), console=console) as bar:
        tasks = {step: bar.add_task(step, total=days, rows="") for step in sorted(DAILY_STEPS)}
        rows: dict[str, int] = {}

        def advance(step: str, _done: str, written: int | None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=1, rows="")
            if written is not None:
                rows[step] = rows.get(step, 0) + written
            bar.update(tasks[step], advance=1,
                       rows=f"{rows[step]:,} rows" if step in rows else "")

        progress.listen(advance)
        try:
            return work()
        finally:
            progress.forget(advance)


def print_payroll(settings: Settings, first: date) -> None:
    from pipelines.warehouse.database import connect

    con = connect(settings.warehouse)
    try:
        rows = con.execute(
            "SELECT employee_id, name, level, role, days_employed, kpi_score, tier_base, bonus, "
            "adjustments, gross_pay, status FROM marts.payroll WHERE month = ? "
            "ORDER BY employee_id", [first]).fetchall()
        total = con.execute("SELECT sum(gross_pay) FROM marts.payroll WHERE month = ?",
                            [first]).fetchall()[0][0]
    finally:
        con.close()
    table = Table(title=f"Payroll {first.isoformat()[:7]}")
    for column in ("employee", "name", "level", "role", "days", "KPI", "tier base", "bonus",
                   "adjustments", "gross", "status"):
        table.add_column(column, justify="right" if column in (
            "days", "KPI", "tier base", "bonus", "adjustments", "gross") else "left")
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    console.print(table)
    console.print(f"Total gross pay: {total}   warehouse: {settings.warehouse.resolve()}")
    statements = settings.publish / "statements" / first.isoformat()[:7]
    if statements.is_dir():
        console.print(f"Published: {(settings.publish / 'kefu.duckdb').resolve()}   "
                      f"statements: {statements.resolve()}")


def print_data_quality(settings: Settings, first: date, last: date) -> None:
    """The signals ops must act on for the days first..last, after the summary tables."""
    from pipelines.cli.signals import data_quality_signals
    from pipelines.config.shop import load_config
    from pipelines.warehouse.database import connect

    con = connect(settings.warehouse)
    try:
        signals = data_quality_signals(con, load_config(settings.config), first, last)
    finally:
        con.close()
    for signal in signals:
        console.print(f"[yellow]{escape(signal)}[/yellow]", soft_wrap=True)


def print_restatements(settings: Settings, first: date) -> bool:
    """Print the restatements of `first` (if closed) and those it pays; False if none."""
    from pipelines.pay.closing import closed_month

    con = read_warehouse(settings)
    try:
        closed = closed_month(con, first)
        rows = con.execute(
            "SELECT r.closed_month, r.paid_in_month, r.employee_id, r.name, r.paid_gross, "
            "r.restated_gross, r.difference, r.paid_in_month IN (SELECT month FROM marts.payroll"
            " WHERE employee_id = r.employee_id), r.changes, r.reason FROM marts.restatements r "
            "WHERE ? IN (r.closed_month, r.paid_in_month) "
            "ORDER BY r.closed_month, r.paid_in_month, r.employee_id", [first]).fetchall()
    finally:
        con.close()
    if closed:
        console.print(f"{first:%Y-%m} is closed ({closed.closed_at:%Y-%m-%d %H:%M} "
                      "Asia/Shanghai, "
                      f"{closed.closed_by}): its marts rows and published files are as paid, "
                      f"gross {closed.gross_pay_total}; re-run figures are in restated.*")
    if not rows:
        return False
    table = Table(title=f"Restatements of or paid in {first:%Y-%m}")
    for column in ("closed month", "paid in", "employee", "name", "paid gross",
                   "restated gross", "difference", "on payroll", "changes", "reason"):
        table.add_column(column, justify="right" if column in (
            "paid gross", "restated gross", "difference") else "left")
    for closed_month_, paid_in, *values, on_payroll, changes, reason in rows:
        table.add_row(f"{closed_month_:%Y-%m}", f"{paid_in:%Y-%m}",
                      *(str(v) for v in values[:-1]), f"{values[-1]:+}",
                      "yes" if on_payroll else "when computed", changes, reason)
    console.print(table)
    return True


def print_ingest_summary(summary: list, first: date, last: date, settings: Settings) -> None:
    table = Table(title=f"Ingested {first}..{last} into {settings.warehouse}")
    for column in ("source", "files read", "duplicates", "rows read", "rows loaded",
                   "rows rejected"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for s in summary:
        table.add_row(s.source, str(s.files_read), str(s.files_duplicate), f"{s.rows_read:,}",
                      f"{s.rows_loaded:,}", f"{s.rows_rejected:,}")
    console.print(table)


def print_generated(month: str, out: Path, manifest: dict[str, Any]) -> None:
    """The rows `kefu generate` wrote per source, and where its roster and manifest are."""
    table = Table(title=f"Generated {month} into {out}")
    table.add_column("source")
    table.add_column("rows", justify="right")
    for source, rows in sorted(manifest["counts"].items()):
        table.add_row(source, f"{rows:,}")
    console.print(table)
    console.print(f"Roster: {out / '_roster.csv'}   manifest: {out / '_manifest.json'}   "
                  f"planted bad rows: {len(manifest['bad_rows'])}")


def print_whatif(month: str, plan: Path, result: WhatIf, scratch: Path) -> None:
    """Each employee's figures under the candidate plan beside the current ones, the notes and
    the totals."""
    table = Table(title=f"What-if {month}: {result.current_version} (current) vs "
                        f"{result.candidate_version} ({plan})")
    columns = ("employee", "name", "score", "tier base", "gross", "candidate score",
               "candidate tier base", "candidate gross", "difference")
    for column in columns:
        table.add_column(column, justify="left" if column in ("employee", "name") else "right")
    for r in result.rows:
        table.add_row(*("-" if v is None else str(v) for v in (
            r.employee_id, r.name, r.current_score, r.current_tier_base, r.current_gross,
            r.candidate_score, r.candidate_tier_base, r.candidate_gross)), f"{r.difference:+}")
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", style="yellow", soft_wrap=True, markup=False)
    console.print(f"Total gross pay: current {result.current_total}, candidate "
                  f"{result.candidate_total}, difference {result.total_difference:+}   "
                  f"(candidate rows in whatif.kpi_monthly, whatif.payroll of "
                  f"{scratch})", soft_wrap=True)
    if result.diagnostics is not None:
        print_plan_check(result.diagnostics)


def _count_share(count: int, share: float | None) -> str:
    return "-" if share is None else f"{count} ({share:.0%})"


def print_plan_check(diagnostics: PlanDiagnostics) -> None:
    """Per KPI line: saturation, split-half reliability, the standard error at min_sample
    against the spread between employees; the employees near a tier edge; the flags."""
    from pipelines.pay.diagnostics import EDGE_POINTS, figure

    def shown(value: float | None) -> str:
        return "-" if value is None else figure(value)

    table = Table(title=f"Plan check {diagnostics.month:%Y-%m}: {diagnostics.plan_version}")
    for column in ("role", "line", "scored", "at full", "at zero", "split-half", "SE at n",
                   "spread", "SE in points"):
        table.add_column(column, justify="left" if column in ("role", "line") else "right")
    for d in diagnostics.lines:
        table.add_row(
            d.role, d.metric, f"{d.scored}" + (f" (+{d.not_scored} n/a)" if d.not_scored else ""),
            _count_share(d.at_full, d.share_full), _count_share(d.at_zero, d.share_zero),
            "-" if d.reliability is None else f"{d.reliability:.2f} ({d.halves_compared})",
            "-" if d.standard_error is None else f"{figure(d.standard_error)} at {d.error_sample}",
            shown(d.spread),
            "-" if d.error_points is None else f"{d.error_points:.1f} of {d.weight:g}")
    console.print(table)
    edges = ", ".join(f"{e.employee_id} {e.score} ({e.edge:g})" for e in diagnostics.near_edges)
    console.print(f"Within {EDGE_POINTS:g} points of a tier edge: {edges or 'nobody'}",
                  soft_wrap=True, markup=False, highlight=False)
    for flag in diagnostics.flags:
        console.print(f"flag: {flag}", soft_wrap=True, markup=False, highlight=False,
                      style="yellow")
    if not diagnostics.flags:
        console.print("no flags: no line is saturated, unreliable or noisier than the spread "
                      "between employees, and nobody is near a tier edge", style="green")

