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
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.warehouse.database import SQL_DIR, sql_statements

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


_GX: tuple[Any, Any] | None = None


def _gx() -> tuple[Any, Any]:
    """GX and the batch definition every suite validates through, set up once per process."""
    global _GX
    if _GX is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every pandas batch under 1 GB by hashing all of it, for a batch
        # marker nothing here reads: at a day of 400k chat rows that was 40% of a suite.
        pandas_execution_engine.HASH_THRESHOLD = 0
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batches = context.data_sources.add_pandas("kefu").add_dataframe_asset("rows") \
            .add_batch_definition_whole_dataframe("partition")
        _GX = gx, batches
    return _GX


_VALIDATOR: ProcessPoolExecutor | None = None


def _validator() -> ProcessPoolExecutor:
    """The process that runs GX: importing GX takes about 4 s of one core, and in a process of
    its own it takes them while the pipeline loads files on the other. Frames reach it as Arrow
    tables; it sends outcomes back."""
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = ProcessPoolExecutor(max_workers=1, initializer=_validating_process,
                                         initargs=(os.getpid(),),
                                         mp_context=multiprocessing.get_context("spawn"))
    return _VALIDATOR


def _validating_process(parent: int) -> None:
    """Set up the validating process: it ends when the process that started it has gone (a
    killed run must not leave it behind: a pool's worker otherwise waits for work forever),
    then imports GX."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    _gx()


def warm_up() -> None:
    """Start the validating process (and its GX import) now, before the first suite needs it."""
    _validator().submit(int)


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


def _frame(con: duckdb.DuckDBPyConnection, meta: dict[str, Any], columns: list[str],
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


def judge(con: duckdb.DuckDBPyConnection, names: list[str], scope: Scope,
          run_id: str) -> list[SuiteResult]:
    """Judge the rows of `scope` with each suite of `names`, each once (see `Judging`)."""
    return Judging(con, names, scope, run_id).results()


class Judging:
    """The suites of `names` judging the rows of `scope`, each once: the suites of one table
    share one fetch of its rows (the columns any of them reads), windowed by `check_windows`,
    and the validating process judges one frame while the next is fetched. Started when made;
    the caller may do other work (load the next source) before it asks for the `results`,
    when every expectation's outcome is recorded in audit.check_results."""

    def __init__(self, con: duckdb.DuckDBPyConnection, names: list[str], scope: Scope,
                 run_id: str) -> None:
        self.con, self.names, self.run_id = con, names, run_id
        self.specs = {name: suite_spec(name) for name in names}
        self.outcomes: dict[str, list[Outcome]] = {name: [] for name in names}
        self.audit: list[list[Any]] = []
        self.pending: deque[tuple[str, Future]] = deque()
        by_table: dict[tuple[str, str | None], list[str]] = {}
        for name, spec in self.specs.items():
            meta = spec["meta"]["kefu"]
            by_table.setdefault((meta.get("table", f"frame:{name}"), meta.get("day_column")),
                                []).append(name)
        for group in by_table.values():
            meta = self.specs[group[0]]["meta"]["kefu"]
            columns = _columns({"expectations": [e for n in group
                                                 for e in self.specs[n]["expectations"]]})
            for first, last in check_windows(con, group[0], scope.first, scope.last,
                                             scope.schema):
                window = Scope(first, last, scope.schema, scope.source)
                label = f"{window.first}..{window.last}" + \
                    (f" {scope.source}" if scope.source else "") + \
                    (f" {scope.schema}" if scope.schema != "marts" else "")
                frame = _frame(con, meta, columns, window)
                # one frame validating while the next is fetched: at most two in memory
                if len(self.pending) == 2:
                    self._collect()
                self.pending.append((label, _validator().submit(
                    validate_frame, [(name, self.specs[name]) for name in group], frame,
                    scope.source)))

    def _collect(self) -> None:
        label, future = self.pending.popleft()
        for name, outcome in future.result():
            self.outcomes[name].append(outcome)
            self.audit.append([self.run_id, label, name, outcome.expectation, outcome.severity,
                               outcome.success, outcome.observed_value,
                               outcome.unexpected_count])

    def results(self) -> list[SuiteResult]:
        while self.pending:
            self._collect()
        _audit(self.con, self.audit)
        self.audit = []
        return [SuiteResult(name, bool(self.specs[name]["meta"]["kefu"].get("blocking")),
                            self.outcomes[name]) for name in self.names]


def validate_frame(suites: list[tuple[str, dict[str, Any]]], rows: pa.Table,
                   source: str | None) -> list[tuple[str, Outcome]]:
    """Validate one frame with each suite (runs in the validating process): every evaluated
    expectation's outcome, by suite."""
    gx, batches = _gx()
    batch = batches.get_batch(batch_parameters={"dataframe": rows.to_pandas()})
    outcomes = []
    for name, spec in suites:
        suite = gx.ExpectationSuite(name=f"{name}:{source or ''}", expectations=[
            {"type": e["type"], "kwargs": e["kwargs"], "meta": e.get("meta", {})}
            for e in spec["expectations"]])
        # BASIC: counts and a short sample of unexpected values, at half SUMMARY's cost
        for result in batch.validate(suite, result_format="BASIC").results:
            config = result.expectation_config
            columns = ",".join(str(config.kwargs[k]) for k in (
                "column", "column_A", "column_B", "column_list") if k in config.kwargs)
            observed = result.result.get("observed_value")
            outcomes.append((name, Outcome(
                expectation=f"{config.type}({columns})",
                severity=(config.meta or {}).get("severity", "error"),
                success=bool(result.success),
                observed_value=None if observed is None else str(observed),
                unexpected_count=result.result.get("unexpected_count"),
            )))
    return outcomes


_AUDIT_COLUMNS = ("run_id", "partition_key", "suite", "expectation", "severity", "success",
                  "observed_value", "unexpected_count")


def _audit(con: duckdb.DuckDBPyConnection, values: list[list[Any]]) -> None:
    """One insert for all outcomes (executemany costs a statement per row)."""
    if not values:
        return
    table = pa.table({column: pa.array([v[i] for v in values])
                      for i, column in enumerate(_AUDIT_COLUMNS)})
    con.register("audit_rows", table)
    try:
        con.execute(f"INSERT INTO audit.check_results SELECT {', '.join(_AUDIT_COLUMNS)}, "
                    "now()::TIMESTAMP FROM audit_rows")
    finally:
        con.unregister("audit_rows")


def blocking_suites() -> list[str]:
    """The payroll path: the suites whose failure keeps a payroll from being published."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")
                  if suite_spec(p.stem)["meta"]["kefu"].get("blocking"))


def publish_gate(con: duckdb.DuckDBPyConnection, first: date, last: date,
                 run_id: str) -> list[SuiteResult]:
    """Judge the payroll and every input it stands on, as they are now, for first..last;
    return the suites that failed (an empty list lets the payroll be published)."""
    return [r for r in judge(con, blocking_suites(), Scope(first, last), run_id) if not r.passed]
