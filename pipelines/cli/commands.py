"""`kefu`: the command line for ops (generate a sample shop, backfill, and what follows):
the typer app and its commands, each checking its options, setting up (`session`), running and
printing (`render`); the dates they take are in `dates`, how they fail in `failures`."""

from __future__ import annotations

import sys
import traceback
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from pipelines.cli.console import console
from pipelines.cli.dates import month_days, parse_day, run_days
from pipelines.cli.failures import failures_in_one_line, report_failure, start_run
from pipelines.cli.render import (
    print_data_quality,
    print_ingest_summary,
    print_payroll,
    print_plan_check,
    print_restatements,
    print_whatif,
    run_with_progress,
)
from pipelines.cli.session import (
    notice,
    read_warehouse,
    refuse_closed_publish,
    refuse_month_without_kpi,
    refuse_month_without_payroll,
    use_settings,
)
from pipelines.cli.simulate import fairness, generate

warnings.filterwarnings("ignore", message=".*is currently in beta")  # backfill_policy; see notes
app = typer.Typer(help="kefu-payroll: KPI payroll for Taobao/Tmall customer-service agents.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)


REASON_HELP = ("Why a closed month is re-run (a late refund, a corrected export): recorded with "
               "its restatement.")


app.command()(generate)
app.command()(fairness)


@app.command()
def backfill(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="A whole month, YYYY-MM.")] = None,
    from_day: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to_day: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    reason: Annotated[str | None, typer.Option(help=REASON_HELP)] = None,
) -> None:
    """Materialize every asset for a month (or a range of days) as a single run."""
    first, last = run_days(month, from_day, to_day)
    settings = use_settings(writer=ctx)
    start_run(settings)
    from pipelines.orchestration.runner import backfill_days, backfill_month

    run = backfill_month if month else backfill_days
    summary = run_with_progress((last - first).days + 1,
                                lambda: run(settings, first, last, reason=reason))
    print_ingest_summary(summary, first, last, settings)
    if month:
        print_payroll(settings, first)
        print_restatements(settings, first)
    print_data_quality(settings, first, last)


@app.command()
def nightly(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option(
        "--date", help="The day to load, YYYY-MM-DD (default: yesterday, shop time).")] = None,
) -> None:
    """What the nightly schedule runs: load a day's exports and recompute it and the days before
    it whose attribution window is still open, as one run."""
    from pipelines.ingest.completeness import segments_text
    from pipelines.orchestration.partitions import shop_today

    last = parse_day(day, "--date") if day else shop_today() - timedelta(days=1)
    settings = use_settings(writer=ctx)
    start_run(settings)
    from pipelines.orchestration.runner import nightly as run_nightly
    from pipelines.orchestration.runner import nightly_days

    ranges = nightly_days(settings, last)
    if len(ranges) > 1:
        console.print(f"files landed late for {segments_text(ranges[:-1])}: loading those days "
                      "again")
    days = sum((b - a).days + 1 for a, b in ranges)
    summary = run_with_progress(days, lambda: run_nightly(settings, last))
    print_ingest_summary(summary, ranges[0][0], last, settings)


@app.command()
def payroll(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month to compute, YYYY-MM.")],
    reason: Annotated[str | None, typer.Option(help=REASON_HELP)] = None,
) -> None:
    """Recompute a month's metrics, KPI and payroll from the loaded days, publish it, and print
    it. A closed month keeps what was paid: the differences go to the first open month."""
    first, _ = month_days(month)
    settings = use_settings(writer=ctx)
    start_run(settings)
    from pipelines.orchestration.runner import payroll_months, rerun_until
    from pipelines.warehouse.database import connect

    con = connect(settings.warehouse)
    try:
        last = rerun_until(con, first)
    finally:
        con.close()
    if last != first:
        console.print(f"{month} is closed: re-running {month}..{last:%Y-%m} so that {last:%Y-%m}"
                      " pays the differences under the same configuration")
    with failures_in_one_line(), console.status(f"Computing the {month} payroll ..."):
        payroll_months(settings, first, last, reason=reason)
    print_payroll(settings, first)
    print_restatements(settings, first)
    print_data_quality(settings, *month_days(month))


@app.command()
def close(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month to close, YYYY-MM.")],
) -> None:
    """Close a paid month: its payroll and published files never change again. A later re-run
    of it records each employee's difference as a pay line of the first open month."""
    import getpass

    from pipelines.pay.closing import NotClosable, close_month
    from pipelines.warehouse.database import connect

    first, _ = month_days(month)
    settings = use_settings(month, writer=ctx, needs_warehouse=True)
    con = connect(settings.warehouse)
    try:
        closed, new = close_month(con, first, settings.publish, getpass.getuser())
    except NotClosable as refused:
        report_failure(str(refused), "")
        raise typer.Exit(1) from refused
    finally:
        con.close()
    console.print(f"{month} {'closed' if new else 'was already closed'} on "
                  f"{closed.closed_at:%Y-%m-%d %H:%M} (Asia/Shanghai) by {closed.closed_by}: "
                  f"{closed.employees} employees, gross pay {closed.gross_pay_total}, "
                  f"payroll CSV sha256 {closed.payroll_csv_sha256[:12]}, marts rows sha256 "
                  f"{closed.marts_sha256[:12]}")


@app.command()
def restatement(
    month: Annotated[str, typer.Option(help="A closed month, YYYY-MM.")],
) -> None:
    """Show what re-runs of a closed month changed per employee, and which month pays it; and
    the restatements of earlier months that this month pays."""
    first, _ = month_days(month)
    if not print_restatements(use_settings(month, needs_warehouse=True), first):
        console.print(f"no restatements of or paid in {month}")


@app.command()
def statement(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    employee: Annotated[str | None, typer.Option(
        help="Only this employee (e.g. E01); default: everyone on the month's payroll.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Publish folder to write into (default: KEFU_PUBLISH).")] = None,
) -> None:
    """Write the month's pay statements from the warehouse: one self-contained HTML page per
    employee under <publish>/statements/YYYY-MM/, and print their paths."""
    from pipelines.publish.statements import write_statements

    first, _ = month_days(month)
    settings = use_settings(month, needs_warehouse=True)
    refuse_closed_publish(settings, first, out)
    refuse_month_without_payroll(settings, first)
    with console.status(f"Writing the {month} statements ..."):
        con = read_warehouse(settings)
        try:
            paths = write_statements(con, first, out or settings.publish, employee=employee)
        except LookupError as missing:
            report_failure(str(missing), "")
            raise typer.Exit(1) from missing
        finally:
            con.close()
    for path in paths:
        console.print(str(path), soft_wrap=True)
    console.print(f"{len(paths)} statement(s) written")


@app.command()
def export(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    format: Annotated[str, typer.Option(
        "--format", help="csv (UTF-8 with BOM), xlsx or parquet.")] = "csv",
    out: Annotated[Path | None, typer.Option(
        help="Folder to write into (default: KEFU_PUBLISH).")] = None,
) -> None:
    """Write the month's marts.payroll rows as payroll_YYYY-MM.csv|xlsx|parquet, money as exact
    decimals, and print the path."""
    from pipelines.publish.exports import EXPORT_FORMATS, export_payroll

    if format not in EXPORT_FORMATS:
        raise typer.BadParameter(f"format must be one of {', '.join(EXPORT_FORMATS)}, "
                                 f"got {format!r}", param_hint="--format")
    first, _ = month_days(month)
    settings = use_settings(month, needs_warehouse=True)
    refuse_closed_publish(settings, first, out)
    refuse_month_without_payroll(settings, first)
    with console.status(f"Exporting the {month} payroll as {format} ..."):
        con = read_warehouse(settings)
        try:
            path, rows = export_payroll(con, first, out or settings.publish, format)
        finally:
            con.close()
    console.print(str(path), soft_wrap=True)
    console.print(f"{rows} payroll row(s) written")


@app.command()
def whatif(
    plan: Annotated[Path, typer.Option(help="A candidate plan file (the format of plan.yaml).")],
    month: Annotated[str, typer.Option(help="The month to recompute, YYYY-MM.")],
) -> None:
    """Score and pay a month under a candidate plan into the scratch file whatif.duckdb beside
    the warehouse (the warehouse is only read, the published files untouched) and print each
    employee's figures beside the current ones."""
    from pipelines.config.rules import ConfigError
    from pipelines.pay.whatif import run_whatif, scratch_path

    first, _ = month_days(month)
    settings = use_settings(month, needs_warehouse=True)
    with console.status(f"Computing the {month} payroll under {plan} ..."):
        try:
            result = run_whatif(settings.warehouse, settings.config, plan, first,
                                publish=settings.publish, on_note=notice)
        except (ConfigError, LookupError) as failure:
            report_failure(str(failure), "")
            raise typer.Exit(1) from failure
    print_whatif(month, plan, result, scratch_path(settings.warehouse))


@app.command("plan-check")
def plan_check(
    month: Annotated[str, typer.Option(help="The month to judge the plan on, YYYY-MM.")],
    plan: Annotated[Path | None, typer.Option(
        help="A candidate plan file to judge instead of the version that computed the month."
    )] = None,
) -> None:
    """Judge a plan on a real month, per KPI line: the share of employees at full and zero
    points, the split-half reliability (odd against even days), the standard error at
    min_sample against the spread between employees; the employees near a tier edge; and flags
    for what makes pay track luck. The warehouse is only read."""
    from pipelines.config.rules import ConfigError
    from pipelines.pay.plan_check import check_plan

    first, _ = month_days(month)
    settings = use_settings(month, needs_warehouse=True)
    refuse_month_without_kpi(settings, first)
    con = read_warehouse(settings)
    try:
        diagnostics = check_plan(con, first, settings.config, plan)
    except (ConfigError, LookupError) as failure:
        console.print(f"[red]{escape(str(failure))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from failure
    finally:
        con.close()
    print_plan_check(diagnostics)

def main() -> None:
    """`kefu`: the app, where a failure no command foresaw (a bug, a full disk) ends in one line
    and the path of the log holding its trace, not in typer's pages of traceback. Usage errors
    never get here: typer prints them and exits 2."""
    try:
        app()
    except Exception as failure:
        command = " ".join(sys.argv[1:2])
        first = next(iter(str(failure).splitlines()), "")
        report_failure(f"kefu {command} failed: {type(failure).__name__}: {first}",
                       traceback.format_exc())
        sys.exit(1)


if __name__ == "__main__":
    main()
