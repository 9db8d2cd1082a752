"""Metrics by hand (SPEC 6): the worked example, wait and session edges, attribution edges,
unmapped accounts and monthly ratios. Every expected value is worked out in the docstring from
the spec's definitions (default plan: window 2 days, service 08:00-23:00, gap 30 min, slow 100 s;
双11 runs 2026-10-20..2026-11-11 in config/calendar.yaml), never read back from the output."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.runner import backfill_days
from pipelines.settings import Settings
from pipelines.warehouse import connect
from tests.conftest import land

CONFIG = Path(__file__).resolve().parent.parent / "config"
ROSTER_HEADER = "employee_id,name,account,level,role,effective_from,effective_to"
CHAT_HEADER = "时间,客服,买家,发送方,内容"
ORDER_HEADER = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间"
SENDER = {"buyer": "买家", "agent": "客服", "auto": "店小蜜"}
PAID, UNPAID = "交易成功", "等待买家付款"

DAILY_COLUMNS = (
    "consulted_buyers", "received_buyers", "reply_rate", "answered_waits",
    "answered_wait_seconds", "avg_response_seconds", "unanswered_waits", "first_responses",
    "first_response_seconds_total", "first_response_seconds", "slow_responses",
    "agent_messages", "buyer_messages", "qa_ratio", "inquiry_buyers", "converted_buyers",
    "inquiry_conversion", "credited_orders", "sales", "is_promo_day",
)


# --- building real inputs -----------------------------------------------------------------------


def make_settings(tmp_path: Path, *roster: str) -> Settings:
    """A config dir of our own: the shipped plan and calendar, and this test's roster."""
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(CONFIG / "plan.yaml", config / "plan.yaml")
    shutil.copy(CONFIG / "calendar.yaml", config / "calendar.yaml")
    (config / "roster.csv").write_text("\n".join([ROSTER_HEADER, *roster]) + "\n",
                                       encoding="utf-8")
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse.duckdb",
                    config=config, publish=tmp_path / "publish")


def land_chats(settings: Settings, day: str, *messages: tuple[str, str, str, str]) -> None:
    """messages: (time of day, account, buyer, sender as buyer/agent/auto) on `day`."""
    lines = [CHAT_HEADER] + [f"{day} {at},{account},{buyer},{SENDER[sender]},msg{i}"
                             for i, (at, account, buyer, sender) in enumerate(messages)]
    land(settings, "chats", day, "chats.csv", "\n".join(lines) + "\n")


def land_orders(settings: Settings, export_day: str, *orders: tuple[str, ...]) -> None:
    """orders: (order id, buyer, amount, status, created at, paid at or "")."""
    lines = [ORDER_HEADER] + [",".join(order) for order in orders]
    land(settings, "orders", export_day, "ExportOrderList.csv", "\n".join(lines) + "\n")


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(settings.warehouse)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def daily(settings: Settings, employee_id: str, day: str) -> dict:
    columns = ", ".join(DAILY_COLUMNS)
    rows = query(settings, f"SELECT {columns} FROM marts.agent_daily_metrics "
                           "WHERE employee_id = ? AND day = ?", [employee_id, day])
    assert len(rows) == 1, f"{employee_id} {day}: {rows}"
    return dict(zip(DAILY_COLUMNS, rows[0], strict=True))


def check(row: dict, **expected) -> None:
    """Compare the named columns; floats to 1e-9 (pytest.approx), the rest exactly."""
    got = {name: row[name] for name in expected}
    want = {name: pytest.approx(value) if isinstance(value, float) else value
            for name, value in expected.items()}
    assert got == want


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- 1. the SPEC 6 worked example ---------------------------------------------------------------


def test_spec_worked_example(tmp_path, instance):
    """SPEC 6 worked example: E7 (presale) holds 店:小美; 2026-10-08 is not a promotion day.

    Waits (a wait runs from the first buyer message after the last human reply to the next
    human reply; 店小蜜 is `auto` and answers nothing):
      A: 10:00:00 -> 10:00:25 = 25 s (the 10:00:02 auto-reply skipped), first wait of A's session;
         10:02:00 (10:02:05 is the same wait) -> 10:02:40 = 40 s.
      B: 22:50:00 -> 23:10:00 = 1200 s, starts before 23:00 so it counts; first wait; slow.
      C: 07:40:00 -> 08:05:00 = 1500 s, starts before 08:00: left out, so C's session has no
         first response (it is still its first wait).
      D: 15:00:00, never answered: one unanswered (counted) wait.
    consulted = A, B, C, D = 4; received (a human reply that day) = A, B, C = 3; reply_rate 0.75.
    answered counted waits 25, 40, 1200: 3 waits, 1265 s, avg 1265 / 3 = 421.666.. -> 421.67.
    first responses: A 25, B 1200 -> 2 sessions, 1225 s, 612.5. slow (> 100 s): 1200 only -> 1.
    Messages: buyer A x3, B, C, D = 6; human 小美 x2 (A), B, C = 4 (auto not counted) -> 4 / 6.
    Orders: A's (10-09 09:00, paid, 188.00): the last human reply to A at or before it is
      10-08 10:02:40, day 10-08, window 10-08..10-10 -> credited to 店:小美 from 10-08.
      B's (10-11 00:00:01, paid): last reply 10-08 23:10:00, 10-11 > 10-10 -> silent.
      C's (10-01, paid 10-01 10:05): no reply before it -> silent; it is 7 days before C's
      first message of 10-08, within 15 days -> C's chat is after-sale.
    inquiry = received minus after-sale = A, B = 2; converted = A (paid order credited from
    10-08) = 1 -> 0.5. credited paid orders of 10-08: A's -> 1 order, sales 188.00.
    Shop sales by creation day: 10-01 C's 99.00 silent; 10-09 A's 188.00 credited;
    10-11 B's 66.00 silent.
    """
    settings = make_settings(tmp_path, "E7,小美,店:小美,普通,presale,2026-01-01,")
    acct = "店:小美"
    land_chats(settings, "2026-10-08",
               ("07:40:00", acct, "C", "buyer"), ("08:05:00", acct, "C", "agent"),
               ("10:00:00", acct, "A", "buyer"), ("10:00:02", acct, "A", "auto"),
               ("10:00:25", acct, "A", "agent"), ("10:02:00", acct, "A", "buyer"),
               ("10:02:05", acct, "A", "buyer"), ("10:02:40", acct, "A", "agent"),
               ("15:00:00", acct, "D", "buyer"),
               ("22:50:00", acct, "B", "buyer"), ("23:10:00", acct, "B", "agent"))
    land_orders(settings, "2026-10-01",
                ("3001", "C", "99.00", PAID, "2026-10-01 10:00:00", "2026-10-01 10:05:00"))
    land_orders(settings, "2026-10-09",
                ("1001", "A", "188.00", PAID, "2026-10-09 09:00:00", "2026-10-09 09:01:00"))
    land_orders(settings, "2026-10-11",
                ("2001", "B", "66.00", PAID, "2026-10-11 00:00:01", "2026-10-11 00:02:00"))
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 11), instance)

    row = daily(settings, "E7", "2026-10-08")
    check(row, consulted_buyers=4, received_buyers=3, reply_rate=0.75, answered_waits=3,
          answered_wait_seconds=1265, unanswered_waits=1, first_responses=2,
          first_response_seconds_total=1225, first_response_seconds=612.5, slow_responses=1,
          agent_messages=4, buyer_messages=6, qa_ratio=4 / 6, inquiry_buyers=2,
          converted_buyers=1, inquiry_conversion=0.5, credited_orders=1,
          sales=Decimal("188.00"), is_promo_day=False)
    assert round(row["avg_response_seconds"], 2) == 421.67

    waits = query(settings, "SELECT buyer, session_no, wait_no, wait_start, answered_at, "
                            "wait_seconds, in_service_hours, is_first_wait, buyer_messages "
                            "FROM staging.chat_waits ORDER BY buyer, wait_start")
    assert waits == [
        ("A", 0, 0, ts("2026-10-08 10:00:00"), ts("2026-10-08 10:00:25"), 25, True, True, 1),
        ("A", 0, 1, ts("2026-10-08 10:02:00"), ts("2026-10-08 10:02:40"), 40, True, False, 2),
        ("B", 0, 0, ts("2026-10-08 22:50:00"), ts("2026-10-08 23:10:00"), 1200, True, True, 1),
        ("C", 0, 0, ts("2026-10-08 07:40:00"), ts("2026-10-08 08:05:00"), 1500, False, True, 1),
        ("D", 0, 0, ts("2026-10-08 15:00:00"), None, None, True, True, 1),
    ]

    attribution = query(settings, "SELECT order_id, last_reply_at, credited_account, credit_day, "
                                   "is_paid, is_silent FROM staging.order_attribution "
                                   "ORDER BY order_id")
    assert attribution == [
        ("1001", ts("2026-10-08 10:02:40"), acct, date(2026, 10, 8), True, False),
        ("2001", ts("2026-10-08 23:10:00"), None, None, True, True),
        ("3001", None, None, None, True, True),
    ]
    # A's order counts on 10-08, the reply's day, not on 10-09 when it was placed.
    check(daily(settings, "E7", "2026-10-09"), consulted_buyers=0, credited_orders=0,
          converted_buyers=0, sales=Decimal("0.00"))
    assert query(settings, "SELECT day, paid_orders, sales, credited_sales, silent_orders, "
                           "silent_sales FROM marts.shop_daily_sales ORDER BY day") == [
        (date(2026, 10, 1), 1, Decimal("99.00"), Decimal("0.00"), 1, Decimal("99.00")),
        (date(2026, 10, 9), 1, Decimal("188.00"), Decimal("188.00"), 0, Decimal("0.00")),
        (date(2026, 10, 11), 1, Decimal("66.00"), Decimal("0.00"), 1, Decimal("66.00")),
    ]
    assert query(settings, "SELECT count(*) FROM marts.unmapped_accounts") == [(0,)]
