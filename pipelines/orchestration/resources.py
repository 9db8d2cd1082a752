"""Resources the assets share, configured once in `Definitions` from the `KEFU_*` settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.warehouse.database import prepare
from pipelines.warehouse.writer_lock import writer_lock


class Warehouse(DuckDBResource):
    """The DuckDB warehouse file; every connection comes with the schemas and SQL macros ready,
    and holds the writer lock (pipelines/warehouse/writer_lock.py) while it is open, so that a run
    launched from the UI queues behind a `kefu` command and the other way round. Inside a `kefu`
    command, which holds the lock already, it is re-entrant.

    During a run, the first step's connection stays open for the steps after it and closes when
    the run ends: opening the file, preparing it and checkpointing it on close cost ~0.2 s a
    step. Outside a run (`connect` called directly), each connection closes with its block."""

    _run_id: str | None = PrivateAttr(default=None)
    _in_run: bool = PrivateAttr(default=False)
    _open: tuple[ExitStack, duckdb.DuckDBPyConnection] | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[Warehouse]:
        self._run_id = context.run_id
        self._in_run = True
        try:
            yield self
        finally:
            self._in_run = False
            if self._open is not None:
                stack, _ = self._open
                self._open = None
                stack.close()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._open is not None:
            yield self._open[1]
            return
        stack = ExitStack()
        try:
            con = stack.enter_context(self._connection())
        except BaseException:
            stack.close()
            raise
        if self._in_run:
            self._open = (stack, con)
            yield con
            return
        with stack:
            yield con

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        run = f"Dagster run {self._run_id[:8]}" if self._run_id else "a Dagster run"
        with writer_lock(self.database, run), self.get_connection() as con:
            # get_connection closes only on success: a failed run must not leave the file
            # open, or the next connection in this process is refused or sees stale state.
            try:
                yield prepare(con)
            finally:
                con.close()


class KefuPaths(ConfigurableResource):
    """The folders the pipeline reads (landing zone, config) and writes (publish)."""

    landing: str
    config: str
    publish: str

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

    @property
    def config_path(self) -> Path:
        return Path(self.config)

    @property
    def publish_path(self) -> Path:
        return Path(self.publish)
