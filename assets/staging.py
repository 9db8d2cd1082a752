"""Staging: typed, de-duplicated canonical rows (`sql/staging/<table>.sql`), daily-partitioned
like the raw layer they read."""

from dagster import AssetExecutionContext, AssetsDefinition, MaterializeResult, MetadataValue

from assets.factory import suite_checks, warehouse_asset
from pipelines import progress
from pipelines.partitions import daily_partitions, days_in
from pipelines.resources import Warehouse
from pipelines.warehouse import range_metadata, run_sql, transaction

# staging table -> (raw source it reads, the column that says which export day a row is from,
# the grain)
STAGING_TABLES = {
    "chat_messages": ("chats", "partition_day", "message per export day"),
    "orders": ("orders", "export_day", "order, as of the latest export day it appeared in"),
    "refunds": ("refunds", "export_day", "refund, as of the latest export day it appeared in"),
    "ratings": ("ratings", "partition_day", "rating"),
}


def build_staging_asset(table: str) -> AssetsDefinition:
    source, day_column, grain = STAGING_TABLES[table]

    @warehouse_asset(
        f"staging/{table}", deps=(f"raw/{source}",), group="staging",
        partitions=daily_partitions, checked=(f"staging.{table}",),
        description=(f"`staging.{table}`, grain: {grain}. Typed canonical {source} fields, "
                     f"de-duplicated. Transform: `sql/staging/{table}.sql`."),
    )
    def staging_table(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        days = days_in(context.partition_time_window)
        with warehouse.connect() as con:
            with transaction(con):
                run_sql(con, f"staging/{table}.sql", day_from=days[0], day_to=days[-1])
            metadata = range_metadata(con, f"staging.{table}", day_column, days[0], days[-1])
            checks = suite_checks(con, (f"staging.{table}",), days[0], days[-1], context.run_id)
        progress.report(f"staging.{table}", f"{days[0]}..{days[-1]}")
        return MaterializeResult(check_results=checks, metadata={
            "rows": metadata["rows"], "preview": MetadataValue.md(metadata["preview"])})

    return staging_table


staging_assets = [build_staging_asset(table) for table in STAGING_TABLES]
