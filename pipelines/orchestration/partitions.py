"""Shop-local partitions: a Taobao day and month start at midnight in Asia/Shanghai."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition, TimeWindow

from pipelines.config.plan import load_plan
from pipelines.config.rules import ConfigError
from pipelines.config.settings import Settings

SHOP_TIMEZONE = "Asia/Shanghai"
# Partitions before any plan version could never be paid; used only while the plan cannot be
# read (the run then stops at preflight with the plan's own error).
FALLBACK_FIRST_MONTH = date(2025, 1, 1)


def first_month() -> date:
    """The first month the partitions cover: that of the earliest plan version in KEFU_CONFIG,
    so the UI shows no days "missing" from before the shop's configuration began."""
    try:
        plan = load_plan(Settings.from_env().config / "plan.yaml")
    except (ConfigError, OSError):
        return FALLBACK_FIRST_MONTH
    return min(v.effective_from for v in plan.versions).replace(day=1)


FIRST_MONTH = first_month()  # read once: both partitions definitions start with it
daily_partitions = DailyPartitionsDefinition(start_date=FIRST_MONTH.isoformat(),
                                             timezone=SHOP_TIMEZONE)


def days_in(window: TimeWindow) -> list[date]:
    """The shop-local days a (possibly multi-day) partition window covers."""
    first, end = window.start.date(), window.end.date()
    return [first + timedelta(days=i) for i in range((end - first).days)]

monthly_partitions = MonthlyPartitionsDefinition(start_date=FIRST_MONTH.isoformat(),
                                                 timezone=SHOP_TIMEZONE)


def months_in(window: TimeWindow) -> list[date]:
    """The first days of the months a (possibly multi-month) partition window covers."""
    months, day = [], window.start.date().replace(day=1)
    while day < window.end.date():
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def days_in_month(first: date) -> list[date]:
    return [first + timedelta(days=i) for i in range(month_end(first).day)]


def shop_today() -> date:
    """Today in shop time; `KEFU_TODAY` (YYYY-MM-DD) sets it for a replay of past nights."""
    override = os.environ.get("KEFU_TODAY")
    return date.fromisoformat(override) if override else \
        datetime.now(ZoneInfo(SHOP_TIMEZONE)).date()
