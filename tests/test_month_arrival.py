"""Complete months only are final (issue 9, points 3, 7, 9, 10): days employed come from the
roster, a missing export or an open attribution window keeps a month provisional, closing
refuses it, a closed shop day is marked in the calendar, a month with no export at all is
refused, a chat message exported on two days counts once, and the month's aov leaves out the
days its conversion leaves out.

The shop (default plan: window 2 days; 双11 2026-10-20..2026-11-11 in config/calendar.yaml):
E1 (普通 3500, presale, 店:甲) all October; E2 (高级 4000, aftersale, 店:乙) from 10-16. Every
day buyer B<d> writes to 店:甲 at 10:00:00 and 甲 answers at 10:00:30. B5 orders 100.00 on
10-05 12:00 and B21 300.00 on 10-21 12:00, both paid within the minute: each is credited to E1
from its own day (the last human reply before it). Every day has an export of every source
(header-only where nothing happened) except the chats of 10-12, which are missing.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.config.settings import Settings
from pipelines.orchestration.preflight import BackfillFailed
from pipelines.orchestration.runner import backfill_month, payroll_months
from pipelines.pay.closing import NotClosable, close_month, marts_sha256
from pipelines.warehouse.database import connect
from tests.conftest import land, use_env, warehouse_rows
from tests.test_metrics import CHAT_HEADER, ORDER_HEADER, PAID, daily, make_settings

OCT = date(2026, 10, 1)
DAYS = [OCT + timedelta(days=i) for i in range(31)]
MISSING_CHATS = date(2026, 10, 12)
REFUND_HEADER = "订单编号,退款编号,买家退款金额,退款的申请时间,退款状态,买家退款原因"
RATING_HEADER = "评价时间,客服,买家,评价结果"


def chat_rows(day: date) -> list[str]:
    return [f"{day} 10:00:00,店:甲,B{day.day},买家,在吗",
            f"{day} 10:00:30,店:甲,B{day.day},客服,在的"]


def land_month(settings: Settings) -> None:
    orders = {date(2026, 10, 5): ("9005", "B5", "100.00"), date(2026, 10, 21): ("9021", "B21",
                                                                                 "300.00")}
    for day in DAYS:
        if day != MISSING_CHATS:
            land(settings, "chats", str(day), "chats.csv", "\n".join([CHAT_HEADER,
                                                                   *chat_rows(day)]) + "\n")
        rows = [ORDER_HEADER]
        if day in orders:
            order_id, buyer, amount = orders[day]
            rows.append(f"{order_id},{buyer},{amount},{PAID},{day} 12:00:00,{day} 12:00:40")
        land(settings, "orders", str(day), "ExportOrderList.csv", "\n".join(rows) + "\n")
        land(settings, "refunds", str(day), "RefundList.csv", REFUND_HEADER + "\n")
        land(settings, "ratings", str(day), "ratings.csv", RATING_HEADER + "\n")
    # A rolling chat export of 10-06 repeats 10-05's messages: they count once.
    land(settings, "chats", "2026-10-06", "chats_rolling.csv",
         "\n".join([CHAT_HEADER, *chat_rows(date(2026, 10, 5))]) + "\n")


@pytest.fixture(scope="module")
def october(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("arrival")
    settings = make_settings(root, "E1,甲,店:甲,普通,presale,2026-01-01,",
                             "E2,乙,店:乙,高级,aftersale,2026-10-16,")
    land_month(settings)
    with DagsterInstance.ephemeral() as instance:
        backfill_month(settings, OCT, date(2026, 10, 31), instance)
    return settings


@pytest.fixture
def shop(october: Settings, tmp_path: Path) -> Settings:
    """A copy of the computed October to change."""
    for name in ("landing", "config", "publish"):
        shutil.copytree(getattr(october, name), tmp_path / name)
    shutil.copy(october.warehouse, tmp_path / "warehouse.duckdb")
    return replace(october, landing=tmp_path / "landing", config=tmp_path / "config",
                   publish=tmp_path / "publish", warehouse=tmp_path / "warehouse.duckdb")


def payroll(settings: Settings) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in warehouse_rows(
        settings, "SELECT employee_id, days_employed, base_salary, status FROM marts.payroll "
        "WHERE month = ?", [OCT])}


def recompute(settings: Settings) -> None:
    with DagsterInstance.ephemeral() as instance:
        payroll_months(settings, OCT, OCT, instance)


def test_a_missing_export_keeps_the_month_provisional_and_days_come_from_the_roster(october):
    """10-12 has no chat export: the month is provisional, and says so. Base pay is the
    roster's: E1 31 of 31 days = 3500.00; E2 16 of 31 days at 4000 = 2064.516.. -> 2064.52."""
    assert payroll(october) == {"E1": (31, Decimal("3500.00"), "provisional"),
                                "E2": (16, Decimal("2064.52"), "provisional")}
    (status, missing, reasons), = warehouse_rows(
        october, "SELECT status, missing_exports, reasons FROM marts.month_status "
        "WHERE month = ?", [OCT])
    assert (status, missing, reasons) == ("provisional", 1, "no chats export for 2026-10-12")
    page = (october.publish / "statements" / "2026-10" / "E1.html").read_text("utf-8")
    assert "provisional" in page and "no chats export for 2026-10-12" in page
    con = connect(october.warehouse)
    try:
        with pytest.raises(NotClosable, match=r"provisional \(no chats export for 2026-10-12"):
            close_month(con, OCT, october.publish, "finance")
    finally:
        con.close()


def test_the_late_export_makes_the_month_final_and_closable(shop):
    """The chat export of 10-12 turns up: `kefu payroll` loads that day (its folder changed)
    and the month is final. Closing records the time in shop time and the hash of its rows."""
    land(shop, "chats", "2026-10-12", "chats.csv",
         "\n".join([CHAT_HEADER, *chat_rows(MISSING_CHATS)]) + "\n")
    recompute(shop)
    assert {e: row[2] for e, row in payroll(shop).items()} == {"E1": "ok", "E2": "review"}
    assert daily(shop, "E1", "2026-10-12")["consulted_buyers"] == 1
    con = connect(shop.warehouse)
    try:
        closed, new = close_month(con, OCT, shop.publish, "finance")
        assert new and closed.marts_sha256 == marts_sha256(con, OCT)
        # a later version adds a column (last, empty for the closed rows): the proof holds
        con.execute("ALTER TABLE marts.kpi_monthly ADD COLUMN later_figure DECIMAL(18, 2)")
        assert marts_sha256(con, OCT) == closed.marts_sha256
        con.execute("UPDATE marts.kpi_monthly SET later_figure = 1 WHERE month = ?", [OCT])
        assert marts_sha256(con, OCT) != closed.marts_sha256
    finally:
        con.close()
    shop_now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs(closed.closed_at - shop_now) < timedelta(minutes=2)


def test_a_closed_shop_day_needs_no_export(shop):
    calendar = shop.config / "calendar.yaml"
    calendar.write_text(calendar.read_text("utf-8") + "shop_closed: [2026-10-12]\n", "utf-8")
    recompute(shop)
    assert {e: row[2] for e, row in payroll(shop).items()} == {"E1": "ok", "E2": "review"}


def test_the_month_is_provisional_until_its_last_days_window_closes(shop, monkeypatch):
    """An order of 11-02 can still credit a chat of 10-31 (window 2 days): on 11-02 October is
    provisional; from 11-03 on it is final."""
    land(shop, "chats", "2026-10-12", "chats.csv",
         "\n".join([CHAT_HEADER, *chat_rows(MISSING_CHATS)]) + "\n")
    monkeypatch.setenv("KEFU_TODAY", "2026-11-02")
    recompute(shop)
    assert warehouse_rows(shop, "SELECT status, reasons FROM marts.month_status") == [
        ("provisional", "the attribution window of 2026-10-31 is open until 2026-11-02")]
    monkeypatch.setenv("KEFU_TODAY", "2026-11-03")
    recompute(shop)
    assert warehouse_rows(shop, "SELECT status, reasons FROM marts.month_status") == [
        ("final", None)]


def test_a_month_without_any_export_is_refused(october, tmp_path):
    settings = replace(october, warehouse=tmp_path / "w.duckdb", publish=tmp_path / "publish")
    with DagsterInstance.ephemeral() as instance, pytest.raises(
            BackfillFailed, match="no export of 2026-08 is loaded: nothing to pay from"):
        backfill_month(settings, date(2026, 8, 1), date(2026, 8, 31), instance)
    assert not (tmp_path / "publish").exists()


def test_a_chat_message_exported_on_two_days_counts_once(october):
    """10-05's two messages are also in 10-06's rolling export: one buyer message, one reply."""
    row = daily(october, "E1", "2026-10-05")
    assert (row["consulted_buyers"], row["buyer_messages"], row["agent_messages"],
            row["answered_waits"]) == (1, 1, 1, 1)


def test_the_months_aov_leaves_out_the_days_its_conversion_leaves_out(october):
    """inquiry_conversion leaves out 双11 days: converted buyers B5 (10-05) only, so aov is
    the sales of the days it counts, 100.00 / 1 = 100.00 (all-day sales 400.00 / 1 before)."""
    (sales, converted, aov), = warehouse_rows(
        october, "SELECT sales, converted_buyers, aov FROM marts.agent_monthly_metrics "
        "WHERE month = ? AND employee_id = 'E1'", [OCT])
    assert (sales, converted, aov) == (Decimal("400.00"), 1, Decimal("100.00"))


def test_kefu_payroll_names_what_keeps_the_month_provisional(shop, tmp_path, monkeypatch):
    use_env(monkeypatch, shop, tmp_path / "dagster_home")
    out = CliRunner().invoke(app, ["payroll", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "2026-10 is provisional, not final: no chats export for 2026-10-12" in out.output
    assert "no chats export for 2026-10-12: rows already loaded for those days are kept" \
        in out.output
    out = CliRunner().invoke(app, ["close", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 1 and "provisional" in out.output


def test_a_wrong_landing_path_stops_nightly_in_one_line_and_wipes_nothing(shop, tmp_path,
                                                                         monkeypatch):
    before = warehouse_rows(shop, "SELECT count(*) FROM raw.chats")
    use_env(monkeypatch, replace(shop, landing=tmp_path / "no-such-folder"),
            tmp_path / "dagster_home")
    out = CliRunner().invoke(app, ["nightly", "--date", "2026-10-05"], terminal_width=200)
    assert out.exit_code == 1
    errors = [line for line in out.output.splitlines() if "no-such-folder" in line
              and "does not exist (KEFU_LANDING)" in line]
    assert errors and "Traceback" not in out.output
    assert warehouse_rows(shop, "SELECT count(*) FROM raw.chats") == before
