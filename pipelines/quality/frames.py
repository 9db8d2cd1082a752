"""The frames the suites judge: a run's scope (days, schema, source), windows of at most
ROWS_PER_CHECK rows, the columns a suite's expectations read, and the query its `meta.kefu`
asks for, fetched from DuckDB as an Arrow table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.quality.specs import suite_spec
from pipelines.warehouse.database import SQL_DIR, sql_statements

# Rows of a table judged in one validation: pandas holds them (the suite's columns only).
ROWS_PER_CHECK = 1_000_000


def columns(spec: dict[str, Any]) -> list[str]:
    """What the frame selects for a suite: each column its expectations name, in first-mention
    order, then its `row_key` (what a failure names the rows by). A column that is only ever
    checked for nulls is selected as its nullness (NULL or 1 under its own name): a raw row's
    record need not be copied into pandas to be judged present."""
    uses: dict[str, set[str]] = {}
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        named = [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
        for column in [*named, *kwargs.get("column_list", [])]:
            uses.setdefault(column, set()).add(expectation["type"])
    for column in spec.get("meta", {}).get("kefu", {}).get("row_key", []):
        uses.setdefault(column, set()).add("row_key")
    return [f"CASE WHEN {column} IS NULL THEN NULL ELSE 1 END AS {column}"
            if types == {"expect_column_values_to_not_be_null"} else column
            for column, types in uses.items()]


def in_schema(sql: str, schema: str) -> str:
    """A suite's table or query pointed at `schema` instead of marts: a closed month's re-run is
    judged on its restated.* rows, its marts rows being final (pipelines/pay/closing.py)."""
    return sql if schema == "marts" else sql.replace("marts.", f"{schema}.")


@dataclass(frozen=True)
class Scope:
    """The rows a run's suites judge: the days first..last of `schema`'s tables (for the
    per-source suites, one source's)."""

    first: date
    last: date
    schema: str = "marts"
    source: str | None = None


def _fetch(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any]) -> pa.Table:
    """A query's rows as an Arrow table (5x faster than `.df()`), DECIMAL columns as DOUBLE,
    as `.df()` would give them: GX runs much slower on Arrow-backed DECIMAL columns."""
    relation = con.sql(query, params=params)
    columns = [f'CAST("{name}" AS DOUBLE) AS "{name}"' if str(kind).startswith("DECIMAL")
               else f'"{name}"' for name, kind in zip(relation.columns, relation.types,
                                                        strict=True)]
    return _compact(relation.select(", ".join(columns)).to_arrow_table())


def _compact(rows: pa.Table, sample: int = 100_000) -> pa.Table:
    """Text columns of few distinct values (a file name, an account, a sender) dictionary-
    encoded: the frame crosses to the validating process at a third of its size, and pandas
    judges such a column as a categorical, 3x faster. Told from a sample of the first rows;
    a column of many values (a message key) stays as it is."""
    if rows.num_rows <= sample:
        return rows
    columns = [column.dictionary_encode()
               if pa.types.is_string(column.type) and len(column.slice(0, sample).unique())
               < sample // 10 else column for column in rows.columns]
    return pa.table(columns, names=rows.column_names)


def _table_query(meta: dict[str, Any], columns: list[str], scope: Scope,
                 params: dict[str, Any]) -> str:
    # Only the columns the expectations read: a raw partition's JSON records would otherwise
    # all be copied into pandas. A suite without a day column judges its whole table: keys
    # that are global (an order id) must be unique across every day, not within the run's.
    query = f"SELECT {', '.join(columns)} FROM {in_schema(meta['table'], scope.schema)}"
    if "day_column" in meta:
        query += f" WHERE {meta['day_column']} BETWEEN $first AND $last"
        params.update(first=scope.first, last=scope.last)
    if scope.source is not None and meta.get("per_source"):
        query += (" AND" if "day_column" in meta else " WHERE") + " source = $source"
        params["source"] = scope.source
    return query


def frame(con: duckdb.DuckDBPyConnection, meta: dict[str, Any], columns: list[str],
           scope: Scope) -> pa.Table:
    params: dict[str, Any] = {}
    if "volume_of" in meta:
        # rows per day of the partition and the day before it, to compare each with the last
        params.update(first=scope.first, last=scope.last)
        query = (f"SELECT day, rows, rows / nullif(lag(rows) OVER (ORDER BY day), 0) "
                 f"AS share_of_previous_day FROM ("
                 f"SELECT CAST(d AS DATE) AS day, (SELECT count(*) FROM {meta['volume_of']} "
                 f"WHERE {meta['day_column']} = CAST(d AS DATE)) AS rows "
                 f"FROM range(CAST($first AS DATE) - 1, CAST($last AS DATE) + 1, "
                 f"INTERVAL 1 DAY) AS t(d)) QUALIFY day >= $first AND day <= $last")
    elif "query" in meta:
        statements = sql_statements(in_schema(
            (SQL_DIR / meta["query"]).read_text(encoding="utf-8"), scope.schema))
        for statement in statements[:-1]:
            con.execute(statement)
        query = statements[-1]
        params.update(first=scope.first, last=scope.last)
        if "$source" in query:
            params["source"] = scope.source
    else:
        query = _table_query(meta, columns, scope, params)
    return _fetch(con, query, params)


def check_windows(con: duckdb.DuckDBPyConnection, name: str, first: date, last: date,
                  schema: str = "marts") -> list[tuple[date, date]]:
    """Consecutive ranges of days covering first..last, each with at most ROWS_PER_CHECK rows of
    the suite's table (a bigger day stands alone): a month of 10M chat rows never sits in pandas
    at once, while a small shop's month is judged in one validation."""
    meta = suite_spec(name)["meta"]["kefu"]
    if "table" not in meta or "day_column" not in meta:
        return [(first, last)]
    rows_by_day = dict(con.execute(
        f"SELECT {meta['day_column']}, count(*) FROM {in_schema(meta['table'], schema)} "
        f"WHERE {meta['day_column']} BETWEEN ? AND ? GROUP BY ALL", [first, last]).fetchall())
    windows, start, rows, day = [], first, 0, first
    while day <= last:
        if rows and rows + rows_by_day.get(day, 0) > ROWS_PER_CHECK:
            windows.append((start, day - timedelta(days=1)))
            start, rows = day, 0
        rows += rows_by_day.get(day, 0)
        day += timedelta(days=1)
    return [*windows, (start, last)]
