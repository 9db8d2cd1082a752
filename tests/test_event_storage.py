"""The instance `kefu` creates keeps Dagster's run history in SQLite through
`PooledSqliteEventLogStorage`: every event is stored and read back as with the stock storage,
while it keeps a bounded number of database files open."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, asset, materialize

from pipelines import event_storage
from pipelines.runner import dagster_instance


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
