"""Ingest: each source's daily landing folder -> `raw.<source>`, `raw.rejected_rows`,
`raw.ingest_files` (see `pipelines/ingest/loader.py`). One asset per source, daily-partitioned in
shop-local time, backfilled as a single run over any range of days."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
)

from assets.factory import suite_checks, table_key, warehouse_asset
from pipelines import progress
from pipelines.ingest.loader import DayLoad, check_landing_root, load_day
from pipelines.ingest.sources import SOURCES
from pipelines.partitions import daily_partitions, days_in
from pipelines.plan import load_config
from pipelines.resources import KefuPaths, Warehouse


def _day_table(loads: list[DayLoad]) -> str:
    lines = ["| day | files | duplicates | rows loaded | rows rejected |",
             "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {d.day} | {d.files_read} | {d.files_duplicate} | {d.rows_loaded} | "
              f"{d.rows_rejected} |" for d in loads]
    return "\n".join(lines)


def build_raw_asset(source: str) -> AssetsDefinition:
    key = table_key(f"raw/{source}")
    checked = (f"raw.{source}", "raw.ingest_files", "raw.rejected_rows")

    @warehouse_asset(
        f"raw/{source}",
        group="ingest",
        partitions=daily_partitions,
        checked=checked,
        extra_checks=(AssetCheckSpec(
            "export_present", asset=key,
            description=f"Every day of the run had at least one {source} export file.",
        ),),
        description=(
            f"Raw {source} rows, one per row of the day's `<landing>/{source}/<day>/` files, with "
            "source file, line and load run. Grain: export row. Checks: "
            f"`sql/ingest/check_{source}.sql`."
        ),
    )
    def raw_source(context: AssetExecutionContext, warehouse: Warehouse,
                   paths: KefuPaths) -> MaterializeResult:
        load_config(paths.config_path)  # a bad plan or roster stops the run before any write
        check_landing_root(paths.landing_path)  # so does a landing root that is not one
        loads = []
        with warehouse.connect() as con:
            for day in days_in(context.partition_time_window):
                loads.append(load_day(con, paths.landing_path, source, day, context.run_id))
                progress.report(f"raw.{source}", day.isoformat())
            checks = suite_checks(con, checked, loads[0].day, loads[-1].day, context.run_id,
                                  source)
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
            metadata={
                "files_read": sum(d.files_read for d in loads),
                "files_duplicate": sum(d.files_duplicate for d in loads),
                "rows_loaded": sum(d.rows_loaded for d in loads),
                "rows_rejected": sum(d.rows_rejected for d in loads),
                "days": MetadataValue.md(_day_table(loads)),
                "other_days_changed": MetadataValue.json(changed),
            },
            check_results=[*checks, AssetCheckResult(
                check_name="export_present",
                passed=not missing,
                severity=AssetCheckSeverity.WARN,
                metadata={"days_without_export": MetadataValue.json(missing)},
            )],
        )

    return raw_source


raw_assets = [build_raw_asset(source) for source in SOURCES]
