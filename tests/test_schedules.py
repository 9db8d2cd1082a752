"""Which partitions each scheduled tick asks for, at chosen shop times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, build_schedule_context

from pipelines.definitions import defs
from pipelines.schedules import monthly_payroll, nightly

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("tick", "first", "last"), [
    # 02:00 on 10-09: yesterday 10-08 and the 2 window days before it (default plan: window 2)
    (datetime(2026, 10, 9, 2, 0, tzinfo=SHANGHAI), "2026-10-06", "2026-10-08"),
    # the first of a month: yesterday is the 31st, the range reaches back into that month only
    (datetime(2026, 11, 1, 2, 0, tzinfo=SHANGHAI), "2026-10-29", "2026-10-31"),
    # the 2nd: the range crosses the month boundary
    (datetime(2026, 11, 2, 2, 0, tzinfo=SHANGHAI), "2026-10-30", "2026-11-01"),
    # 1 March after a 28-day February
    (datetime(2027, 3, 1, 2, 0, tzinfo=SHANGHAI), "2027-02-26", "2027-02-28"),
])
def test_nightly_asks_for_yesterday_and_the_open_attribution_window(tick, first, last,
                                                                    monkeypatch):
    monkeypatch.delenv("KEFU_CONFIG", raising=False)
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        [request] = nightly.evaluate_tick(context).run_requests
    assert request.tags["dagster/asset_partition_range_start"] == first
    assert request.tags["dagster/asset_partition_range_end"] == last


@pytest.mark.parametrize(("tick", "month"), [
    (datetime(2026, 11, 3, 6, 0, tzinfo=SHANGHAI), "2026-10-01"),
    (datetime(2027, 1, 3, 6, 0, tzinfo=SHANGHAI), "2026-12-01"),
    (datetime(2027, 3, 3, 6, 0, tzinfo=SHANGHAI), "2027-02-01"),
])
def test_monthly_payroll_on_the_3rd_asks_for_the_previous_month(tick, month):
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        [request] = monthly_payroll.evaluate_tick(context).run_requests
    assert request.partition_key == month


def test_both_schedules_are_on_by_default_in_shop_time():
    schedules = {s.name: s for s in defs.schedules}
    assert {name: (s.cron_schedule, s.execution_timezone, s.default_status.value)
            for name, s in schedules.items()} == {
        "nightly": ("0 2 * * *", "Asia/Shanghai", "RUNNING"),
        "monthly_payroll_on_the_3rd": ("0 6 3 * *", "Asia/Shanghai", "RUNNING"),
    }
