"""The plan option `pool_months`: validated like every plan field, and a month scored on the
numerators and denominators of it and the months before it, summed (values worked out by
hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.config.plan import load_plan
from pipelines.pay.pooling import POOLED_COLUMNS, month_metrics, months_before
from pipelines.pay.scoring import score_employee
from pipelines.warehouse.database import connect
from tests.test_plan import plan_error, shipped_plan_data, write_plan

SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


def test_pool_months_defaults_to_one_and_is_checked(tmp_path: Path) -> None:
    assert load_plan(write_plan(tmp_path, shipped_plan_data())).versions[0].pool_months == 1
    for bad, rule in ((0, "greater than or equal to 1"), (13, "less than or equal to 12"),
                      ("2", "valid integer")):
        data = shipped_plan_data()
        data["versions"][0]["pool_months"] = bad
        message = plan_error(tmp_path, data)
        assert "versions[0].pool_months" in message or "versions.0.pool_months" in message
        assert rule in message


def test_months_before_crosses_the_year() -> None:
    assert months_before(date(2027, 2, 1), 3) == [date(2026, 12, 1), date(2027, 1, 1),
                                                 date(2027, 2, 1)]


def metrics_row(month: date, employee: str, converted: int, inquiries: int,
                wait_seconds: int, waits: int) -> dict:
    """A monthly metrics row: conversion and average response as given, the other presale
    lines at their best (first response 5 s, reply rate 1, satisfaction 0.98, refunds 0.03)."""
    row = dict.fromkeys(POOLED_COLUMNS, 0)
    row.update(month=month, employee_id=employee, name=employee, level="普通", role="presale",
               days_employed=30, promo_days=0, plan_version="default-2026", unanswered_waits=0,
               converted_buyers=converted, inquiry_buyers=inquiries,
               answered_wait_seconds=wait_seconds, answered_waits=waits,
               first_response_seconds_total=5 * waits, first_responses=waits,
               received_buyers=100, consulted_buyers=100, satisfied_ratings=49, ratings=50,
               refunded_amount=Decimal("3.00"), refund_rate_sales=Decimal("100.00"),
               credited_orders=converted, sales=Decimal("100.00"))
    return row


@pytest.fixture
def warehouse(tmp_path: Path):
    con = connect(tmp_path / "warehouse.duckdb")
    rows = [metrics_row(SEP, "E01", 30, 100, 3000, 100),   # 0.30, 30 s
            metrics_row(OCT, "E01", 36, 80, 1000, 50),     # 0.45, 20 s
            metrics_row(OCT, "E02", 40, 100, 2000, 100),   # new in October
            metrics_row(SEP, "E09", 10, 100, 600, 10)]     # left in September
    for row in rows:
        con.execute(f"INSERT INTO marts.agent_monthly_metrics BY NAME SELECT "
                    f"{', '.join(f'${k} AS {k}' for k in row)}", row)
    yield con
    con.close()


def test_a_pooled_month_sums_this_and_last_months_numerators(warehouse, tmp_path) -> None:
    data = shipped_plan_data()
    data["versions"][0]["pool_months"] = 2
    version = load_plan(write_plan(tmp_path, data)).versions[0]
    pooled = {m.row["employee_id"]: m for m in month_metrics(warehouse, OCT, version)}
    assert set(pooled) == {"E01", "E02"}      # E09 has no October row: not scored in October
    e01 = pooled["E01"]
    assert e01.months == (SEP, OCT)
    assert e01.note == "pooled: 2026-09..2026-10 (2 months' numerators and denominators)"
    assert (e01.row["converted_buyers"], e01.row["inquiry_buyers"]) == (66, 180)
    assert (e01.row["answered_wait_seconds"], e01.row["answered_waits"]) == (4000, 150)
    assert e01.row["refunded_amount"] == Decimal("6.00")
    assert pooled["E02"].months == (OCT,) and pooled["E02"].note == ""
    score = score_employee(e01.row, version.kpi["presale"], Decimal(0), version)
    points = {line.metric: line.points for line in score.lines}
    # conversion 66/180: 35 x (66/180 - 0.20) / 0.30 = 19.4444; response 4000/150 = 26.67 s:
    # 20 x (60 - 26.67) / 45 = 14.8148; the other lines at their best
    assert points["inquiry_conversion"] == Decimal("19.4444")
    assert points["avg_response_seconds"] == Decimal("14.8148")
    # 19.4444 + 14.8148 + 10 + 10 + 15 + 10 = 79.2592, rounded half-up to 2 decimals
    assert score.kpi_score == Decimal("79.26")
    # the month alone: 36/80 = 0.45 -> 35 x 0.25 / 0.30 = 29.1667; 20 s -> 17.7778
    alone = {m.row["employee_id"]: m for m in month_metrics(warehouse, OCT, load_plan(
        write_plan(tmp_path, shipped_plan_data())).versions[0])}
    assert alone["E01"].row["converted_buyers"] == 36 and alone["E01"].months == (OCT,)
    score = score_employee(alone["E01"].row, version.kpi["presale"], Decimal(0), version)
    assert {line.metric: line.points for line in score.lines}["inquiry_conversion"] == \
        Decimal("29.1667")
