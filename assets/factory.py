"""What every kefu asset shares: a key `schema/table`, the DuckDB writer pool, a single-run
backfill policy (one run covers any range of partitions), a grain in its description, and the
Great Expectations suites of the tables it writes, run as its asset checks on the rows of the
partitions it wrote (blocking for the payroll path).

A daily layer (ingest, staging, metrics) is one `multi_asset`: one step, one connection and one
round of suites for all its tables, while each table keeps its own asset key, lineage, metadata
and checks in the UI. A run's fixed cost so grows with the layers, not with the tables."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MetadataValue,
    PartitionsDefinition,
    asset,
    multi_asset,
)

from pipelines.orchestration.partitions import month_end
from pipelines.quality.frames import Scope
from pipelines.quality.specs import suite_spec, suites_for
from pipelines.quality.suites import Judging, SuiteResult, judge
from pipelines.quality.validating import failure_text
from pipelines.warehouse.database import closed_months


def table_key(name: str) -> AssetKey:
    """`marts/payroll` -> the asset key of the warehouse table marts.payroll."""
    return AssetKey(name.split("/"))


def check_name(suite: str) -> str:
    return suite.replace(".", "__")


def suite_check_specs(key: AssetKey, checked: tuple[str, ...]) -> list[AssetCheckSpec]:
    """An asset check per suite of the tables (schema.table) that judge the asset's rows."""
    return [
        AssetCheckSpec(check_name(suite), asset=key,
                       blocking=bool(suite_spec(suite)["meta"]["kefu"].get("blocking")),
                       description=suite_spec(suite)["meta"].get("notes"))
        for table in checked for suite in suites_for(table)
    ]


def partitioned(specs: list[AssetCheckSpec],
                partitions: PartitionsDefinition) -> list[AssetCheckSpec]:
    """The checks judged per partition of their asset: a run of one partition (the nightly
    day, a month's payroll) records each result against it, as the UI's partition view shows.
    A range's run judges the range at once and names it in the result's `rows_of`."""
    return [spec._replace(partitions_def=partitions) for spec in specs]


def warehouse_asset(name: str, *, group: str, partitions: PartitionsDefinition,
                    description: str, deps: tuple[str, ...] = (), checked: tuple[str, ...] = (),
                    extra_checks: tuple[AssetCheckSpec, ...] = ()) -> Callable:
    """`checked`: the tables (schema.table) whose suites judge this asset's partitions."""
    key = table_key(name)
    return asset(
        key=key,
        deps=[table_key(d) for d in deps],
        group_name=group,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
        kinds={"duckdb"},
        description=description,
        check_specs=partitioned([*suite_check_specs(key, checked), *extra_checks], partitions),
    )


@dataclass(frozen=True)
class TableSpec:
    """One table a layer writes: its asset name (`schema/table`), what it reads, its grain in
    words, and the tables whose suites judge it."""

    name: str
    description: str
    deps: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()
    extra_checks: tuple[AssetCheckSpec, ...] = ()

    @property
    def key(self) -> AssetKey:
        return table_key(self.name)


def warehouse_layer(name: str, *, group: str, partitions: PartitionsDefinition,
                    tables: list[TableSpec]) -> Callable:
    """One step materializing every table of a layer (see the module's docstring)."""
    return multi_asset(
        name=name,
        specs=[AssetSpec(t.key, deps=[table_key(d) for d in t.deps], group_name=group,
                         description=t.description, kinds={"duckdb"}) for t in tables],
        check_specs=partitioned([spec for t in tables for spec in
                                 [*suite_check_specs(t.key, t.checked), *t.extra_checks]],
                                partitions),
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
    )


def suite_checks(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...], first: date,
                 last: date, run_id: str, source: str | None = None,
                 key: AssetKey | None = None) -> list[AssetCheckResult]:
    """Run the suites of `checked` once on first..last and say how each went, as asset checks
    (of `key`, inside a multi-asset)."""
    return start_suite_checks(con, checked, first, last, run_id, source, key)()


def start_suite_checks(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...], first: date,
                       last: date, run_id: str, source: str | None = None,
                       key: AssetKey | None = None) -> Callable[[], list[AssetCheckResult]]:
    """`suite_checks`, started: the suites validate while the caller goes on; calling what it
    returns waits for them and gives the asset checks."""
    suites = [suite for table in checked for suite in suites_for(table)]
    judging = Judging(con, suites, Scope(first, last, source=source), run_id)
    return lambda: [_check_result(result, f"{first}..{last}", key)
                    for result in judging.results()]


def month_checks(con: duckdb.DuckDBPyConnection, checked: tuple[str, ...], months: list[date],
                 run_id: str) -> list[AssetCheckResult]:
    """The suites of month-grained tables on each month a run wrote: a closed month's rows as
    the re-run wrote them in restated.*, its marts rows being final."""
    closed = closed_months(con)
    suites = [suite for table in checked for suite in suites_for(table)]
    outcomes: dict[str, list] = {suite: [] for suite in suites}
    labels = []
    for m in months:
        schema = "restated" if m in closed else "marts"
        labels.append(f"{m}..{month_end(m)}" + ("" if schema == "marts" else f" ({schema})"))
        for result in judge(con, suites, Scope(m, month_end(m), schema), run_id):
            outcomes[result.suite] += result.outcomes
    return [_check_result(SuiteResult(suite, bool(suite_spec(suite)["meta"]["kefu"]
                                                   .get("blocking")), outcomes[suite]),
                          ", ".join(labels)) for suite in suites]


def _check_result(outcome: SuiteResult, rows_of: str,
                  key: AssetKey | None = None) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=key,
        check_name=check_name(outcome.suite),
        passed=not outcome.failures,
        severity=AssetCheckSeverity.ERROR if outcome.blocking and not outcome.passed
        else AssetCheckSeverity.WARN,
        metadata={
            "expectations": len(outcome.outcomes),
            "failed": MetadataValue.md("\n".join(
                f"- [{o.severity}] {failure_text(o)}" for o in outcome.failures) or "none"),
            "rows_of": rows_of,
        },
    )
