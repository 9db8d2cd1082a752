"""The DuckDB warehouse: schema set-up, the shared SQL macros, and running the files in `sql/`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

MEMORY_LIMIT = "1GB"
SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
SCHEMA_FILES = ("schema/raw.sql", "schema/staging.sql", "schema/intermediate.sql",
                "schema/config.sql", "schema/marts.sql", "schema/restated.sql")
COMMENTS_FILE = "schema/marts_comments.sql"

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")
_STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?\n")


def sql_statements(text: str) -> list[str]:
    """Split a SQL file into statements: each ends with `;` at the end of a line."""
    return [s.strip() for s in _STATEMENT_END.split(text + "\n") if _has_code(s)]


def _has_code(statement: str) -> bool:
    lines = (line.strip() for line in statement.splitlines())
    return any(line and not line.startswith("--") for line in lines)


def run_sql(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run `sql/<name>`, one statement per execute: DuckDB binds `$name` only in the last one."""
    for statement in sql_statements((SQL_DIR / name).read_text(encoding="utf-8")):
        code = _COMMENT.sub("", statement)
        used = {p: params[p] for p in dict.fromkeys(_PARAM.findall(code))}
        con.execute(statement, used or None)


def _settings(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET enable_progress_bar = false")
    # The machines have 2 cores and the pipeline must stay under 2 GB RSS: DuckDB spills to
    # disk beyond this instead of taking 80% of RAM; results that need an order say ORDER BY.
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Make a fresh connection ready for the pipeline's SQL: schemas exist, macros are loaded."""
    _settings(con)
    # A day's load commits tens of MB of WAL: checkpointing at every commit rewrote the growing
    # tables again and again (make bench: ingest 167 s -> 154 s); now at close or each 1 GB.
    con.execute("SET checkpoint_threshold = '1GB'")
    for name in SCHEMA_FILES:
        run_sql(con, name)
    _record_values(con)
    # Comments change the catalog: write them only when a marts column still lacks one, so an
    # ordinary connection never opens a write on tables another connection may be writing.
    uncommented = con.execute("SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' "
                              "AND (comment IS NULL OR comment = '')").fetchall()[0][0]
    if uncommented:
        run_sql(con, COMMENTS_FILE)
    run_sql(con, "macros.sql")
    run_sql(con, "readers.sql")
    return con


def _record_values(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before `record` held values alone (sql/schema/raw.sql) has each raw
    row's other columns as JSON keyed by header: the keys become the file's record_headers,
    the values the row's record, in the same order, so no value is lost or changed."""
    for (table,) in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'raw' "
            "AND column_name = 'record' AND data_type = 'JSON'").fetchall():
        with transaction(con):
            con.execute(
                "UPDATE raw.ingest_files AS f SET record_headers = r.headers FROM ("
                "SELECT partition_day, source_file, load_run_id, "
                "CAST(json_keys(any_value(record)) AS VARCHAR[]) AS headers "
                f"FROM raw.{table} GROUP BY ALL) AS r "
                f"WHERE f.source = '{table}' AND f.status = 'loaded' "
                "AND f.partition_day = r.partition_day AND f.file_path = r.source_file "
                "AND f.load_run_id = r.load_run_id")
            con.execute(f"ALTER TABLE raw.{table} ALTER record TYPE VARCHAR[] "
                        "USING CAST(json_extract_string(record, '$.*') AS VARCHAR[])")


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-write connection, creating the file if new: for writers, who hold the writer lock
    (pipelines/warehouse/writer_lock.py). Readers use `connect_readonly`."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return prepare(duckdb.connect(str(path)))


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing file (the warehouse or a published snapshot): the
    session settings and the value macros, and no DDL (a read-only file takes none). Raises
    duckdb.IOException if the file does not exist: it is never created."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        _settings(con)
        run_sql(con, "macros.sql")
    except BaseException:
        con.close()
        raise
    return con


def write_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert Python rows by column name, through Arrow, letting DuckDB cast to the table's types
    (Decimal stays decimal end to end)."""
    if not rows:
        return
    con.register("python_rows", pa.Table.from_pylist(rows))
    try:
        columns = ", ".join(rows[0])
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM python_rows")
    finally:
        con.unregister("python_rows")


def read_rows(con: duckdb.DuckDBPyConnection, query: str,
              params: list[Any] | None = None) -> list[dict[str, Any]]:
    """A query's rows as dicts by column name."""
    cursor = con.execute(query, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


_IN_TRANSACTION: set[int] = set()  # id() of the connections inside `transaction`


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failed partition leaves the warehouse as it was. Inside another
    transaction on the same connection it joins that one (DuckDB does not nest them)."""
    if id(con) in _IN_TRANSACTION:
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    _IN_TRANSACTION.add(id(con))
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        _IN_TRANSACTION.discard(id(con))
    con.execute("COMMIT")


def closed_months(con: duckdb.DuckDBPyConnection) -> set[date]:
    """The months `kefu close` has closed (see pipelines/pay/closing.py)."""
    return {row[0] for row in con.execute("SELECT month FROM marts.closed_months").fetchall()}


def month_table(con: duckdb.DuckDBPyConnection, table: str, month: date) -> str:
    """Where month-grained `marts.<name>` rows of `month` are current: `restated.<name>` for a
    closed month that has been re-run since, else the marts table itself."""
    name = table.split(".", 1)[1]
    if month in closed_months(con) and con.execute(
            f"SELECT count(*) FROM restated.{name} WHERE month = ?", [month]).fetchall()[0][0]:
        return f"restated.{name}"
    return table


def replace_months(con: duckdb.DuckDBPyConnection, months: list[date],
                   rows_by_table: dict[str, list[dict[str, Any]] | str]) -> None:
    """Replace the given months of month-grained marts tables with freshly computed rows (a list
    of rows, or the name of a relation holding them).

    A closed month's marts rows are final: its fresh rows go to `restated.<table>` instead, where
    the restatement (pipelines/pay/closing.py) compares them with what was paid."""
    closed = closed_months(con)
    with transaction(con):
        for table, rows in rows_by_table.items():
            restated = f"restated.{table.split('.', 1)[1]}"
            for target, target_months in ((table, [m for m in months if m not in closed]),
                                          (restated, [m for m in months if m in closed])):
                if not target_months:
                    continue
                con.execute(f"DELETE FROM {target} WHERE month IN (SELECT unnest(?))",
                            [target_months])
                if isinstance(rows, str):
                    con.execute(f"INSERT INTO {target} SELECT * FROM {rows} "
                                "WHERE month IN (SELECT unnest(?))", [target_months])
                else:
                    write_rows(con, target, [r for r in rows if r["month"] in target_months])


# A statement over more chat rows than this outgrows MEMORY_LIMIT: its sorts and hash tables
# spill to disk (make bench's 200-agent month, 9.8M messages: staging them took 21.8 s and wrote
# 4 GB of spill in one statement, 13.6 s in spans of about a week; the waits and daily metrics
# 24.3 s and 15.7 s). A week still spilled half a GB a statement where the disk is slow: in
# spans of half a week, staging the month's chats took 17.2 and 16.1 s against 24.0 and 19.8 s,
# the waits and daily metrics the same (runs paired on one warehouse).
CHAT_ROWS_PER_STATEMENT = 1_250_000


def chat_day_spans(con: duckdb.DuckDBPyConnection, first: date,
                   last: date) -> list[tuple[date, date]]:
    """first..last cut into runs of consecutive days whose loaded chat rows together stay within
    CHAT_ROWS_PER_STATEMENT (a day alone may hold more): the spans the statements over a range
    of chat messages run in. A small shop's month is one span."""
    rows = dict(con.execute(
        "SELECT partition_day, sum(rows_loaded) FROM raw.ingest_files WHERE source = 'chats' "
        "AND partition_day BETWEEN ? AND ? GROUP BY partition_day", [first, last]).fetchall())
    spans: list[tuple[date, date]] = []
    start, held = first, 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if day > start and held + rows.get(day, 0) > CHAT_ROWS_PER_STATEMENT:
            spans.append((start, day - timedelta(days=1)))
            start, held = day, 0
        held += rows.get(day, 0)
    return [*spans, (start, last)]


def range_metadata(con: duckdb.DuckDBPyConnection, table: str, day_column: str, first: date,
                   last: date) -> dict[str, Any]:
    """Row count and a markdown preview of a table's rows for a range of days."""
    where = f"FROM {table} WHERE {day_column} BETWEEN ? AND ?"
    rows = con.execute(f"SELECT count(*) {where}", [first, last]).fetchall()[0][0]
    preview = con.sql(f"SELECT * {where} ORDER BY ALL LIMIT 5", params=[first, last]).df()
    return {"rows": rows, "preview": preview.to_markdown(index=False)}


def sql_identifier(identifier: str) -> str:
    """A name quoted for SQL text (`COMMENT ON`, `ATTACH` take no parameters)."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """A string quoted for SQL text."""
    return "'" + text.replace("'", "''") + "'"
