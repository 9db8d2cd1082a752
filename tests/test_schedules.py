"""Which partitions each scheduled tick asks for, at chosen shop times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dagster import DagsterInstance, build_schedule_context
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.jobs import daily_job, tagged_range
from pipelines.orchestration.partitions import FALLBACK_FIRST_MONTH, first_month
from pipelines.orchestration.runner import backfill_days, backfill_month, run_range
from pipelines.orchestration.schedules import monthly_payroll, nightly
from tests.conftest import REPO_CONFIG, land, use_env
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
                                                                    monkeypatch, tmp_path):
    monkeypatch.delenv("KEFU_CONFIG", raising=False)
    monkeypatch.setenv("KEFU_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("KEFU_LANDING", str(tmp_path / "landing"))
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        [request] = nightly.evaluate_tick(context).run_requests
    assert tagged_range(request.tags) == (date.fromisoformat(first), date.fromisoformat(last))


@pytest.mark.parametrize(("tick", "month"), [
    (datetime(2026, 11, 3, 6, 0, tzinfo=SHANGHAI), "2026-10-01"),
    (datetime(2027, 1, 3, 6, 0, tzinfo=SHANGHAI), "2026-12-01"),
    (datetime(2027, 3, 3, 6, 0, tzinfo=SHANGHAI), "2027-02-01"),
    (datetime(2027, 3, 20, 6, 0, tzinfo=SHANGHAI), "2027-02-01"),  # once: the run key says so
])
def test_monthly_payroll_asks_for_the_previous_month_once_its_window_closed(tick, month):
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        [request] = monthly_payroll.evaluate_tick(context).run_requests
    assert request.tags["dagster/partition"] == month
    assert request.run_key == f"payroll-{month[:7]}"


@pytest.mark.parametrize("tick", [datetime(2026, 11, 1, 6, 0, tzinfo=SHANGHAI),
                                  datetime(2026, 11, 2, 6, 0, tzinfo=SHANGHAI)])
def test_monthly_payroll_waits_while_the_last_days_window_is_open(tick):
    """Default window 2 days: an order of 11-02 can still credit a chat of 10-31."""
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=tick)
        result = monthly_payroll.evaluate_tick(context)
    assert not result.run_requests and "open until 2026-11-02" in result.skip_message


def test_a_longer_window_moves_the_monthly_payroll_later(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(REPO_CONFIG, tmp_path / "config")
    plan = tmp_path / "config" / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("window_days: 2", "window_days: 4"),
                    encoding="utf-8")
    monkeypatch.setenv("KEFU_CONFIG", str(tmp_path / "config"))
    with DagsterInstance.ephemeral() as instance:
        early = monthly_payroll.evaluate_tick(build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 4, 6, tzinfo=SHANGHAI)))
        due = monthly_payroll.evaluate_tick(build_schedule_context(
            instance=instance, scheduled_execution_time=datetime(2026, 11, 5, 6, tzinfo=SHANGHAI)))
    assert not early.run_requests and [r.tags["dagster/partition"] for r in due.run_requests] == [
        "2026-10-01"]


def test_both_schedules_are_on_by_default_in_shop_time():
    schedules = {s.name: s for s in defs.schedules}
    assert {name: (s.cron_schedule, s.execution_timezone, s.default_status.value)
            for name, s in schedules.items()} == {
        "nightly": ("0 2 * * *", "Asia/Shanghai", "RUNNING"),
        "monthly_payroll": ("0 6 * * *", "Asia/Shanghai", "RUNNING"),
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
    # runs of the defined job, labelled with the code location workspace.yaml names, which is
    # how the UI lists a job's runs on its page
    location = yaml.safe_load((Path(__file__).parent.parent / "workspace.yaml").read_text(
        encoding="utf-8"))["load_from"][0]["python_module"]["location_name"]
    assert {(run.job_name, run.tags[".dagster/repository"]) for run in instance.get_runs()} == {
        ("daily_metrics", f"__repository__@{location}")}


def test_a_months_backfill_is_a_daily_run_then_a_monthly_one_named_for_the_month(
        tmp_path, monkeypatch, instance):
    settings = make_settings(tmp_path, "E5,戊,店:戊,普通,presale,2026-01-01,")
    land_chats(settings, "2026-10-05", ("10:00:00", "店:戊", "P1", "buyer"))
    backfill_month(settings, date(2026, 10, 1), date(2026, 10, 31), instance)
    runs = sorted((run.job_name, run.tags["kefu/range"]) for run in instance.get_runs())
    assert runs == [("daily_metrics", "2026-10-01..2026-10-31"), ("monthly_payroll", "2026-10")]


def test_nightly_also_asks_for_earlier_days_whose_folders_changed(tmp_path, monkeypatch,
                                                                 instance):
    """10-01 was loaded; a second chat file lands in its folder later. The night of 10-09 asks
    for 10-01 again besides its window 10-06..10-08."""
    settings = make_settings(tmp_path, "E5,戊,店:戊,普通,presale,2026-01-01,")
    land_chats(settings, "2026-10-01", ("10:00:00", "店:戊", "P1", "buyer"))
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 1), instance)
    land(settings, "chats", "2026-10-01", "late.csv", "时间,客服,买家,发送方,内容\n"
         "2026-10-01 11:00:00,店:戊,P2,买家,在吗\n")
    use_env(monkeypatch, settings)
    with DagsterInstance.ephemeral() as ephemeral:
        context = build_schedule_context(instance=ephemeral, scheduled_execution_time=datetime(
            2026, 10, 9, 2, 0, tzinfo=SHANGHAI))
        requests = nightly.evaluate_tick(context).run_requests
    assert [r.tags.get("dagster/partition") for r in requests] == ["2026-10-01", None]
    assert [tagged_range(r.tags) for r in requests] == [
        (date(2026, 10, 1), date(2026, 10, 1)), (date(2026, 10, 6), date(2026, 10, 8))]


def test_partitions_begin_with_the_month_of_the_earliest_plan_version(tmp_path, monkeypatch):
    plan = (REPO_CONFIG / "plan.yaml").read_text(encoding="utf-8")
    assert "effective_from: 2026-01-01" in plan
    (tmp_path / "plan.yaml").write_text(plan.replace("effective_from: 2026-01-01",
                                                     "effective_from: 2026-03-15"),
                                        encoding="utf-8")
    monkeypatch.setenv("KEFU_CONFIG", str(tmp_path))
    assert first_month() == date(2026, 3, 1)
    # the default shop's partitions, as `dagster dev` serves them, begin with its plan
    assert defs.resolve_job_def("daily_metrics").partitions_def.start.date() == date(2026, 1, 1)
    (tmp_path / "plan.yaml").write_text("versions: [", encoding="utf-8")
    assert first_month() == FALLBACK_FIRST_MONTH


def test_a_one_day_run_records_its_checks_against_that_day_and_a_range_run_names_its_range(
        tmp_path):
    settings = make_settings(tmp_path, "E5,戊,店:戊,普通,presale,2026-01-01,")
    land_chats(settings, "2026-10-01", ("10:00:00", "店:戊", "P1", "buyer"))
    with DagsterInstance.ephemeral() as instance:
        day = run_range(settings, daily_job, "2026-10-01", "2026-10-01", instance)
        days = run_range(settings, daily_job, "2026-10-01", "2026-10-02", instance)
    assert day.dagster_run.tags["kefu/range"] == "2026-10-01"
    assert {e.partition for e in day.get_asset_check_evaluations()} == {"2026-10-01"}
    assert {e.partition for e in days.get_asset_check_evaluations()} == {None}
    assert {e.metadata["rows_of"].text for e in days.get_asset_check_evaluations()
            if "rows_of" in e.metadata} == {"2026-10-01..2026-10-02"}
