"""One writer at a time on the warehouse, and readers that never fail because a run is writing.

DuckDB lets one process open a file read-write, and while it does, no other process can open it
at all, not even read-only. So every writer takes `<warehouse>.lock` (flock(2), exclusive) before
it opens the file: the `kefu` writing commands (backfill, nightly, payroll, close) for their whole
duration, and the Dagster `Warehouse` resource for each connection (runs launched from the UI).
The lock is re-entrant within a process: the CLI holds it, the resource inside the same process
counts up. A second writer waits, saying once whom it waits for (the lock file holds its holder's
command, pid and start time), or, after `KEFU_LOCK_TIMEOUT` seconds (default: wait forever),
fails before it has written anything.

Readers (`reading`) take the lock shared and without waiting: when no writer holds it they read
the warehouse through a read-only connection (a writer that comes meanwhile waits for them: they
are short); when a writer holds it they read the published snapshot `<publish>/kefu.duckdb`
instead, which only ever changes by an atomic rename. Without a snapshot they wait for the writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.warehouse.database import connect, connect_readonly

TIMEOUT_ENV = "KEFU_LOCK_TIMEOUT"
POLL_SECONDS = 0.05
Notify = Callable[[str], None]


class LockTimeout(Exception):
    """The warehouse stayed locked longer than KEFU_LOCK_TIMEOUT; nothing was written."""


class NoWarehouse(LookupError):
    """A reader found no warehouse file (and did not create one)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no warehouse at {path}")
        self.path = path


def lock_path(warehouse: Path | str) -> Path:
    path = Path(os.path.abspath(warehouse))
    return path.with_name(path.name + ".lock")


def lock_timeout() -> float | None:
    """Seconds to wait for the lock (KEFU_LOCK_TIMEOUT); None: wait as long as it takes."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV} must be a number of seconds, got {raw!r}") from None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class _Held:
    fd: int
    count: int


_HELD: dict[Path, _Held] = {}  # lock file -> this process's exclusive hold on it
_GUARD = threading.Lock()


def holds_writer_lock(warehouse: Path | str) -> bool:
    """Whether this process holds the warehouse's writer lock."""
    with _GUARD:
        return lock_path(warehouse) in _HELD


def holder(lock: Path) -> str | None:
    """Who writes, as the holder recorded it: 'kefu backfill --month 2026-10 (pid 123) has been
    writing since 10:02:11'; None when unknown (no writer, only readers, or a writer gone)."""
    try:
        info = json.loads(lock.read_text(encoding="utf-8"))
        pid, command, since = int(info["pid"]), str(info["command"]), info["since"]
        started = datetime.fromisoformat(since)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not process_alive(pid):
        return None
    when = (f"{started:%H:%M:%S}" if started.date() == datetime.now().date()
            else f"{started:%Y-%m-%d %H:%M:%S}")
    return f"{command} (pid {pid}) has been writing since {when}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _who(lock: Path) -> str:
    return holder(lock) or f"another process has it open (lock {lock})"


def _acquire(fd: int, operation: int, lock: Path, timeout: float | None,
             on_wait: Notify, what: str = "the warehouse",
             outcome: str = "nothing was written") -> None:
    """flock `fd`; if that has to wait, say so once; give up after `timeout` seconds."""
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    who = _who(lock)
    on_wait(f"waiting for {what}: {who}")
    if timeout is None:
        fcntl.flock(fd, operation)
        return
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(f"gave up waiting for {what} after {timeout:g} s "
                                  f"({TIMEOUT_ENV}): {who}; {outcome}") from None


@contextmanager
def writer_lock(warehouse: Path | str, command: str, timeout: float | str | None = "env",
                on_wait: Notify = _stderr, what: str = "the warehouse") -> Iterator[None]:
    """Hold the warehouse's writer lock for the block (re-entrant within this process).

    `command` is what a waiting writer is told holds it. `timeout`: seconds, None to wait
    forever, or "env" for KEFU_LOCK_TIMEOUT. Raises LockTimeout before anything is written.
    `what` names the file in the messages (the lock serves other scratch files too)."""
    lock = lock_path(warehouse)
    with _GUARD:
        held = _HELD.get(lock)
        if held is not None:
            held.count += 1
    if held is not None:
        try:
            yield
        finally:
            with _GUARD:
                held.count -= 1
        return
    wait = lock_timeout() if timeout == "env" else timeout
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        _acquire(fd, fcntl.LOCK_EX, lock, wait, on_wait, what)  # type: ignore[arg-type]
        info = {"pid": os.getpid(), "command": command,
                "since": datetime.now().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        with _GUARD:
            _HELD[lock] = _Held(fd, 1)
        try:
            yield
        finally:
            with _GUARD:
                del _HELD[lock]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def _open_lock(lock: Path) -> int | None:
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            return os.open(lock, flags, 0o664)
        except OSError:
            continue
    return None  # a folder the reader may not write, and no lock file yet: nobody writes


@contextmanager
def reading(warehouse: Path | str, snapshot: Path | None = None, on_note: Notify = _stderr,
            timeout: float | str | None = "env") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for reading the warehouse's marts that never needs the writer.

    No writer: a read-only connection to the warehouse, holding the lock shared. A writer at
    work: the published snapshot `snapshot` (said through `on_note`), or, without one, wait for
    the writer. In the writing process itself: an ordinary connection. Never creates the
    warehouse: raises NoWarehouse if the file does not exist."""
    warehouse = Path(os.path.abspath(warehouse))
    if not warehouse.exists():
        raise NoWarehouse(warehouse)
    if holds_writer_lock(warehouse):
        con = connect(warehouse)
        try:
            yield con
        finally:
            con.close()
        return
    lock = lock_path(warehouse)
    fd = _open_lock(lock)
    try:
        con = None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                if snapshot is not None and snapshot.exists():
                    on_note(f"{_who(lock)}: reading the published snapshot {snapshot}")
                    con = connect_readonly(snapshot)
                else:
                    wait = lock_timeout() if timeout == "env" else timeout
                    _acquire(fd, fcntl.LOCK_SH, lock, wait, on_note,  # type: ignore[arg-type]
                             outcome=f"no published snapshot at {snapshot} to read instead")
        if con is None:
            con = connect_readonly(warehouse)
        try:
            yield con
        finally:
            con.close()
    finally:
        if fd is not None:
            os.close(fd)
