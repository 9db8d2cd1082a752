"""`kefu.duckdb` in `KEFU_PUBLISH`: a read-only copy of the `marts` (and, once they exist,
`audit` and `restated`) schemas, built in a temporary file next to it and renamed into place, so
a reader that keeps the old file open during a run goes on seeing the old snapshot until it
reopens."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb

from pipelines.publish.atomic import atomic_path
from pipelines.warehouse.database import sql_identifier, sql_literal

SNAPSHOT_NAME = "kefu.duckdb"
SNAPSHOT_SCHEMAS = ("marts", "audit", "restated")
# Single tables of other schemas that readers of the snapshot need (what-if: the adjustments;
# statements: the plan's tiers and proration, for the next tier).
SNAPSHOT_TABLES = ("raw.adjustments", "config.plan_versions", "config.plan_tiers")


def write_snapshot(con: duckdb.DuckDBPyConnection, publish_dir: Path) -> tuple[Path, int]:
    """Copy every table (and view, as a table) of the SNAPSHOT_SCHEMAS, and the SNAPSHOT_TABLES,
    of the warehouse `con` is connected to into `<publish_dir>/kefu.duckdb`, table and column
    comments included; return the path and the number of tables copied.

    The copy is read in one transaction (a consistent state of the marts), written into a
    temporary file attached to `con`, and renamed over the old file, which a reader may hold
    open: on POSIX it keeps reading the old snapshot until it reconnects. The file is made
    read-only (mode 0444), so it is only ever replaced, never edited."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    schemas = list(SNAPSHOT_SCHEMAS)
    relations = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() "
        "WHERE database_name = ? AND (schema_name IN (SELECT unnest(?)) "
        "OR schema_name || '.' || table_name IN (SELECT unnest(?))) "
        "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) AND NOT internal "
        "ORDER BY 1, 2", [database, schemas, list(SNAPSHOT_TABLES), database, schemas]).fetchall()
    column_comments = con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) "
        "AND comment IS NOT NULL AND comment <> '' ORDER BY 1, 2, column_index",
        [database, schemas]).fetchall()
    existing = _schemas(con, database)
    present = [schema for schema in dict.fromkeys(
        [*SNAPSHOT_SCHEMAS, *(t.split(".")[0] for t in SNAPSHOT_TABLES)]) if schema in existing]
    target = publish_dir / SNAPSHOT_NAME
    with atomic_path(target) as tmp:
        con.execute(f"ATTACH {sql_literal(str(tmp))} AS snapshot")
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                for schema in present:
                    con.execute(f"CREATE SCHEMA snapshot.{sql_identifier(schema)}")
                for schema, table, comment in relations:
                    name = f"{sql_identifier(schema)}.{sql_identifier(table)}"
                    con.execute(f"CREATE TABLE snapshot.{name} AS SELECT * FROM "
                                f"{sql_identifier(database)}.{name}")
                    if comment:
                        con.execute(f"COMMENT ON TABLE snapshot.{name} IS {sql_literal(comment)}")
                for schema, table, column, comment in column_comments:
                    name = ".".join(map(sql_identifier, (schema, table, column)))
                    con.execute(f"COMMENT ON COLUMN snapshot.{name} IS {sql_literal(comment)}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT snapshot")
        finally:
            con.execute("DETACH snapshot")
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target, len(relations)


def _schemas(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?",
                       [database]).fetchall()
    return {row[0] for row in rows}
