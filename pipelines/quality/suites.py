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

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.quality import frames
from pipelines.quality.frames import Scope, check_windows
from pipelines.quality.specs import blocking_suites, suite_spec
from pipelines.quality.validating import Outcome, validate_frame, validator


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
            columns = frames.columns({
                "expectations": [e for n in group for e in self.specs[n]["expectations"]],
                "meta": {"kefu": {"row_key": [c for n in group for c in
                                              self.specs[n]["meta"]["kefu"].get("row_key", [])]}},
            })
            for first, last in check_windows(con, group[0], scope.first, scope.last,
                                             scope.schema):
                window = Scope(first, last, scope.schema, scope.source)
                label = f"{window.first}..{window.last}" + \
                    (f" {scope.source}" if scope.source else "") + \
                    (f" {scope.schema}" if scope.schema != "marts" else "")
                frame = frames.frame(con, meta, columns, window)
                # one frame validating while the next is fetched: at most two in memory
                if len(self.pending) == 2:
                    self._collect()
                self.pending.append((label, validator().submit(
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


def publish_gate(con: duckdb.DuckDBPyConnection, first: date, last: date,
                 run_id: str) -> list[SuiteResult]:
    """Judge the payroll and every input it stands on, as they are now, for first..last;
    return the suites that failed (an empty list lets the payroll be published)."""
    return [r for r in judge(con, blocking_suites(), Scope(first, last), run_id) if not r.passed]
