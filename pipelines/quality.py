"""Great Expectations suites (`expectations/<schema>.<table>.json`) run on a partition's rows.

A suite's `meta.kefu` says which rows it judges: `table` and `day_column` (the rows of the
partition's days or months), or `query`, a file in `sql/checks/` that builds the frame the suite
judges (for rules across tables: gross pay against its lines, one payroll row per roster
employee). `blocking: true` marks the payroll path. Each expectation may say
`meta.severity: warn`; the others are errors. Every evaluated expectation lands in
`audit.check_results`. GX runs on pandas frames fetched from DuckDB: its SQL data source does
not work on DuckDB 2.0 (see STACK-NOTES).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import duckdb

from pipelines.warehouse import SQL_DIR, sql_statements

EXPECTATIONS_DIR = SQL_DIR.parent / "expectations"
# Rows of a table judged in one validation: pandas holds them (the suite's columns only).
ROWS_PER_CHECK = 1_000_000


@dataclass(frozen=True)
class Outcome:
    expectation: str
    severity: str
    success: bool
    observed_value: str | None
    unexpected_count: int | None


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    blocking: bool
    outcomes: list[Outcome]

    @property
    def passed(self) -> bool:
        """Passed unless an error-severity expectation failed (warnings never block)."""
        return all(o.success or o.severity == "warn" for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]


def suite_spec(name: str) -> dict[str, Any]:
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def suites_for(table: str) -> list[str]:
    """The suites that judge a table: `<schema>.<table>.json` and `<schema>.<table>.<rule>.json`."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob(f"{table}*.json")
                  if p.stem == table or p.stem.startswith(f"{table}."))


def _columns(spec: dict[str, Any]) -> list[str]:
    """What the frame selects for a suite: each column its expectations name, in first-mention
    order. A column that is only ever checked for nulls is selected as its nullness (NULL or 1
    under its own name): a raw row's JSON record need not be copied into pandas to be judged
    present."""
    uses: dict[str, set[str]] = {}
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        named = [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
        for column in [*named, *kwargs.get("column_list", [])]:
            uses.setdefault(column, set()).add(expectation["type"])
    return [f"CASE WHEN {column} IS NULL THEN NULL ELSE 1 END AS {column}"
            if types == {"expect_column_values_to_not_be_null"} else column
            for column, types in uses.items()]


@cache
def _gx() -> tuple[Any, Any, Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # imported lazily: about 3 s
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch under 1 GB by hashing all of it, for a batch marker
    # nothing here reads: at a day of 400k chat rows that was 40% of a suite's time.
    pandas_execution_engine.HASH_THRESHOLD = 0

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batches = context.data_sources.add_pandas("kefu").add_dataframe_asset("rows") \
        .add_batch_definition_whole_dataframe("partition")
    return gx, context, batches


def in_schema(sql: str, schema: str) -> str:
    """A suite's table or query pointed at `schema` instead of marts: a closed month's re-run is
    judged on its restated.* rows, its marts rows being final (pipelines/closing.py)."""
    return sql if schema == "marts" else sql.replace("marts.", f"{schema}.")


def _frame(con: duckdb.DuckDBPyConnection, meta: dict[str, Any], columns: list[str],
           first: date, last: date, source: str | None, schema: str) -> Any:
    params: dict[str, Any] = {"first": first, "last": last}
    if "volume_of" in meta:
        # rows per day of the partition and the day before it, to compare each with the last
        query = (f"SELECT day, rows, rows / nullif(lag(rows) OVER (ORDER BY day), 0) "
                 f"AS share_of_previous_day FROM ("
                 f"SELECT CAST(d AS DATE) AS day, (SELECT count(*) FROM {meta['volume_of']} "
                 f"WHERE {meta['day_column']} = CAST(d AS DATE)) AS rows "
                 f"FROM range(CAST($first AS DATE) - 1, CAST($last AS DATE) + 1, "
                 f"INTERVAL 1 DAY) AS t(d)) QUALIFY day >= $first AND day <= $last")
    elif "query" in meta:
        statements = sql_statements(in_schema(
            (SQL_DIR / meta["query"]).read_text(encoding="utf-8"), schema))
        for statement in statements[:-1]:
            con.execute(statement)
        query = statements[-1]
        if "$source" in query:
            params["source"] = source
    else:
        # Only the columns the expectations read: a raw partition's JSON records would
        # otherwise all be copied into pandas.
        query = (f"SELECT {', '.join(columns)} FROM {in_schema(meta['table'], schema)} "
                 f"WHERE {meta['day_column']} BETWEEN $first AND $last")
        if source is not None and meta.get("per_source"):
            query += " AND source = $source"
            params["source"] = source
    return con.sql(query, params=params).df()


def check_windows(con: duckdb.DuckDBPyConnection, name: str, first: date, last: date,
                  schema: str = "marts") -> list[tuple[date, date]]:
    """Consecutive ranges of days covering first..last, each with at most ROWS_PER_CHECK rows of
    the suite's table (a bigger day stands alone): a month of 10M chat rows never sits in pandas
    at once, while a small shop's month is judged in one validation."""
    meta = suite_spec(name)["meta"]["kefu"]
    if "table" not in meta:
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


def run_suite(con: duckdb.DuckDBPyConnection, name: str, first: date, last: date, run_id: str,
              source: str | None = None, schema: str = "marts") -> SuiteResult:
    """Judge the rows of first..last with suite `name`; record every expectation's outcome."""
    spec = suite_spec(name)
    meta = spec.get("meta", {}).get("kefu", {})
    frame = _frame(con, meta, _columns(spec), first, last, source, schema)
    gx, _, batches = _gx()
    suite = gx.ExpectationSuite(name=f"{name}:{source or ''}", expectations=[
        {"type": e["type"], "kwargs": e["kwargs"], "meta": e.get("meta", {})}
        for e in spec["expectations"]])
    results = batches.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    outcomes = []
    for result in results.results:
        config = result.expectation_config
        columns = ",".join(str(config.kwargs[k]) for k in ("column", "column_A", "column_B",
                                                           "column_list") if k in config.kwargs)
        observed = result.result.get("observed_value")
        outcomes.append(Outcome(
            expectation=f"{config.type}({columns})",
            severity=(config.meta or {}).get("severity", "error"),
            success=bool(result.success),
            observed_value=None if observed is None else str(observed),
            unexpected_count=result.result.get("unexpected_count"),
        ))
    label = f"{first}..{last}" + (f" {source}" if source else "") + \
        (f" {schema}" if schema != "marts" else "")
    con.executemany(
        "INSERT INTO audit.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [[run_id, label, name, o.expectation, o.severity, o.success, o.observed_value,
          o.unexpected_count] for o in outcomes],
    )
    return SuiteResult(name, bool(meta.get("blocking")), outcomes)


def blocking_suites() -> list[str]:
    """The payroll path: the suites whose failure keeps a payroll from being published."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")
                  if suite_spec(p.stem)["meta"]["kefu"].get("blocking"))


def publish_gate(con: duckdb.DuckDBPyConnection, first: date, last: date,
                 run_id: str) -> list[SuiteResult]:
    """Judge the payroll and every input it stands on, as they are now, for first..last;
    return the suites that failed (an empty list lets the payroll be published)."""
    results = [run_suite(con, suite, first, last, run_id) for suite in blocking_suites()]
    return [r for r in results if not r.passed]
