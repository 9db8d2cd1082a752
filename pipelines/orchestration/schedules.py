"""When things run by themselves (shop time, Asia/Shanghai), both on by default:

- `nightly`, 02:00 every day: the daily graph over yesterday and the days before it whose
  attribution window is still open (an order on day D + window_days still credits a chat of
  day D), as one range run: window_days + 1 days;
- `monthly_payroll`, 06:00 every day: the previous month's metrics, KPI and payroll, once, on
  the first morning after the attribution window of its last day has closed under its plan
  (default window 2 days: the 3rd). Until then the month is not asked for.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    ScheduleEvaluationContext,
    SkipReason,
    run_status_sensor,
    schedule,
)

from pipelines.config.settings import Settings
from pipelines.config.shop import load_config
from pipelines.orchestration.jobs import daily_job, monthly_job, range_tags, tagged_range
from pipelines.orchestration.partitions import SHOP_TIMEZONE, month_end


def open_window_start(day: date, config_dir: Path) -> date:
    """The first day whose attribution window is still open on `day`: an order placed on `day`
    can still credit a chat of `day - window_days`."""
    window = load_config(config_dir).plan.version_for(day.replace(day=1)).attribution.window_days
    return day - timedelta(days=window)


@schedule(job=daily_job, name="nightly", cron_schedule="0 2 * * *",
          execution_timezone=SHOP_TIMEZONE,
          default_status=DefaultScheduleStatus.RUNNING,
          description="Yesterday, and the days whose attribution window is still open.")
def nightly(context: ScheduleEvaluationContext) -> list[RunRequest]:
    from pipelines.orchestration.runner import nightly_days

    today = context.scheduled_execution_time.astimezone(ZoneInfo(SHOP_TIMEZONE)).date()
    yesterday = today - timedelta(days=1)
    return [RunRequest(
        run_key=f"nightly-{yesterday}-{first}",
        tags=range_tags(daily_job, first.isoformat(), last.isoformat()),
    ) for first, last in nightly_days(Settings.from_env(), yesterday)]


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, monitored_jobs=[daily_job],
                   request_job=monthly_job, name="restate_closed_months",
                   default_status=DefaultSensorStatus.RUNNING,
                   description="After a daily run, re-runs each closed month that what it "
                               "loaded changes (late refunds, payments, files), with the month "
                               "that pays the difference.")
def restate_closed_months(context: RunStatusSensorContext) -> list[RunRequest]:
    from pipelines.orchestration.runner import late_restatements

    loaded = tagged_range(context.dagster_run.tags)
    return [RunRequest(
        run_key=f"restate-{context.dagster_run.run_id}-{first:%Y-%m}",
        tags={**range_tags(monthly_job, first.isoformat(), last.isoformat()),
              "kefu/reason": reason},
    ) for first, last, reason in late_restatements(Settings.from_env(), [loaded])]


@schedule(job=monthly_job, name="monthly_payroll", cron_schedule="0 6 * * *",
          execution_timezone=SHOP_TIMEZONE, default_status=DefaultScheduleStatus.RUNNING,
          description="The previous month's metrics, KPI scores and payroll, once its last "
                      "day's attribution window has closed.")
def monthly_payroll(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    today = context.scheduled_execution_time.astimezone(ZoneInfo(SHOP_TIMEZONE)).date()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    closes = window_closes(month, Settings.from_env().config)
    if today < closes:
        return SkipReason(f"{month:%Y-%m}: the attribution window of its last day is open "
                          f"until {closes - timedelta(days=1)}")
    return RunRequest(run_key=f"payroll-{month:%Y-%m}",
                      tags=range_tags(monthly_job, month.isoformat(), month.isoformat()))


def window_closes(month: date, config_dir: Path) -> date:
    """The first day on which no order can credit a day of `month` any more."""
    window = load_config(config_dir).plan.version_for(month).attribution.window_days
    return month_end(month) + timedelta(days=window + 1)
