"""Resources the assets share, configured once in `Definitions` from the `KEFU_*` settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from pipelines.warehouse import prepare


class Warehouse(DuckDBResource):
    """The DuckDB warehouse file; every connection comes with the schemas and SQL macros ready."""

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with self.get_connection() as con:
            # get_connection closes only on success: a failed step must not leave the file
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
