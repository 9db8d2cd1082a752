"""What a command sets up around its work: the KEFU_* settings (and, for a writing command, the
writer lock), connections that read the warehouse without blocking a run, the command line it
records as the lock's holder, and the refusals checked before a statement or export writes
anything (a closed month's published files, a month without payroll) or a plan check reads a
month without KPI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from pipelines.cli.console import console
from pipelines.config.settings import Settings


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
        from pipelines.publish.snapshot import SNAPSHOT_NAME
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
    _refuse_month_without(settings, first, "marts.payroll", "payroll")


def refuse_month_without_kpi(settings: Settings, first: date) -> None:
    """A plan check judges a scored month: without KPI there is nothing to judge."""
    _refuse_month_without(settings, first, "marts.kpi_monthly", "KPI")


def _refuse_month_without(settings: Settings, first: date, table: str, what: str) -> None:
    con = read_warehouse(settings)
    try:
        rows = con.execute(f"SELECT count(*) FROM {table} WHERE month = ?",
                           [first]).fetchall()[0][0]
    finally:
        con.close()
    if not rows:
        console.print(f"no {what} for {first:%Y-%m}: run `kefu payroll --month {first:%Y-%m}` "
                      f"or `kefu backfill --month {first:%Y-%m}` first", style="red",
                      soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(1)
