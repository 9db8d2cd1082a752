"""What every kefu asset shares: a key `schema/table`, the DuckDB writer pool, a single-run
backfill policy (one run covers any range of partitions), and a grain in its description."""

from collections.abc import Callable

from dagster import AssetKey, BackfillPolicy, PartitionsDefinition, asset


def table_key(name: str) -> AssetKey:
    """`marts/payroll` -> the asset key of the warehouse table marts.payroll."""
    return AssetKey(name.split("/"))


def warehouse_asset(name: str, *, group: str, partitions: PartitionsDefinition,
                    description: str, deps: tuple[str, ...] = (),
                    **extra: object) -> Callable:
    return asset(
        key=table_key(name),
        deps=[table_key(d) for d in deps],
        group_name=group,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="duckdb",
        kinds={"duckdb"},
        description=description,
        **extra,
    )
