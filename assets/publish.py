"""Publish: after a month's payroll (and the blocking checks on it), write what finance and the
agents read into `KEFU_PUBLISH`: the read-only marts copy `kefu.duckdb` (replaced atomically),
`payroll_<YYYY-MM>.csv` and `.xlsx`, and one HTML statement per employee. The files are written
by `pipelines/publish/` (`outputs.publish_months`), with the same functions `kefu export` and
`kefu statement` call."""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue

from assets.factory import warehouse_asset
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import month_end, monthly_partitions, months_in
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.pay.closing import paying_months
from pipelines.publish.outputs import publish_months
from pipelines.quality.suites import publish_gate
from pipelines.quality.validating import failure_text
from pipelines.warehouse.database import closed_months


@warehouse_asset(
    "publish/payroll", deps=("marts/payroll",), group="publish",
    partitions=monthly_partitions,
    description="Published only when every blocking suite passes on the month "
                "(`pipelines.quality.suites.publish_gate`). Files in `KEFU_PUBLISH`: `kefu.duckdb` "
                "(read-only copy of the `marts` and "
                "`audit` schemas, renamed into place), `payroll_<YYYY-MM>.csv` (UTF-8 BOM) and "
                "`.xlsx`, and `statements/<YYYY-MM>/<employee_id>.html`. A closed month's "
                "files are never rewritten; the open month paying its restatement is. "
                "Code: `pipelines/publish/` (outputs, snapshot, exports, statements).",
)
def publish_payroll(context: AssetExecutionContext, warehouse: Warehouse,
                    paths: KefuPaths) -> MaterializeResult:
    months = months_in(context.partition_time_window)
    with warehouse.connect() as con:
        # A closed month's files are final; the open month paying its restatement is published.
        paying = paying_months(con, months)
        failed = [r for m in paying for r in publish_gate(con, m, month_end(m), context.run_id)]
        if failed:
            raise Failure(
                description="not published: the payroll or an input it stands on fails its "
                            "checks: " + "; ".join(
                                f"{r.suite}: {', '.join(map(failure_text, r.failures))}"
                                for r in failed),
                metadata={"failed_suites": [r.suite for r in failed]},
            )
        published = publish_months(con, paying, paths.publish_path)
        kept = sorted(f"{m:%Y-%m}" for m in set(months) & closed_months(con))
    progress.report("publish", ", ".join(published.rows_by_month) or "snapshot")
    root = paths.publish_path.resolve()
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(root)),
        "snapshot": MetadataValue.path(str(published.snapshot.resolve())),
        "snapshot_tables": published.snapshot_tables,
        "files_written": len(published.files),
        "rows": sum(published.rows_by_month.values()),
        "rows_by_month": MetadataValue.json(published.rows_by_month),
        "statements_by_month": MetadataValue.json(published.statements_by_month),
        "closed_months_kept": MetadataValue.json(kept),
        "files": MetadataValue.md("\n".join(
            f"- `{path.resolve().relative_to(root)}`" for path in published.files[:50])
            + (f"\n- … and {len(published.files) - 50} more" if len(published.files) > 50
               else "")),
    })
