"""Run the asset graph in-process over a range of days, as the CLI and tests do.

One run of a defined job (`daily_metrics` or `monthly_payroll`) covers the whole range (the
assets' single-run backfill policy), recorded in the instance at `DAGSTER_HOME` with the code
location's label, so it shows in the UI on the job's page like a run launched there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    ExecuteInProcessResult,
    RunsFilter,
)
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,
)
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from pipelines.config.settings import Settings, project_path
from pipelines.orchestration.definitions import REPOSITORY_LABEL, code_location
from pipelines.orchestration.jobs import daily_job, monthly_job, range_tags
from pipelines.orchestration.partitions import month_end
from pipelines.orchestration.preflight import BackfillFailed, preflight
from pipelines.orchestration.run_failures import error_text, failed_checks, failed_steps, own_error
from pipelines.warehouse.database import connect, run_sql
from pipelines.warehouse.writer_lock import process_alive

if TYPE_CHECKING:
    pass  # what Dagster records of an error

DEFAULT_DAGSTER_HOME = "data/dagster_home"
_EVENT_STORAGE = "pipelines.orchestration.event_storage"
_EVENT_STORAGE_BEFORE = "pipelines.event_storage"
DAGSTER_YAML = """\
# One DuckDB writer at a time: one run, and one step per pool, at once.
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
# The stock SQLite storages, but the event log keeps its engines
# (pipelines/orchestration/event_storage.py).
run_storage:
  module: dagster._core.storage.runs
  class: SqliteRunStorage
  config:
    base_dir: {home}/history
event_log_storage:
  module: {event_storage}
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {home}/history/runs
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {home}/schedules
"""


def dagster_home() -> Path:
    """$DAGSTER_HOME, default data/dagster_home; relative to the project root, like KEFU_*."""
    return project_path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)


def dagster_instance() -> DagsterInstance:
    """The persistent instance at `dagster_home()`, created if new."""
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    # a range's asset events reach the event log in batches
    # (pipelines/orchestration/event_storage.py)
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", "1000")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML.format(home=home.as_posix(), event_storage=_EVENT_STORAGE),
                          encoding="utf-8")
    else:
        # an instance kefu created before the event log storage moved into orchestration/
        written = config.read_text(encoding="utf-8")
        if f"module: {_EVENT_STORAGE_BEFORE}\n" in written:
            config.write_text(written.replace(f"module: {_EVENT_STORAGE_BEFORE}\n",
                                              f"module: {_EVENT_STORAGE}\n"), encoding="utf-8")
    return DagsterInstance.get()


def release_orphaned_runs(instance: DagsterInstance) -> None:
    """A kefu run whose process was killed stays 'started' and keeps the DuckDB writer pool's
    slot, so every later run would wait for it forever. Mark such runs failed (their process,
    recorded in the `kefu/pid` tag, no longer exists) and free their slots; the partitions they
    were writing are whole either way, each being one transaction."""
    for run in instance.get_runs(filters=RunsFilter(
            statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])):
        pid = run.tags.get("kefu/pid")
        if pid is None or process_alive(int(pid)):
            continue
        instance.report_run_failed(run, f"its process {pid} ended without finishing")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


@dataclass(frozen=True)
class SourceSummary:
    source: str
    files_read: int
    files_duplicate: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int


def run_range(settings: Settings, job: UnresolvedAssetJobDefinition, first: str, last: str,
              instance: DagsterInstance | None = None,
              reason: str | None = None) -> ExecuteInProcessResult:
    """Run `job` over partitions first..last as one run; raise with each step's error.

    `preflight` first: nothing is written on a bad configuration or landing root. `reason` is
    recorded with the restatement when the range re-runs a closed month."""
    preflight(settings)
    instance = instance or dagster_instance()
    release_orphaned_runs(instance)
    extra = () if job in (daily_job, monthly_job) else (job,)
    tags = range_tags(job, first, last)
    result = code_location(settings, extra).resolve_job_def(job.name).execute_in_process(
        instance=instance,
        raise_on_error=False,
        # the CLI tells the story (progress, summary, signals, one-line failures); the run's
        # own log, warnings included, is in the instance for the UI
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        tags={
            **tags,
            "kefu/pid": str(os.getpid()),
            REPOSITORY_LABEL_TAG: REPOSITORY_LABEL,
            **({"kefu/reason": reason} if reason else {}),
        },
    )
    if not result.success:
        failed = failed_steps(result)
        raise BackfillFailed(
            f"run {tags['kefu/range']} failed (run {result.run_id}):\n"
            + "\n".join([*(f"{step}: {error_text(own_error(error))}" for step, error in failed),
                         *failed_checks(result)]),
            trace="\n\n".join(f"step {step}:\n{error.to_string()}" for step, error in failed))
    return result


def backfill_days(settings: Settings, first: date, last: date,
                  instance: DagsterInstance | None = None,
                  reason: str | None = None) -> list[SourceSummary]:
    """Every daily asset for first..last in one run; return what was ingested."""
    run_range(settings, daily_job, first.isoformat(), last.isoformat(), instance, reason)
    return ingest_summary(settings, first, last)


def landing_changes(settings: Settings) -> list[date]:
    """The days whose landing folders changed since they were loaded
    (`pipelines.ingest.completeness.stale_days`); none while another run writes: the next run finds
    them."""
    from pipelines.ingest.completeness import stale_days
    from pipelines.warehouse.writer_lock import LockTimeout, NoWarehouse, reading

    try:
        with reading(settings.warehouse, timeout=0) as con:
            return stale_days(con, settings.landing)
    except (LockTimeout, NoWarehouse):
        return []


def nightly_days(settings: Settings, day: date) -> list[tuple[date, date]]:
    """The ranges a nightly run for `day` loads and recomputes: `day` and the days before it
    whose attribution window is still open, and every earlier day whose landing folder now
    holds files that were not loaded for it (a late file, a moved file)."""
    from pipelines.ingest.completeness import day_segments
    from pipelines.orchestration.schedules import open_window_start

    first = open_window_start(day, settings.config)
    late = [d for d in landing_changes(settings) if d < first]
    window = [first + timedelta(days=i) for i in range((day - first).days + 1)]
    return day_segments([*late, *window])


def nightly(settings: Settings, day: date, instance: DagsterInstance | None = None
            ) -> list[SourceSummary]:
    """What the nightly schedule runs for `day` (see `nightly_days`), one run per range; then
    the closed months that what it loaded changes are restated."""
    ranges = nightly_days(settings, day)
    for first, last in ranges:
        run_range(settings, daily_job, first.isoformat(), last.isoformat(), instance)
    restate_late_facts(settings, ranges, instance)
    return ingest_summary(settings, ranges[0][0], day)


def late_restatements(settings: Settings, ranges: list[tuple[date, date]]
                      ) -> list[tuple[date, date, str]]:
    """(closed month, last month to re-run with it, reason) for each closed month that what the
    export days of `ranges` brought changes (`sql/marts/late_facts.sql`), the reason naming
    those facts. Nothing while another run writes: the next run finds them again."""
    from pipelines.ingest.completeness import segments_text
    from pipelines.warehouse.writer_lock import LockTimeout, NoWarehouse, reading

    restatements = []
    try:
        with reading(settings.warehouse, timeout=0) as con:
            facts: dict[date, list[str]] = {}
            for first, last in ranges:
                run_sql(con, "marts/late_facts.sql", day_from=first, day_to=last)
                for month, detail in con.execute("SELECT month, detail FROM late_facts "
                                                 "ORDER BY month, kind, fact").fetchall():
                    facts.setdefault(month, []).append(detail)
            for month, details in facts.items():
                shown = "; ".join(details[:5]) + (f"; and {len(details) - 5} more"
                                                  if len(details) > 5 else "")
                restatements.append((month, rerun_until(con, month),
                                     f"late data loaded for {segments_text(ranges)}: {shown}"))
    except (LockTimeout, NoWarehouse):
        return []
    return restatements


def restate_late_facts(settings: Settings, ranges: list[tuple[date, date]],
                       instance: DagsterInstance | None = None) -> list[date]:
    """Re-run each closed month that late facts of `ranges` change, with the month that pays
    its difference; return the months restated."""
    restated = late_restatements(settings, ranges)
    for month, last, reason in restated:
        run_range(settings, monthly_job, month.isoformat(), last.isoformat(), instance,
                  reason)
    return [month for month, _, _ in restated]


def rerun_until(con: duckdb.DuckDBPyConnection, month: date) -> date:
    """The last month a re-run of `month` covers: for a closed month, the first open month
    after it (which pays its restatement) if that month's payroll is computed and the month is
    over; else `month` itself."""
    from pipelines.orchestration.partitions import monthly_partitions
    from pipelines.pay.closing import paying_months

    last = max(paying_months(con, [month]), default=month)
    last_complete = date.fromisoformat(monthly_partitions.get_last_partition_key())
    return last if last <= last_complete else month


def payroll_months(settings: Settings, first: date, last: date,
                   instance: DagsterInstance | None = None, reason: str | None = None) -> None:
    """Metrics, KPI, payroll and publish for the months first..last (first days) as one run,
    after loading again the days of those months whose landing folders changed since."""
    from pipelines.ingest.completeness import day_segments

    ranges = day_segments([d for d in landing_changes(settings)
                           if first <= d <= month_end(last)])
    for a, b in ranges:
        run_range(settings, daily_job, a.isoformat(), b.isoformat(), instance, reason)
    run_range(settings, monthly_job, first.isoformat(), last.isoformat(), instance, reason)
    restate_late_facts(settings, ranges, instance)


def backfill_month(settings: Settings, first: date, last: date,
                   instance: DagsterInstance | None = None,
                   reason: str | None = None) -> list[SourceSummary]:
    """A whole month: the daily graph in one run, then metrics, KPI and payroll in another."""
    summary = backfill_days(settings, first, last, instance, reason)
    run_range(settings, monthly_job, first.replace(day=1).isoformat(),
              first.replace(day=1).isoformat(), instance, reason)
    return summary


def ingest_summary(settings: Settings, first: date, last: date) -> list[SourceSummary]:
    con = connect(settings.warehouse)
    try:
        rows = con.execute(
            """
            SELECT source, count(*) FILTER (status = 'loaded'),
                   count(*) FILTER (status = 'duplicate'),
                   coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
                   coalesce(sum(rows_rejected), 0)
            FROM raw.ingest_files WHERE partition_day BETWEEN ? AND ?
            GROUP BY source ORDER BY source
            """,
            [first, last],
        ).fetchall()
    finally:
        con.close()
    return [SourceSummary(*row) for row in rows]
