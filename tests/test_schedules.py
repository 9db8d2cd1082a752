"""Which partitions each scheduled tick asks for, at chosen shop times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, build_schedule_context
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.definitions import defs
from pipelines.schedules import monthly_payroll, nightly
from tests.conftest import use_env
from tests.test_metrics import check, daily, land_chats, land_orders, make_settings

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


def test_kefu_nightly_brings_a_late_order_back_to_its_chat_day(tmp_path, monkeypatch):
    """P1 asks 店:戊 on 10-05 and orders on 10-07 (D + 2, inside the 2-day window). The night
    after 10-05 sees no order; the night after 10-07 recomputes 10-05..10-07 and credits it."""
    settings = make_settings(tmp_path, "E5,戊,店:戊,普通,presale,2026-01-01,")
    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    land_chats(settings, "2026-10-05", ("10:00:00", "店:戊", "P1", "buyer"),
               ("10:00:10", "店:戊", "P1", "agent"))
    runner = CliRunner()
    out = runner.invoke(app, ["nightly", "--date", "2026-10-05"], terminal_width=200)
    assert out.exit_code == 0, out.output
    check(daily(settings, "E5", "2026-10-05"), inquiry_buyers=1, converted_buyers=0,
          sales=Decimal("0.00"))

    land_orders(settings, "2026-10-07",
                ("201", "P1", "99.00", "交易成功", "2026-10-07 20:00:00", "2026-10-07 20:00:30"))
    out = runner.invoke(app, ["nightly", "--date", "2026-10-07"], terminal_width=200)
    assert out.exit_code == 0, out.output
    check(daily(settings, "E5", "2026-10-05"), inquiry_buyers=1, converted_buyers=1,
          credited_orders=1, sales=Decimal("99.00"))
    instance = DagsterInstance.get()
    ranges = sorted(run.tags["kefu/range"] for run in instance.get_runs())
    assert ranges == ["2026-10-03..2026-10-05", "2026-10-05..2026-10-07"]
