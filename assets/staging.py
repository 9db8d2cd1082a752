"""Staging: typed, de-duplicated canonical rows (`sql/staging/<table>.sql`), daily-partitioned
like the raw layer they read; the four tables are written by one step."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from assets.factory import TableSpec, suite_checks, table_key, warehouse_layer
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import daily_partitions, days_in
from pipelines.orchestration.resources import Warehouse
from pipelines.warehouse.database import chat_day_spans, range_metadata, run_sql, transaction

# staging table -> (raw source it reads, the column that says which export day a row is from,
# the grain)
STAGING_TABLES = {
    "chat_messages": ("chats", "partition_day", "message per export day"),
    "orders": ("orders", "export_day", "order, as of the latest export day it appeared in"),
    "refunds": ("refunds", "export_day", "refund, as of the latest export day it appeared in"),
    "ratings": ("ratings", "partition_day", "rating"),
}


@warehouse_layer("staging", group="staging", partitions=daily_partitions, tables=[
    TableSpec(f"staging/{table}", deps=(f"raw/{source}",), checked=(f"staging.{table}",),
              description=(f"`staging.{table}`, grain: {grain}. Typed canonical {source} "
                           f"fields, de-duplicated. Transform: `sql/staging/{table}.sql`."))
    for table, (source, _, grain) in STAGING_TABLES.items()
])
def staging_tables(context: AssetExecutionContext,
                   warehouse: Warehouse) -> Iterator[MaterializeResult]:
    days = days_in(context.partition_time_window)
    with warehouse.connect() as con:
        with transaction(con):
            for table in STAGING_TABLES:
                # a message's row depends on its export day's rows alone
                spans = chat_day_spans(con, days[0], days[-1]) if table == "chat_messages" \
                    else [(days[0], days[-1])]
                for first, last in spans:
                    run_sql(con, f"staging/{table}.sql", day_from=first, day_to=last)
        for table, (_, day_column, _) in STAGING_TABLES.items():
            key = table_key(f"staging/{table}")
            metadata = range_metadata(con, f"staging.{table}", day_column, days[0], days[-1])
            checks = suite_checks(con, (f"staging.{table}",), days[0], days[-1],
                                  context.run_id, key=key)
            progress.report(f"staging.{table}", f"{days[0]}..{days[-1]}")
            yield MaterializeResult(asset_key=key, check_results=checks, metadata={
                "rows": metadata["rows"], "preview": MetadataValue.md(metadata["preview"])})


staging_assets = [staging_tables]
