"""Dagster's SQLite event log, with one engine per database file instead of one per event.

The stock `SqliteEventLogStorage` builds a SQLAlchemy engine, opens the file, commits and
disposes of it for every event it stores, twice for an asset event (the run's file and the
index): a month's backfill of 13 tables over 31 days writes about 900 events, which cost it
several seconds. Here each file's engine is kept (the run's and the index's, a few at most) and
commits in WAL mode do not wait for fsync (`synchronous=NORMAL`: the run history can lose its
last events on a power cut, never its consistency). The warehouse is DuckDB and unaffected.
With `DAGSTER_EVENT_BATCH_SIZE` set (`kefu` sets it), Dagster hands a range's asset events over
in batches, each stored in one transaction per file."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlalchemy_compat import db_result
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

OPEN_FILES = 4  # engines kept: the index and the latest runs' files


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` keeping its engines (see the module's docstring); configured in
    `$DAGSTER_HOME/dagster.yaml` as `event_log_storage`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(self.conn_string_for_shard(shard),
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _no_fsync)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_FILES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """A batch of asset events (a range's planned and done materializations, one per table
        and day) in one transaction per database file and run, not three per event; the other
        events of the batch one by one, as the stock storage stores them."""
        by_run: dict[str, list[EventLogEntry]] = {}
        for entry in events:
            if entry.is_dagster_event and entry.dagster_event_type in ASSET_EVENTS:
                by_run.setdefault(entry.run_id, []).append(entry)
            else:
                self.store_event(entry)
        for run_id, entries in by_run.items():
            statements = [self.prepare_insert_event(entry) for entry in entries]
            with self.run_connection(run_id) as conn:
                for statement in statements:
                    conn.execute(statement)
            with self.index_transaction() as conn:
                ids = []
                for statement in statements:
                    with db_result(conn, statement) as result:
                        ids.append(result.inserted_primary_key[0])
                self._store_asset_event_tags(conn, entries, ids)
                for entry, event_id in zip(entries, ids, strict=True):
                    self._store_asset_event(conn, entry, event_id)

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
