"""The instance `kefu` creates keeps Dagster's run history in SQLite through
`PooledSqliteEventLogStorage`: every event is stored and read back as with the stock storage,
while it keeps a bounded number of database files open."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DailyPartitionsDefinition,
    MaterializeResult,
    asset,
    materialize,
)

from pipelines.orchestration import event_storage
from pipelines.orchestration.runner import DAGSTER_YAML, dagster_instance


@asset
def tally() -> int:
    return 1


def test_runs_and_materializations_are_stored_and_read_back(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    instance = dagster_instance()
    assert isinstance(instance.event_log_storage, event_storage.PooledSqliteEventLogStorage)
    runs = [materialize([tally], instance=instance).run_id
            for _ in range(event_storage.OPEN_FILES + 2)]
    records = instance.fetch_materializations(AssetKey("tally"), limit=100).records
    assert sorted(r.event_log_entry.run_id for r in records) == sorted(runs)
    assert all(instance.get_run_by_id(run).is_success for run in runs)
    first_run_events = instance.all_logs(runs[0])
    assert any(e.dagster_event_type == DagsterEventType.RUN_SUCCESS for e in first_run_events)
    assert len(instance.event_log_storage._engines) <= event_storage.OPEN_FILES
    instance.dispose()


@asset(partitions_def=DailyPartitionsDefinition("2026-10-01", end_date="2026-11-01"),
       backfill_policy=BackfillPolicy.single_run())
def daily_tally(context) -> MaterializeResult:
    return MaterializeResult(metadata={"days": len(context.partition_keys)})


def test_a_range_run_stores_each_days_events_in_batches(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    """A month's single run: 31 planned and 31 done materializations, handed to the storage
    in batches, each read back per partition."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    instance = dagster_instance()
    batches = []
    store = instance.event_log_storage.store_event_batch
    monkeypatch.setattr(instance.event_log_storage, "store_event_batch",
                        lambda events: (batches.append(len(events)), store(events)))
    result = materialize([daily_tally], instance=instance, tags={
        "dagster/asset_partition_range_start": "2026-10-01",
        "dagster/asset_partition_range_end": "2026-10-31"})
    assert result.success
    assert sum(batches) >= 62 and max(batches) >= 31
    done = instance.fetch_materializations(AssetKey("daily_tally"), limit=100).records
    assert sorted(r.partition_key for r in done) == [f"2026-10-{d:02d}" for d in range(1, 32)]
    planned = instance.get_materialized_partitions(AssetKey("daily_tally"))
    assert len(planned) == 31
    instance.dispose()


def test_an_instance_created_before_the_event_storage_moved_still_opens(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML.format(
        home=home.as_posix(), event_storage="pipelines.event_storage"), encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dagster_instance()
    assert type(instance.event_log_storage).__module__ == "pipelines.orchestration.event_storage"
    instance.dispose()
