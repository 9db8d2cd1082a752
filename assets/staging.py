"""Staging: typed, de-duplicated canonical rows (`sql/staging/<table>.sql`), daily-partitioned
like the raw layer they read."""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines import progress
from pipelines.partitions import daily_partitions, days_in
from pipelines.resources import Warehouse
from pipelines.warehouse import run_sql

# staging table -> (raw source it reads, the column that says which export day a row is from)
STAGING_TABLES = {
    "chat_messages": ("chats", "partition_day"),
    "orders": ("orders", "export_day"),
    "refunds": ("refunds", "export_day"),
    "ratings": ("ratings", "partition_day"),
}


def build_staging_asset(table: str) -> AssetsDefinition:
    source, day_column = STAGING_TABLES[table]

    @asset(
        key=AssetKey(["staging", table]),
        deps=[AssetKey(["raw", source])],
        group_name="staging",
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
        kinds={"duckdb"},
        description=(f"`staging.{table}`: typed canonical {source} fields, de-duplicated. "
                     f"Transform: `sql/staging/{table}.sql`."),
    )
    def staging_table(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        days = days_in(context.partition_time_window)
        with warehouse.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                run_sql(con, f"staging/{table}.sql", day_from=days[0], day_to=days[-1])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            rows = con.execute(
                f"SELECT count(*) FROM staging.{table} WHERE {day_column} BETWEEN ? AND ?",
                [days[0], days[-1]],
            ).fetchall()[0][0]
            preview = con.sql(
                f"SELECT * FROM staging.{table} WHERE {day_column} BETWEEN ? AND ? "
                "ORDER BY ALL LIMIT 5", params=[days[0], days[-1]],
            ).df()
        progress.report(f"staging.{table}", f"{days[0]}..{days[-1]}")
        return MaterializeResult(metadata={
            "rows": rows,
            "preview": MetadataValue.md(preview.to_markdown(index=False)),
        })

    return staging_table


staging_assets = [build_staging_asset(table) for table in STAGING_TABLES]
