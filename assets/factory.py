"""What every kefu asset shares: a key `schema/table`, the DuckDB writer pool, a single-run
backfill policy (one run covers any range of partitions), a grain in its description, and the
Great Expectations suites of the tables it writes, run as its asset checks on the rows of the
partitions it wrote (blocking for the payroll path)."""

from collections.abc import Callable
from datetime import date

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    BackfillPolicy,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from pipelines.partitions import month_end
from pipelines.quality import SuiteResult, check_windows, run_suite, suite_spec, suites_for
from pipelines.warehouse import closed_months


def table_key(name: str) -> AssetKey:
    """`marts/payroll` -> the asset key of the warehouse table marts.payroll."""
    return AssetKey(name.split("/"))


def check_name(suite: str) -> str:
    return suite.replace(".", "__")


def warehouse_asset(name: str, *, group: str, partitions: PartitionsDefinition,
                    description: str, deps: tuple[str, ...] = (), checked: tuple[str, ...] = (),
                    extra_checks: tuple[AssetCheckSpec, ...] = ()) -> Callable:
    """`checked`: the tables (schema.table) whose suites judge this asset's partitions."""
    key = table_key(name)
    specs = [
        AssetCheckSpec(check_name(suite), asset=key,
                       blocking=bool(suite_spec(suite)["meta"]["kefu"].get("blocking")),
                       description=suite_spec(suite)["meta"].get("notes"))
        for table in checked for suite in suites_for(table)
    ]
    return asset(
        key=key,
        deps=[table_key(d) for d in deps],
        group_name=group,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
        kinds={"duckdb"},
        description=description,
        check_specs=[*specs, *extra_checks],
    )


def suite_checks(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...], first: date,
                 last: date, run_id: str, source: str | None = None) -> list[AssetCheckResult]:
    """Run the suites of `checked` on first..last, in windows of days small enough for pandas
    (`check_windows`), and say how each went, as asset checks."""
    return _judge(con, checked, [(first, last, "marts")], run_id, source)


def month_checks(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...], months: list[date],
                 run_id: str) -> list[AssetCheckResult]:
    """The suites of month-grained tables on each month a run wrote: a closed month's rows as
    the re-run wrote them in restated.*, its marts rows being final."""
    closed = closed_months(con)
    return _judge(con, checked, [(m, month_end(m), "restated" if m in closed else "marts")
                                 for m in months], run_id)


def _judge(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...],
           ranges: list[tuple[date, date, str]], run_id: str,
           source: str | None = None) -> list[AssetCheckResult]:
    results = []
    for table in checked:
        for suite in suites_for(table):
            parts = [run_suite(con, suite, a, b, run_id, source, schema)
                     for first, last, schema in ranges
                     for a, b in check_windows(con, suite, first, last, schema)]
            outcome = SuiteResult(suite, parts[0].blocking,
                                  [o for part in parts for o in part.outcomes])
            results.append(AssetCheckResult(
                check_name=check_name(suite),
                passed=not outcome.failures,
                severity=AssetCheckSeverity.ERROR if outcome.blocking and not outcome.passed
                else AssetCheckSeverity.WARN,
                metadata={
                    "expectations": len(outcome.outcomes),
                    "failed": MetadataValue.md("\n".join(
                        f"- {o.expectation} [{o.severity}]: observed {o.observed_value}, "
                        f"unexpected {o.unexpected_count}" for o in outcome.failures) or "none"),
                    "rows_of": ", ".join(f"{first}..{last}" + ("" if schema == "marts"
                                                               else f" ({schema})")
                                         for first, last, schema in ranges),
                },
            ))
    return results
