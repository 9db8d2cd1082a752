"""`kefu`: the command line for ops (generate a sample shop, backfill, and what follows)."""

from __future__ import annotations

import calendar
import re
import shlex
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.config.settings import Settings
from pipelines.orchestration import progress

warnings.filterwarnings("ignore", message=".*is currently in beta")  # backfill_policy; see notes
app = typer.Typer(help="kefu-payroll: KPI payroll for Taobao/Tmall customer-service agents.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console(width=None if sys.stdout.isatty() else 120)  # logs and CI get whole tables


def use_settings(month: str | None = None, *, writer: typer.Context | None = None,
                 needs_warehouse: bool = False) -> Settings:
    """The KEFU_* settings, announced in one line. With `needs_warehouse` the command stops if
    the warehouse file does not exist (it is never created by reading); a `writer` command (its
    context) holds the writer lock (pipelines/warehouse/writer_lock.py) from here until it ends, or
    stops, having written nothing, after KEFU_LOCK_TIMEOUT seconds."""
    from pipelines.warehouse.writer_lock import LockTimeout, writer_lock

    settings = Settings.from_env()
    console.print(f"warehouse {settings.warehouse} · landing {settings.landing}",
                  soft_wrap=True, markup=False, highlight=False)
    if needs_warehouse and not settings.warehouse.exists():
        console.print(f"no warehouse at {settings.warehouse}: run `kefu backfill --month "
                      f"{month or 'YYYY-MM'}` first, or set KEFU_WAREHOUSE",
                      soft_wrap=True, markup=False, highlight=False, style="red")
        raise typer.Exit(1)
    if writer is not None:
        lock = writer_lock(settings.warehouse, command_line(writer), on_wait=notice)
        try:
            writer.with_resource(lock)
        except LockTimeout as timeout:
            console.print(str(timeout), soft_wrap=True, markup=False, highlight=False,
                          style="red")
            raise typer.Exit(1) from timeout
    return settings


class ReadConnection:
    """A connection for reading the warehouse (pipelines/warehouse/writer_lock.py `reading`:
    read-only, or the published snapshot while a run writes); `close()` releases what it holds."""

    def __init__(self, settings: Settings) -> None:
        from pipelines.publish.outputs import SNAPSHOT_NAME
        from pipelines.warehouse.writer_lock import reading

        self._source = reading(settings.warehouse, settings.publish / SNAPSHOT_NAME,
                               on_note=notice)
        self._con = self._source.__enter__()

    def __getattr__(self, name: str):
        return getattr(self._con, name)

    def close(self) -> None:
        self._source.__exit__(None, None, None)


read_warehouse = ReadConnection


def notice(message: str) -> None:
    console.print(message, soft_wrap=True, markup=False, highlight=False, style="yellow")


def command_line(ctx: typer.Context) -> str:
    """The running command as typed, near enough: `kefu backfill --month 2026-10`."""
    parts = ["kefu", ctx.info_name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is not None and value != param.default and param.opts:
            parts += [param.opts[0], str(value)]
    return " ".join(parts)


_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # date.fromisoformat alone also takes 20261001


def parse_day(value: str, option: str) -> date:
    """`value` of `option` as a day, YYYY-MM-DD; a usage error naming the option if it is not
    one (2026-10-32, 2026-02-30, 20261001)."""
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a date, expected YYYY-MM-DD", param_hint=option)


def month_days(month: str) -> tuple[date, date]:
    """The first and last day of `--month` YYYY-MM; a usage error if it is not a month."""
    try:
        if _MONTH.fullmatch(month):
            first = date.fromisoformat(f"{month}-01")
            return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    except ValueError:
        pass
    raise typer.BadParameter(f"{month!r} is not a month, expected YYYY-MM", param_hint="--month")


def run_days(month: str | None, from_day: str | None, to_day: str | None) -> tuple[date, date]:
    """The first and last day a backfill runs: a whole --month, or --from..--to, both given
    and the first day first; else a usage error saying which."""
    if month is not None and (from_day is not None or to_day is not None):
        raise typer.BadParameter("give --month or --from/--to, not both")
    if month is not None:
        return month_days(month)
    if from_day is None and to_day is None:
        raise typer.BadParameter("give --month YYYY-MM, or --from and --to YYYY-MM-DD")
    if from_day is None or to_day is None:
        given, missing = ("--from", "--to") if to_day is None else ("--to", "--from")
        raise typer.BadParameter(f"{given} needs {missing} YYYY-MM-DD (or give --month YYYY-MM)")
    first, last = parse_day(from_day, "--from"), parse_day(to_day, "--to")
    if first > last:
        raise typer.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    return first, last


@app.command()
def generate(
    month: Annotated[str, typer.Option(help="The month to simulate, YYYY-MM.")] = "2026-10",
    agents: Annotated[int, typer.Option(help="How many employees the shop has.")] = 12,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 7,
    scale: Annotated[float, typer.Option(help="Multiplies the traffic volume.")] = 1.0,
    out: Annotated[Path | None, typer.Option(
        help="The landing zone to write (default: KEFU_LANDING).")] = None,
) -> None:
    """Write a realistic sample shop month of Taobao exports into the landing zone."""
    from pipelines.generator import generate as generate_shop

    month_days(month)
    out = out.absolute() if out else Settings.from_env().landing
    console.print(f"out {out}", soft_wrap=True, markup=False, highlight=False)
    with console.status(f"Simulating the shop's {month} ..."):
        manifest = generate_shop(month, out, agents=agents, seed=seed, scale=scale)
    table = Table(title=f"Generated {month} into {out}")
    table.add_column("source")
    table.add_column("rows", justify="right")
    for source, rows in sorted(manifest["counts"].items()):
        table.add_row(source, f"{rows:,}")
    console.print(table)
    console.print(f"Roster: {out / '_roster.csv'}   manifest: {out / '_manifest.json'}   "
                  f"planted bad rows: {len(manifest['bad_rows'])}")


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


# The steps that report once per day of the run; the others once per run.
DAILY_STEPS = {"raw.chats", "raw.orders", "raw.refunds", "raw.ratings"}


@contextmanager
def failures_in_one_line() -> Iterator[None]:
    """A run refused or failed (bad configuration, landing root, a step's error) is printed as
    its own message, in red, and the command exits 1; a failed run's traces go to a log."""
    from pipelines.config.rules import ConfigError
    from pipelines.ingest.landing import LandingZoneError
    from pipelines.orchestration.preflight import BackfillFailed

    try:
        yield
    except (BackfillFailed, ConfigError, LandingZoneError) as failure:
        report_failure(str(failure), failure.trace if isinstance(failure, BackfillFailed) else "")
        raise typer.Exit(1) from failure


def report_failure(message: str, trace: str) -> None:
    """`message` in red, then, if there is a `trace`, the path of the log it is written to: the
    stacks are for whoever fixes a bug, not for the ops lead reading the message."""
    console.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    if trace:
        console.print(f"the full error is in {write_log(trace)}", soft_wrap=True, markup=False,
                      highlight=False)


def write_log(trace: str) -> Path:
    """Append `trace` to `<warehouse folder>/logs/kefu-<timestamp>.log` (data/logs by default):
    beside the shop's data it is about, so that it follows KEFU_WAREHOUSE as the lock file and
    the what-if scratch file do, and a test's or a second shop's logs stay apart."""
    folder = Settings.from_env().warehouse.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    path = folder / f"kefu-{now:%Y%m%d-%H%M%S}.log"
    with path.open("a", encoding="utf-8") as log:  # two failures in one second: one log
        log.write(f"{now:%Y-%m-%d %H:%M:%S} {shlex.join(sys.argv)}\n\n{trace}\n")
    return path


def start_run(settings: Settings) -> None:
    """`pipelines.orchestration.preflight` as a command starts, before it imports Dagster."""
    from pipelines.orchestration.preflight import preflight

    with failures_in_one_line():
        preflight(settings)


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


REASON_HELP = ("Why a closed month is re-run (a late refund, a corrected export): recorded with "
               "its restatement.")


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
        console.print(f"[red]{refused}[/red]", soft_wrap=True)
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
            console.print(f"[red]{missing}[/red]")
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
    from pipelines.publish.outputs import EXPORT_FORMATS, export_payroll

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
            console.print(f"[red]{failure}[/red]", soft_wrap=True)
            raise typer.Exit(1) from failure
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
        console.print(f"[yellow]note: {note}[/yellow]", soft_wrap=True)
    console.print(f"Total gross pay: current {result.current_total}, candidate "
                  f"{result.candidate_total}, difference {result.total_difference:+}   "
                  f"(candidate rows in whatif.kpi_monthly, whatif.payroll of "
                  f"{scratch_path(settings.warehouse)})", soft_wrap=True)


def refuse_closed_publish(settings: Settings, first: date, out: Path | None) -> None:
    """A closed month's published files are final: write copies elsewhere (--out) only."""
    from pipelines.warehouse.database import closed_months

    if out is not None and out.resolve() != settings.publish.resolve():
        return
    con = read_warehouse(settings)
    try:
        closed = first in closed_months(con)
    finally:
        con.close()
    if closed:
        console.print(f"[red]{first:%Y-%m} is closed: its published files are final. Give "
                      "--out to write a copy elsewhere.[/red]", soft_wrap=True)
        raise typer.Exit(1)


def refuse_month_without_payroll(settings: Settings, first: date) -> None:
    """Statements and exports are of a computed payroll: without one, stop before writing
    (an export of no rows would read as a month in which nobody was paid)."""
    con = read_warehouse(settings)
    try:
        rows = con.execute("SELECT count(*) FROM marts.payroll WHERE month = ?",
                           [first]).fetchall()[0][0]
    finally:
        con.close()
    if not rows:
        console.print(f"no payroll for {first:%Y-%m}: run `kefu payroll --month {first:%Y-%m}` "
                      f"or `kefu backfill --month {first:%Y-%m}` first", style="red",
                      soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1)


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
