"""Adjustments: `<landing>/adjustments/<YYYY-MM>/*.csv` -> `raw.adjustments`, a monthly asset.

Every row is validated before anything is written
(`pipelines.config.adjustments.load_adjustments`): the employee is on the roster on some day of
the month, the kind is `qa_points` or `pay`, the amount parses and has at most 2 decimals. A bad
row fails the asset, and so the month's KPI and payroll, with one line per bad row naming the
landing-relative file, the line and the employee id. A month's rows are replaced in one
transaction; a month without a folder has no adjustments."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue

from assets.factory import suite_checks, warehouse_asset
from pipelines.config.adjustments import load_adjustments
from pipelines.config.rules import ConfigError
from pipelines.config.shop import load_config
from pipelines.orchestration import progress
from pipelines.orchestration.partitions import month_end, monthly_partitions, months_in
from pipelines.orchestration.resources import KefuPaths, Warehouse
from pipelines.warehouse.database import transaction, write_rows


@warehouse_asset(
    "raw/adjustments", group="payroll", partitions=monthly_partitions,
    checked=("raw.adjustments",),
    description="`raw.adjustments`, grain: adjustment CSV row (month x file x line). The manual "
                "qa_points (质检, on the KPI score) and pay (CNY on gross pay) lines of "
                "`<landing>/adjustments/<YYYY-MM>/*.csv`, validated against the roster; a bad "
                "row stops the month's payroll naming file, line and employee.",
)
def raw_adjustments(context: AssetExecutionContext, warehouse: Warehouse,
                    paths: KefuPaths) -> MaterializeResult:
    config = load_config(paths.config_path)
    landing = paths.landing_path
    if not landing.is_dir():
        raise ConfigError(f"landing zone {landing} does not exist: set KEFU_LANDING to the "
                          "folder holding the exports and adjustments/")
    months = months_in(context.partition_time_window)
    rows: list[dict] = []
    problems: list[str] = []
    for first in months:
        try:
            adjustments = load_adjustments(landing, f"{first:%Y-%m}", config.roster)
        except ConfigError as err:
            problems.append(str(err))
            continue
        rows += [{"month": first, "employee_id": a.employee_id, "kind": a.kind,
                  "amount": a.amount, "reason": a.reason, "source_file": a.file,
                  "line_number": a.line, "load_run_id": context.run_id} for a in adjustments]
    if problems:
        raise ConfigError("\n".join(problems))
    with warehouse.connect() as con:
        with transaction(con):
            con.execute("DELETE FROM raw.adjustments WHERE month IN (SELECT unnest(?))",
                        [months])
            write_rows(con, "raw.adjustments", rows)
        checks = suite_checks(con, ("raw.adjustments",), months[0], month_end(months[-1]),
                              context.run_id)
    progress.report("raw.adjustments", ", ".join(f"{m:%Y-%m}" for m in months))
    return MaterializeResult(check_results=checks, metadata={
        "rows": len(rows),
        "files": MetadataValue.json(sorted({r["source_file"] for r in rows})),
        "qa_points_rows": sum(1 for r in rows if r["kind"] == "qa_points"),
        "pay_rows": sum(1 for r in rows if r["kind"] == "pay"),
    })
