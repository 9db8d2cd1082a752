"""Ingest: each source's daily landing folder -> `raw.<source>`, `raw.rejected_rows`,
`raw.ingest_files` (see `pipelines/ingest/loader.py`). One asset per source, daily-partitioned in
shop-local time, all four loaded by one step (`assets.factory.warehouse_layer`) and backfilled as
a single run over any range of days."""

from collections.abc import Callable, Iterator

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from assets.factory import TableSpec, start_suite_checks, table_key, warehouse_layer
from pipelines.config.shop import load_config
from pipelines.ingest.batch import DayLoad
from pipelines.ingest.errors import IngestError
from pipelines.ingest.landing import check_landing_root
from pipelines.ingest.loader import load_days
from pipelines.ingest.sources import SOURCES
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import daily_partitions, days_in
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.quality import validating


def _checked(source: str) -> tuple[str, ...]:
    return (f"raw.{source}", "raw.ingest_files", "raw.rejected_rows")


RAW_TABLES = [
    TableSpec(
        f"raw/{source}",
        description=(
            f"Raw {source} rows, one per row of the day's `<landing>/{source}/<day>/` files, "
            "with source file, line and load run. Grain: export row. Checks: "
            f"`sql/ingest/check_{source}.sql`."),
        checked=_checked(source),
        extra_checks=(AssetCheckSpec(
            "export_present", asset=table_key(f"raw/{source}"),
            description=f"Every day of the run had at least one {source} export file.",
        ),),
    )
    for source in SOURCES
]


def _day_table(loads: list[DayLoad]) -> str:
    lines = ["| day | files | duplicates | rows loaded | rows rejected |",
             "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {d.day} | {d.files_read} | {d.files_duplicate} | {d.rows_loaded} | "
              f"{d.rows_rejected} |" for d in loads]
    return "\n".join(lines)


@warehouse_layer("ingest", group="ingest", partitions=daily_partitions, tables=RAW_TABLES)
def raw_sources(context: AssetExecutionContext, warehouse: Warehouse,
                paths: KefuPaths) -> Iterator[MaterializeResult]:
    config = load_config(paths.config_path)  # a bad plan or roster stops the run before any write
    check_landing_root(paths.landing_path)  # so does a landing root that is not one
    validating.warm_up()  # GX imports while the files load
    days = days_in(context.partition_time_window)
    failures: list[IngestError] = []
    judged: list[tuple[str, list[DayLoad], Callable[[], list[AssetCheckResult]]]] = []
    with warehouse.connect() as con:
        for source in SOURCES:
            # A file that cannot be read fails its source from that day on; the other sources
            # still load, as they would in steps of their own.
            try:
                loads = load_days(con, paths.landing_path, source, days, context.run_id,
                                  on_day=lambda load: progress.report(
                                      f"raw.{load.source}", load.day.isoformat(),
                                      load.rows_loaded), bots=config.bots)
            except IngestError as failure:
                failures.append(failure)
                continue
            # the source's suites validate while the next source loads
            judged.append((source, loads, start_suite_checks(
                con, _checked(source), days[0], days[-1], context.run_id, source,
                table_key(f"raw/{source}"))))
        for source, loads, checks in judged:
            yield _materialization(context, source, loads, checks())
    if len(failures) == 1:
        raise failures[0]
    if failures:
        raise SourcesFailed("\n".join(str(failure) for failure in failures))


class SourcesFailed(Exception):
    """Files of several sources could not be read: each line names one."""


def _materialization(context: AssetExecutionContext, source: str, loads: list[DayLoad],
                     checks: list[AssetCheckResult]) -> MaterializeResult:
    key = table_key(f"raw/{source}")
    missing = [d.day.isoformat() for d in loads if d.missing]
    if missing:
        context.log.warning(f"no {source} export for {', '.join(missing)}: rows already "
                            "loaded for those days are kept")
    # days outside the run whose raw rows changed: a file moved out of them into a day of
    # this run, or a copy in an earlier folder taking over; their derived rows need a re-run
    changed = sorted({d.isoformat() for load in loads for d in load.days_changed}
                     - {load.day.isoformat() for load in loads})
    if changed:
        context.log.warning(f"raw.{source} rows of {', '.join(changed)} changed: files moved "
                            "between day folders")
    return MaterializeResult(
        asset_key=key,
        metadata={
            "files_read": sum(d.files_read for d in loads),
            "files_duplicate": sum(d.files_duplicate for d in loads),
            "files_skipped": sum(d.files_skipped for d in loads),
            "rows_loaded": sum(d.rows_loaded for d in loads),
            "rows_rejected": sum(d.rows_rejected for d in loads),
            "days": MetadataValue.md(_day_table(loads)),
            "other_days_changed": MetadataValue.json(changed),
        },
        check_results=[*checks, AssetCheckResult(
            asset_key=key,
            check_name="export_present",
            passed=not missing,
            severity=AssetCheckSeverity.WARN,
            metadata={"days_without_export": MetadataValue.json(missing)},
        )],
    )


raw_assets = [raw_sources]
