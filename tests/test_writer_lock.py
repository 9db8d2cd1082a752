"""One writer at a time, readers never fail: real processes on real DuckDB files.

A holder process takes the writer lock and keeps the warehouse open read-write (as a run does,
which shuts every other process out of the file); meanwhile the read commands answer from the
published snapshot, and a second writer waits, or fails naming the holder, having written
nothing. No fixed sleeps: each step waits for a line the other process prints."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.config.settings import Settings
from pipelines.orchestration.resources import Warehouse
from pipelines.pay.whatif import scratch_path
from pipelines.warehouse.writer_lock import (
    LockTimeout,
    holds_writer_lock,
    lock_path,
    reading,
    writer_lock,
)
from tests.conftest import use_env

REPO = Path(__file__).resolve().parent.parent
KEFU = Path(sys.executable).with_name("kefu")
WAIT = 120  # seconds: generous upper bounds, never a pace the test relies on

# Holds the writer lock and a read-write DuckDB connection, as a run does, until stdin closes.
HOLDER = textwrap.dedent("""
    import sys, duckdb
    from pipelines.warehouse.writer_lock import writer_lock
    with writer_lock(sys.argv[1], sys.argv[2]):
        con = duckdb.connect(sys.argv[1])
        print("READY", flush=True)
        sys.stdin.read()
        con.close()
""")

# Holds a reader's share of the lock (and a read-only connection) until stdin closes.
READER = textwrap.dedent("""
    import sys
    from pipelines.warehouse.writer_lock import reading
    with reading(sys.argv[1]) as con:
        con.execute("SELECT count(*) FROM marts.payroll").fetchall()
        print("READY", flush=True)
        sys.stdin.read()
""")

# A second writer: says when it has the lock.
WRITER = textwrap.dedent("""
    import sys
    from pipelines.warehouse.writer_lock import writer_lock
    with writer_lock(sys.argv[1], "second writer"):
        print("ACQUIRED", flush=True)
""")


@pytest.fixture
def month(clean_month: Settings, tmp_path: Path) -> Settings:
    """The published October with its own warehouse and publish folder (landing and config are
    only read)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    shutil.copytree(clean_month.publish, tmp_path / "publish")
    for path in (tmp_path / "publish").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the snapshot is 0444; copies may go
    return replace(clean_month, warehouse=warehouse, publish=tmp_path / "publish")


def environment(settings: Settings, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(KEFU_LANDING=str(settings.landing), KEFU_WAREHOUSE=str(settings.warehouse),
               KEFU_CONFIG=str(settings.config), KEFU_PUBLISH=str(settings.publish),
               DAGSTER_HOME=str(tmp_path / "dagster_home"), GX_ANALYTICS_ENABLED="false",
               **extra)
    return env


def read_line(proc: subprocess.Popen, timeout: float = WAIT) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the process printed nothing in time"
    return proc.stdout.readline().rstrip("\n")


def wait_for(proc: subprocess.Popen, text: str) -> list[str]:
    """Lines up to and including the first one containing `text`."""
    lines = []
    while True:
        line = read_line(proc)
        lines.append(line)
        assert line or proc.poll() is None, f"ended without printing {text!r}: {lines}"
        if text in line:
            return lines


@contextmanager
def process(script: str, *args: str) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], cwd=REPO, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def holding(warehouse: Path, command: str = "kefu backfill --month 2026-10") \
        -> Iterator[subprocess.Popen]:
    with process(HOLDER, str(warehouse), command) as holder:
        assert read_line(holder) == "READY"
        yield holder


def kefu(settings: Settings, tmp_path: Path, *args: str, **env: str) \
        -> subprocess.CompletedProcess:
    return subprocess.run([str(KEFU), *args], cwd=tmp_path, text=True, capture_output=True,
                          env=environment(settings, tmp_path, **env), timeout=WAIT)


def counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    finally:
        con.close()


# --- the lock itself -----------------------------------------------------------------------------


def test_the_writer_lock_is_reentrant_and_records_its_holder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("KEFU_LOCK_TIMEOUT", "0")  # a self-deadlock fails instead of hanging
    warehouse = tmp_path / "w.duckdb"
    lock = lock_path(warehouse)
    assert lock == tmp_path / "w.duckdb.lock"
    with writer_lock(warehouse, "kefu backfill --month 2026-10"):
        assert holds_writer_lock(warehouse)
        assert f'"pid": {os.getpid()}' in lock.read_text()
        assert "kefu backfill --month 2026-10" in lock.read_text()
        with writer_lock(warehouse, "inner"), Warehouse(database=str(warehouse)).connect() as con:
            # the Dagster resource inside a command that holds the lock: no deadlock
            con.execute("CREATE TABLE t AS SELECT 1 AS a")
        assert holds_writer_lock(warehouse)
    assert not holds_writer_lock(warehouse)
    assert lock.read_text() == ""
    assert not warehouse.with_name("w.duckdb.lock.lock").exists()


def test_a_second_writer_waits_for_the_first_then_writes(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    with holding(warehouse) as holder, process(WRITER, str(warehouse)) as second:
        line = read_line(second)
        assert line.startswith("waiting for the warehouse: kefu backfill --month 2026-10 "
                               f"(pid {holder.pid}) has been writing since "), line
        assert second.poll() is None
        holder.stdin.close()  # the first writer finishes
        assert read_line(second) == "ACQUIRED"
        assert second.wait(timeout=WAIT) == 0


def test_the_dagster_resource_takes_the_same_lock(tmp_path: Path, monkeypatch):
    """A run launched from the UI connects through the Warehouse resource: it queues behind a
    `kefu` command, and with KEFU_LOCK_TIMEOUT gives up without opening the file."""
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("KEFU_LOCK_TIMEOUT", "0.2")
    with holding(warehouse, "kefu nightly --date 2026-10-05") as holder:
        expected = (rf"kefu nightly --date 2026-10-05 \(pid {holder.pid}\) has been writing "
                    r"since .*; nothing was written")
        with pytest.raises(LockTimeout, match=expected), \
                Warehouse(database=str(warehouse)).connect():
            pytest.fail("connected while another process writes")


def test_a_reader_holds_writers_off_only_while_it_reads(month: Settings, monkeypatch):
    monkeypatch.setenv("KEFU_LOCK_TIMEOUT", "0.2")
    with process(READER, str(month.warehouse)) as reader:
        assert read_line(reader) == "READY"
        with pytest.raises(LockTimeout, match="another process has it open"), \
                writer_lock(month.warehouse, "kefu payroll --month 2026-10"):
            pytest.fail("a writer got in under a reader")
        reader.stdin.close()
        assert reader.wait(timeout=WAIT) == 0
    with writer_lock(month.warehouse, "kefu payroll --month 2026-10"):
        pass


# --- commands while a run writes -----------------------------------------------------------------


def test_a_second_cli_writer_gives_up_naming_the_holder_having_written_nothing(
        month: Settings, tmp_path: Path):
    before = counts(month.warehouse)
    with holding(month.warehouse) as holder:
        stat = month.warehouse.stat()
        out = kefu(month, tmp_path, "backfill", "--month", "2026-10", KEFU_LOCK_TIMEOUT="1")
        assert out.returncode == 1, out.stdout + out.stderr
        lines = out.stdout.splitlines()
        assert lines[0] == f"warehouse {month.warehouse} · landing {month.landing}"
        waited = (f"kefu backfill --month 2026-10 (pid {holder.pid}) has been writing since ")
        assert lines[1].startswith(f"waiting for the warehouse: {waited}"), out.stdout
        assert lines[2].startswith("gave up waiting for the warehouse after 1 s "
                                   f"(KEFU_LOCK_TIMEOUT): {waited}"), out.stdout
        assert lines[2].endswith("; nothing was written"), out.stdout
        assert (month.warehouse.stat().st_mtime_ns, month.warehouse.stat().st_size) == \
            (stat.st_mtime_ns, stat.st_size)
        assert not (tmp_path / "dagster_home").exists()  # no run was even started
    assert counts(month.warehouse) == before


def test_read_commands_answer_from_the_snapshot_while_a_run_writes(month: Settings,
                                                                   tmp_path: Path):
    published_csv = (month.publish / "payroll_2026-10.csv").read_bytes()
    statement = (month.publish / "statements" / "2026-10" / "E01.html")
    with holding(month.warehouse) as holder:
        reading_note = (f"kefu backfill --month 2026-10 (pid {holder.pid}) has been writing "
                        f"since ")
        for args in (("export", "--month", "2026-10", "--out", str(tmp_path / "out")),
                     ("restatement", "--month", "2026-10"),
                     ("statement", "--month", "2026-10", "--out", str(tmp_path / "out")),
                     ("whatif", "--plan", str(month.config / "plan.yaml"),
                      "--month", "2026-10")):
            out = kefu(month, tmp_path, *args)
            assert out.returncode == 0, f"{args}: {out.stdout}{out.stderr}"
            lines = out.stdout.splitlines()
            assert lines[0] == f"warehouse {month.warehouse} · landing {month.landing}"
            assert any(line.startswith(reading_note) and line.endswith(
                f"reading the published snapshot {month.publish / 'kefu.duckdb'}")
                for line in lines), out.stdout
        assert (tmp_path / "out" / "payroll_2026-10.csv").read_bytes() == published_csv
        assert (tmp_path / "out" / "statements" / "2026-10" / "E01.html").read_bytes() == \
            statement.read_bytes()
        assert "difference +0.00" in out.stdout  # what-if with the plan in force
        assert holder.poll() is None
    # the what-if scratch tables went beside the warehouse, not into it
    con = duckdb.connect(str(scratch_path(month.warehouse)), read_only=True)
    assert con.execute("SELECT count(*) FROM whatif.payroll").fetchall()[0][0] > 0
    con.close()


def test_read_commands_read_the_warehouse_read_only_when_no_run_writes(month: Settings,
                                                                       tmp_path: Path,
                                                                       monkeypatch):
    use_env(monkeypatch, month)
    stat = month.warehouse.stat()
    out = CliRunner().invoke(app, ["export", "--month", "2026-10", "--out", str(tmp_path / "o")],
                             terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "snapshot" not in out.output
    assert (tmp_path / "o" / "payroll_2026-10.csv").read_bytes() == \
        (month.publish / "payroll_2026-10.csv").read_bytes()
    assert month.warehouse.stat().st_mtime_ns == stat.st_mtime_ns
    # and a writer can have it the moment the reader is done
    monkeypatch.setenv("KEFU_LOCK_TIMEOUT", "0")
    with writer_lock(month.warehouse, "kefu payroll --month 2026-10"):
        pass


def test_a_reader_without_a_snapshot_waits_for_the_writer(month: Settings, monkeypatch):
    notes: list[str] = []
    with holding(month.warehouse):
        with pytest.raises(LockTimeout, match=r"no published snapshot at .* to read instead"), \
                reading(month.warehouse, month.publish / "absent.duckdb", notes.append,
                        timeout=0.2):
            pytest.fail("read the warehouse while another process writes")
        assert notes[0].startswith("waiting for the warehouse: kefu backfill --month 2026-10")


# --- no warehouse, no creating one ---------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["statement", "--month", "2026-10"],
    ["export", "--month", "2026-10"],
    ["restatement", "--month", "2026-10"],
    ["whatif", "--plan", "config/plan.yaml", "--month", "2026-10"],
    ["close", "--month", "2026-10"],
])
def test_a_read_command_never_creates_a_warehouse(args: list[str], settings: Settings,
                                                  tmp_path: Path, monkeypatch):
    use_env(monkeypatch, settings)
    out = CliRunner().invoke(app, args, terminal_width=300)
    assert out.exit_code == 1, out.output
    assert out.output.splitlines() == [
        f"warehouse {settings.warehouse} · landing {settings.landing}",
        f"no warehouse at {settings.warehouse}: run `kefu backfill --month 2026-10` first, "
        "or set KEFU_WAREHOUSE",
    ]
    assert not settings.warehouse.exists()
    assert list(tmp_path.iterdir()) == []  # no lock file, no folders either


def test_generate_prints_its_out_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["generate", "--month", "2026-10", "--agents", "5",
                                   "--scale", "0.02", "--out", "shop"], terminal_width=300)
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == f"out {tmp_path / 'shop'}"
    assert (tmp_path / "shop" / "_manifest.json").is_file()
