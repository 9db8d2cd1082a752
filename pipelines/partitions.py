"""Shop-local partitions: a Taobao day and month start at midnight in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, timedelta

from dagster import DailyPartitionsDefinition, TimeWindow

SHOP_TIMEZONE = "Asia/Shanghai"

daily_partitions = DailyPartitionsDefinition(start_date="2025-01-01", timezone=SHOP_TIMEZONE)


def days_in(window: TimeWindow) -> list[date]:
    """The shop-local days a (possibly multi-day) partition window covers."""
    first, end = window.start.date(), window.end.date()
    return [first + timedelta(days=i) for i in range((end - first).days)]
