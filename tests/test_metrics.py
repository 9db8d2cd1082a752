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

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.runner import backfill_days, run_range
from tests.conftest import land
from tests.conftest import warehouse_rows as query

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


def daily(settings: Settings, employee_id: str, day: str) -> dict:
    columns = ", ".join(DAILY_COLUMNS)
    rows = query(settings, f"SELECT {columns} FROM marts.agent_daily_metrics "
                           "WHERE employee_id = ? AND day = ?", [employee_id, day])
    assert len(rows) == 1, f"{employee_id} {day}: {rows}"
    return dict(zip(DAILY_COLUMNS, rows[0], strict=True))


def check(row: dict, **expected) -> None:
    """Compare the named columns: floats with pytest.approx, everything else exactly."""
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


# --- 2 and 4. waits, transfers, service hours, sessions; unmapped accounts ----------------------


def test_wait_edges_transfer_service_hours_sessions_and_unmapped_accounts(tmp_path, instance):
    """One day, 2026-10-12 (not a promotion day), one employee per case, in one run.

    E1 (店:甲), auto-replies and a transfer out:
      T: 10:00:00 T, 10:00:30 甲 -> 30 s (first); 10:01:00 T, 10:01:10 甲 -> 10 s.
      W: 11:00:00 W, 11:00:01 auto, 11:00:30 W, 11:00:31 auto, 11:01:40 甲 -> one wait from
         11:00:00 across both auto-replies = 100 s (first; 2 buyer messages); 100 is not
         longer than 100, so not slow.
      V: 12:00:00 V, 12:00:01 auto, no human reply -> unanswered; V is not received.
      consulted 3, received 2 (T, W) -> 2/3; answered 30, 10, 100 -> 3 waits, 140 s;
      unanswered 1; first responses T 30 + W 100 = 130 over 2; slow 0; human messages 3,
      buyer messages T 2 + W 2 + V 1 = 5 -> 0.6; inquiries T, W = 2; T's order went to 乙,
      so converted 0 and no credited orders.
    E2 (店:乙), the transfer in: T: 10:02:00 T, 10:02:50 乙 -> 50 s, first of 乙's own session
      with T. T orders at 10:30:00 (paid, 500.00): the last human reply to T before it is
      乙's 10:02:50 -> credited to 店:乙 from 10-12. consulted 1, received 1, 1 wait of 50 s,
      first 50, inquiry 1, converted 1 -> 1.0, 1 credited order, sales 500.00.
    E3 (店:丙), service hours [08:00, 23:00):
      S1 07:59:59 -> 08:03:00 = 181 s, left out (and so not slow);
      S2 08:00:00 -> 08:01:41 = 101 s, counts, slow;
      S3 22:59:59 -> 23:01:39 = 100 s, counts, not slow;
      S4 23:00:00 -> 23:05:00 = 300 s, left out;
      S5 23:30:00, never answered: left out, so not an unanswered wait, but S5 is a consulted
      buyer without a reply.
      consulted 5, received 4 -> 0.8; answered 101 + 100 = 201 over 2 -> 100.5; unanswered 0;
      first responses S2 101 + S3 100 = 201 over 2 -> 100.5 (S1, S4 sessions have none);
      slow 1.
    E4 (店:丁), session gap 30 min (split only when the gap exceeds it):
      G1: 09:00:00 G1, 09:31:00 G1 (31 min: new session), 09:31:20 丁. Session 0's wait
          (09:00:00) is never answered in its session; session 1 has its own first wait, 20 s.
          Unsplit it would have been one wait of 1880 s.
      G2: 14:00:00 G2, 14:30:00 G2 (exactly 30 min: same session), 14:30:20 丁 -> one wait
          from 14:00:00 = 1820 s, first, slow.
      answered 20 + 1820 = 1840 over 2; unanswered 1; first responses 20 + 1820 = 1840 over 2
      (G1's session 0 has none); slow 1.
    Unmapped: 店:无名 is on no roster row (U: buyer, human reply: 2 messages, 1 buyer, 1 human);
      店:庚 belongs to E8 only from 10-13 (X: buyer, auto, human: 3 messages, 1 buyer, 1 human).
      Both are in marts.unmapped_accounts for 10-12 and count for nobody: E8 has no 10-12 row,
      and over all employees the day has 3 + 1 + 5 + 2 = 11 consulted buyers (no U, no X) and
      3 + 1 + 4 + 2 = 10 human messages (neither U's nor X's reply).
    """
    settings = make_settings(
        tmp_path,
        "E1,甲,店:甲,普通,presale,2026-01-01,", "E2,乙,店:乙,普通,presale,2026-01-01,",
        "E3,丙,店:丙,普通,presale,2026-01-01,", "E4,丁,店:丁,普通,presale,2026-01-01,",
        "E8,庚,店:庚,普通,presale,2026-10-13,")
    a, b, c, d = "店:甲", "店:乙", "店:丙", "店:丁"
    land_chats(settings, "2026-10-12",
               ("10:00:00", a, "T", "buyer"), ("10:00:30", a, "T", "agent"),
               ("10:01:00", a, "T", "buyer"), ("10:01:10", a, "T", "agent"),
               ("10:02:00", b, "T", "buyer"), ("10:02:50", b, "T", "agent"),
               ("11:00:00", a, "W", "buyer"), ("11:00:01", a, "W", "auto"),
               ("11:00:30", a, "W", "buyer"), ("11:00:31", a, "W", "auto"),
               ("11:01:40", a, "W", "agent"),
               ("12:00:00", a, "V", "buyer"), ("12:00:01", a, "V", "auto"),
               ("07:59:59", c, "S1", "buyer"), ("08:03:00", c, "S1", "agent"),
               ("08:00:00", c, "S2", "buyer"), ("08:01:41", c, "S2", "agent"),
               ("22:59:59", c, "S3", "buyer"), ("23:01:39", c, "S3", "agent"),
               ("23:00:00", c, "S4", "buyer"), ("23:05:00", c, "S4", "agent"),
               ("23:30:00", c, "S5", "buyer"),
               ("09:00:00", d, "G1", "buyer"), ("09:31:00", d, "G1", "buyer"),
               ("09:31:20", d, "G1", "agent"),
               ("14:00:00", d, "G2", "buyer"), ("14:30:00", d, "G2", "buyer"),
               ("14:30:20", d, "G2", "agent"),
               ("13:00:00", "店:无名", "U", "buyer"), ("13:00:20", "店:无名", "U", "agent"),
               ("13:00:00", "店:庚", "X", "buyer"), ("13:00:05", "店:庚", "X", "auto"),
               ("13:00:30", "店:庚", "X", "agent"))
    land_orders(settings, "2026-10-12",
                ("501", "T", "500.00", PAID, "2026-10-12 10:30:00", "2026-10-12 10:31:00"))
    backfill_days(settings, date(2026, 10, 12), date(2026, 10, 13), instance)

    day = "2026-10-12"
    check(daily(settings, "E1", day), consulted_buyers=3, received_buyers=2, reply_rate=2 / 3,
          answered_waits=3, answered_wait_seconds=140, avg_response_seconds=140 / 3,
          unanswered_waits=1, first_responses=2, first_response_seconds_total=130,
          first_response_seconds=65.0, slow_responses=0, agent_messages=3, buyer_messages=5,
          qa_ratio=0.6, inquiry_buyers=2, converted_buyers=0, inquiry_conversion=0.0,
          credited_orders=0, sales=Decimal("0.00"))
    check(daily(settings, "E2", day), consulted_buyers=1, received_buyers=1, answered_waits=1,
          answered_wait_seconds=50, first_responses=1, first_response_seconds=50.0,
          unanswered_waits=0, inquiry_buyers=1, converted_buyers=1, inquiry_conversion=1.0,
          credited_orders=1, sales=Decimal("500.00"))
    check(daily(settings, "E3", day), consulted_buyers=5, received_buyers=4, reply_rate=0.8,
          answered_waits=2, answered_wait_seconds=201, avg_response_seconds=100.5,
          unanswered_waits=0, first_responses=2, first_response_seconds_total=201,
          first_response_seconds=100.5, slow_responses=1)
    check(daily(settings, "E4", day), consulted_buyers=2, received_buyers=2, answered_waits=2,
          answered_wait_seconds=1840, avg_response_seconds=920.0, unanswered_waits=1,
          first_responses=2, first_response_seconds_total=1840, slow_responses=1)

    waits = query(settings, "SELECT agent, buyer, session_no, wait_start, answered_at, "
                            "wait_seconds, in_service_hours, is_first_wait, buyer_messages "
                            "FROM staging.chat_waits WHERE agent IN ('店:丙', '店:丁') "
                            "OR buyer = 'W'")

    def at(hms: str) -> datetime:
        return ts(f"{day} {hms}")

    assert sorted(waits) == sorted([
        (c, "S1", 0, at("07:59:59"), at("08:03:00"), 181, False, True, 1),
        (c, "S2", 0, at("08:00:00"), at("08:01:41"), 101, True, True, 1),
        (c, "S3", 0, at("22:59:59"), at("23:01:39"), 100, True, True, 1),
        (c, "S4", 0, at("23:00:00"), at("23:05:00"), 300, False, True, 1),
        (c, "S5", 0, at("23:30:00"), None, None, False, True, 1),
        (d, "G1", 0, at("09:00:00"), None, None, True, True, 1),
        (d, "G1", 1, at("09:31:00"), at("09:31:20"), 20, True, True, 1),
        (d, "G2", 0, at("14:00:00"), at("14:30:20"), 1820, True, True, 2),
        (a, "W", 0, at("11:00:00"), at("11:01:40"), 100, True, True, 2),
    ])
    assert query(settings, "SELECT order_id, credited_account, credit_day, is_silent "
                           "FROM staging.order_attribution") == [
        ("501", b, date(2026, 10, 12), False)]

    unmapped = query(settings, "SELECT day, account, messages, buyers, agent_messages "
                               "FROM marts.unmapped_accounts")
    assert sorted(unmapped) == sorted([(date(2026, 10, 12), "店:庚", 3, 1, 1),
                                       (date(2026, 10, 12), "店:无名", 2, 1, 1)])
    assert query(settings, "SELECT employee_id, day FROM marts.agent_daily_metrics "
                           "WHERE employee_id = 'E8' ORDER BY day") == [("E8", date(2026, 10, 13))]
    assert query(settings, "SELECT sum(consulted_buyers), sum(agent_messages) "
                           "FROM marts.agent_daily_metrics WHERE day = ?", [day]) == [(11, 10)]


# --- 3. attribution edges -----------------------------------------------------------------------


def test_attribution_window_edges_two_agents_after_sale_and_unpaid(tmp_path, instance):
    """Reply day D = 2026-10-12; the window (2 days) credits orders created up to 10-14 23:59:59.

    E5 (店:戊) answers P1..P6 on 10-12, each `buyer` then a human reply 10 s later:
      P1 10:00:00/10:00:10, P2 10:05:00/10:05:10, P3 11:00:00/11:00:10, P4 12:00:00/12:00:10,
      P5 12:30:00/12:30:10, P6 14:00:00/14:00:10.
    On 10-13 E6 (店:己) answers P3 09:00:00/09:00:10, and E5 answers P3 again 12:59:50/13:00:00.
    Orders:
      101 P1, created 10-14 23:59:59 (D + 2, last second), paid -> credited 店:戊 from 10-12.
      102 P2, created 10-15 00:00:00 (D + 3), paid -> silent (last reply 10-12 10:05:10).
      103 P3, created 10-13 12:00:00, paid 12:00:30: last human reply at or before it is 己's
          10-13 09:00:10 (later than 戊's 10-12 11:00:10; 戊's 13:00:00 comes after the order)
          -> credited 店:己 from 10-13.
      104 P4, created and paid 10-01: no reply before it -> silent; 11 days before P4's first
          message of 10-12, within 15 days -> P4 is after-sale on 10-12.
      105 P5, paid 2026-09-20: 22 days before -> P5 is still an inquiry (order not attributed:
          it was created before the run's days).
      106 P6, created 10-12 15:00:00, unpaid (等待买家付款) -> credited 店:戊 from 10-12, not paid.
    E5 10-12: consulted 6, received 6, inquiry 6 - P4 = 5; converted: P1 only (102 silent,
      103 is 己's, 106 unpaid, P5 no order) -> 1 / 5 = 0.2; credited paid orders 1 (101),
      sales 120.00.
    E5 10-13: P3 wrote at 12:59:50, after paying 103 at 12:00:30 -> after-sale: consulted 1,
      received 1, inquiry 0, converted 0.
    E6 10-13: P3 consulted, received, inquiry, converted -> 1 / 1; 1 order, 140.00.
    Shop sales by creation day: 10-01 150.00 silent; 10-12 no paid order (106 unpaid);
      10-13 140.00 credited; 10-14 120.00 credited; 10-15 130.00 silent.
    """
    settings = make_settings(tmp_path, "E5,戊,店:戊,普通,presale,2026-01-01,",
                             "E6,己,店:己,普通,presale,2026-01-01,")
    e5, e6 = "店:戊", "店:己"
    d_messages = []
    for buyer, asked, answered in (("P1", "10:00:00", "10:00:10"), ("P2", "10:05:00", "10:05:10"),
                                   ("P3", "11:00:00", "11:00:10"), ("P4", "12:00:00", "12:00:10"),
                                   ("P5", "12:30:00", "12:30:10"), ("P6", "14:00:00", "14:00:10")):
        d_messages += [(asked, e5, buyer, "buyer"), (answered, e5, buyer, "agent")]
    land_chats(settings, "2026-10-12", *d_messages)
    land_chats(settings, "2026-10-13",
               ("09:00:00", e6, "P3", "buyer"), ("09:00:10", e6, "P3", "agent"),
               ("12:59:50", e5, "P3", "buyer"), ("13:00:00", e5, "P3", "agent"))
    land_orders(settings, "2026-10-01",
                ("104", "P4", "150.00", PAID, "2026-10-01 10:00:00", "2026-10-01 10:01:00"),
                ("105", "P5", "160.00", PAID, "2026-09-20 10:00:00", "2026-09-20 10:05:00"))
    land_orders(settings, "2026-10-12",
                ("106", "P6", "170.00", UNPAID, "2026-10-12 15:00:00", ""))
    land_orders(settings, "2026-10-13",
                ("103", "P3", "140.00", PAID, "2026-10-13 12:00:00", "2026-10-13 12:00:30"))
    land_orders(settings, "2026-10-15",
                ("101", "P1", "120.00", PAID, "2026-10-14 23:59:59", "2026-10-15 00:00:30"),
                ("102", "P2", "130.00", PAID, "2026-10-15 00:00:00", "2026-10-15 00:01:00"))
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 15), instance)

    assert query(settings, "SELECT order_id, last_reply_at, credited_account, credit_day, "
                           "is_paid, is_silent FROM staging.order_attribution "
                           "ORDER BY order_id") == [
        ("101", ts("2026-10-12 10:00:10"), e5, date(2026, 10, 12), True, False),
        ("102", ts("2026-10-12 10:05:10"), None, None, True, True),
        ("103", ts("2026-10-13 09:00:10"), e6, date(2026, 10, 13), True, False),
        ("104", None, None, None, True, True),
        ("106", ts("2026-10-12 14:00:10"), e5, date(2026, 10, 12), False, False),
    ]
    check(daily(settings, "E5", "2026-10-12"), consulted_buyers=6, received_buyers=6,
          inquiry_buyers=5, converted_buyers=1, inquiry_conversion=0.2, credited_orders=1,
          sales=Decimal("120.00"))
    check(daily(settings, "E5", "2026-10-13"), consulted_buyers=1, received_buyers=1,
          inquiry_buyers=0, converted_buyers=0, inquiry_conversion=None, credited_orders=0)
    check(daily(settings, "E6", "2026-10-13"), consulted_buyers=1, received_buyers=1,
          inquiry_buyers=1, converted_buyers=1, inquiry_conversion=1.0, credited_orders=1,
          sales=Decimal("140.00"))
    check(daily(settings, "E6", "2026-10-12"), consulted_buyers=0, credited_orders=0)
    assert query(settings, "SELECT day, paid_orders, sales, credited_sales, silent_orders, "
                           "silent_sales FROM marts.shop_daily_sales ORDER BY day") == [
        (date(2026, 10, 1), 1, Decimal("150.00"), Decimal("0.00"), 1, Decimal("150.00")),
        (date(2026, 10, 12), 0, Decimal("0.00"), Decimal("0.00"), 0, Decimal("0.00")),
        (date(2026, 10, 13), 1, Decimal("140.00"), Decimal("140.00"), 0, Decimal("0.00")),
        (date(2026, 10, 14), 1, Decimal("120.00"), Decimal("120.00"), 0, Decimal("0.00")),
        (date(2026, 10, 15), 1, Decimal("130.00"), Decimal("0.00"), 1, Decimal("130.00")),
    ]


# --- 5. monthly ratios and promotion days -------------------------------------------------------


def test_monthly_ratios_are_summed_and_promo_days_leave_only_conversion(tmp_path, instance):
    """October 2026; 双11 covers 10-20..10-31 (12 days), the plan leaves promotion days out of
    inquiry_conversion only.

    E9 (店:辛, on the roster all month):
      10-05: M1 10:00:00 -> 10:00:10 (10 s), 10:05:00 -> 10:05:20 (20 s), one session; M1 orders
             and pays 100.00 at 11:00 -> credited from 10-05. Day: reply 1/1, avg 30/2 = 15,
             inquiry 1, converted 1.
      10-06: M2 10:00:00 -> 10:01:00 (60 s); M3 11:00:00 and M4 12:00:00 never answered.
             Day: reply 1/3, avg 60, inquiry 1 (M2), converted 0.
      Month: reply_rate (1 + 1) / (1 + 3) = 0.5, not mean(1, 1/3) = 0.667; avg response
      (10 + 20 + 60) / 3 = 30, not mean(15, 60) = 37.5; first responses 10 (M1) + 60 (M2) = 70
      over 2 = 35; unanswered 2; conversion (1 + 0) / (1 + 1) = 0.5; days employed 31,
      promo days 12.
    E10 (店:壬, on the roster from 10-05):
      10-05: N1 10:00:00 -> 10:00:10, N2 10:30:00 -> 10:30:10; N1 pays 200.00 (12:00).
             Day: consulted 2, received 2, inquiry 2, converted 1.
      10-21 (promotion day): N3 10:00:00 -> 10:00:10; N4 11:00:00 unanswered; N3 pays 300.00
             (12:00). Day: consulted 2, received 1, inquiry 1, converted 1, inquiry_conversion
             1.0, is_promo_day.
      Month: inquiry_conversion over non-promotion days only: 1 / 2 = 0.5 (with 10-21 it would
      be 2 / 3); reply_rate keeps 10-21: (2 + 1) / (2 + 2) = 0.75; sales are not a listed
      metric: 2 orders, 500.00; days employed 10-05..10-31 = 27, promo days 12.
    The KPI lines read the same monthly sums (numerator / denominator).
    """
    settings = make_settings(tmp_path, "E9,辛,店:辛,普通,presale,2026-01-01,",
                             "E10,壬,店:壬,普通,presale,2026-10-05,")
    e9, e10 = "店:辛", "店:壬"
    land_chats(settings, "2026-10-05",
               ("10:00:00", e9, "M1", "buyer"), ("10:00:10", e9, "M1", "agent"),
               ("10:05:00", e9, "M1", "buyer"), ("10:05:20", e9, "M1", "agent"),
               ("10:00:00", e10, "N1", "buyer"), ("10:00:10", e10, "N1", "agent"),
               ("10:30:00", e10, "N2", "buyer"), ("10:30:10", e10, "N2", "agent"))
    land_chats(settings, "2026-10-06",
               ("10:00:00", e9, "M2", "buyer"), ("10:01:00", e9, "M2", "agent"),
               ("11:00:00", e9, "M3", "buyer"), ("12:00:00", e9, "M4", "buyer"))
    land_chats(settings, "2026-10-21",
               ("10:00:00", e10, "N3", "buyer"), ("10:00:10", e10, "N3", "agent"),
               ("11:00:00", e10, "N4", "buyer"))
    land_orders(settings, "2026-10-05",
                ("901", "M1", "100.00", PAID, "2026-10-05 11:00:00", "2026-10-05 11:01:00"),
                ("902", "N1", "200.00", PAID, "2026-10-05 12:00:00", "2026-10-05 12:01:00"))
    land_orders(settings, "2026-10-21",
                ("903", "N3", "300.00", PAID, "2026-10-21 12:00:00", "2026-10-21 12:01:00"))
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 31), instance)
    run_range(settings, monthly_job, "2026-10-01", "2026-10-01", instance)

    check(daily(settings, "E9", "2026-10-05"), reply_rate=1.0, avg_response_seconds=15.0,
          inquiry_conversion=1.0)
    check(daily(settings, "E9", "2026-10-06"), reply_rate=1 / 3, avg_response_seconds=60.0,
          inquiry_conversion=0.0)
    check(daily(settings, "E10", "2026-10-21"), is_promo_day=True, consulted_buyers=2,
          received_buyers=1, inquiry_buyers=1, converted_buyers=1, inquiry_conversion=1.0)

    columns = ("days_employed", "promo_days", "promo_excluded_metrics", "consulted_buyers",
               "received_buyers", "reply_rate", "answered_waits", "answered_wait_seconds",
               "avg_response_seconds", "unanswered_waits", "first_responses",
               "first_response_seconds", "inquiry_buyers", "converted_buyers",
               "inquiry_conversion", "credited_orders", "sales")
    monthly = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in query(
        settings, f"SELECT employee_id, {', '.join(columns)} FROM marts.agent_monthly_metrics "
                  "WHERE month = DATE '2026-10-01'")}
    assert sorted(monthly) == ["E10", "E9"]
    check(monthly["E9"], days_employed=31, promo_days=12,
          promo_excluded_metrics="inquiry_conversion", consulted_buyers=4, received_buyers=2,
          reply_rate=0.5, answered_waits=3, answered_wait_seconds=90, avg_response_seconds=30.0,
          unanswered_waits=2, first_responses=2, first_response_seconds=35.0, inquiry_buyers=2,
          converted_buyers=1, inquiry_conversion=0.5, credited_orders=1, sales=Decimal("100.00"))
    check(monthly["E10"], days_employed=27, promo_days=12, consulted_buyers=4, received_buyers=3,
          reply_rate=0.75, inquiry_buyers=2, converted_buyers=1, inquiry_conversion=0.5,
          credited_orders=2, sales=Decimal("500.00"))

    lines = query(settings, "SELECT employee_id, metric, numerator, denominator FROM "
                            "marts.kpi_lines WHERE metric IN ('reply_rate', 'inquiry_conversion')")
    assert sorted(lines) == sorted([
        ("E9", "reply_rate", Decimal("2"), Decimal("4")),
        ("E9", "inquiry_conversion", Decimal("1"), Decimal("2")),
        ("E10", "reply_rate", Decimal("3"), Decimal("4")),
        ("E10", "inquiry_conversion", Decimal("1"), Decimal("2")),
    ])
