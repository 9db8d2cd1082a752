"""Buyers are matched across chats, orders and ratings on a buyer id column (买家ID,
buyer_open_uid, OUID) where both exports carry one, else on the nick, and a masked nick
(t******7) never matches by itself; each day reports its chat-to-order match rate, and a day
whose rate collapses is flagged by a warning. Expected values by hand from SPEC 6 (default
plan: window 2 days); 2026-10-05..10-15 holds no promotion day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from dagster import DagsterInstance

from pipelines.cli.signals import data_quality_signals
from pipelines.config.settings import Settings
from pipelines.config.shop import load_config
from pipelines.orchestration.runner import backfill_days
from pipelines.warehouse.database import connect
from tests.conftest import ingest, land
from tests.conftest import warehouse_rows as query
from tests.test_metrics import PAID, check, daily, make_settings

ORDERS = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间"
ACCOUNT = "店:甲"


def chats_csv(day: str, *messages: tuple[str, str, str, str]) -> str:
    """messages: (time of day, buyer nick, buyer id or "", 买家 or 客服), all on 店:甲."""
    return "时间,客服,买家,发送方,内容,买家ID\n" + "".join(
        f"{day} {at},{ACCOUNT},{nick},{sender},msg,{buyer_id}\n"
        for at, nick, buyer_id, sender in messages)


def orders_csv(*orders: tuple[str, ...], with_ids: bool = True) -> str:
    """orders: (order id, nick, amount, created at, paid at[, buyer id]), all paid."""
    header = ORDERS + (",买家ID" if with_ids else "")
    return header + "\n" + "".join(
        ",".join((order_id, nick, amount, PAID, created, paid, *rest)) + "\n"
        for order_id, nick, amount, created, paid, *rest in orders)


def noon_orders(day: str, nick: str, count: int = 10) -> str:
    """`count` paid orders of 10.00 created at noon of 2026-10-<day>, by nicks `nick` numbered
    from 0, without buyer ids."""
    noon, paid = f"2026-10-{day} 12:00:00", f"2026-10-{day} 12:01:00"
    return orders_csv(*((f"{day}{n:02}", nick.format(n), "10.00", noon, paid, "")
                        for n in range(count)))


def exchange(at: str, reply: str, nick: str, buyer_id: str = "") -> list[tuple[str, ...]]:
    return [(at, nick, buyer_id, "买家"), (reply, nick, buyer_id, "客服")]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = make_settings(tmp_path_factory.mktemp("buyers"),
                             f"E1,甲,{ACCOUNT},普通,presale,2026-01-01,")
    day = "2026-10-12"
    land(settings, "chats", day, "chats.csv", chats_csv(day, *(
        exchange("10:00:00", "10:00:30", "alice", "U1") + exchange("10:10:00", "10:10:30",
                                                                   "bob", "U2")
        + exchange("10:20:00", "10:20:30", "c**9") + exchange("10:30:00", "10:30:30", "dan")
        + exchange("10:40:00", "10:40:30", "eve", "U5")
        + exchange("10:50:00", "10:50:30", "fay", "U6")
        + exchange("11:00:00", "11:00:30", "g**"))))
    land(settings, "orders", "2026-10-05", "ExportOrderList.csv", orders_csv(
        ("9006", "f**y", "50.00", "2026-10-05 09:00:00", "2026-10-05 09:01:00", "U6"),
        ("9007", "g**", "60.00", "2026-10-05 09:00:00", "2026-10-05 09:01:00", "")))
    noon, paid = f"{day} 12:00:00", f"{day} 12:01:00"
    land(settings, "orders", day, "ExportOrderList.csv", orders_csv(
        ("1001", "a***e", "100.00", noon, paid, "U1"), ("1002", "bob", "200.00", noon, paid, "U9"),
        ("1003", "c**9", "300.00", noon, paid, ""), ("1004", "dan", "400.00", noon, paid, "U4")))
    land(settings, "orders", day, "ExportOrderList_old.csv", orders_csv(
        ("1005", "eve", "500.00", noon, paid), with_ids=False))
    # 10-13: every order's nick masked and no id, while the chats show the nicks in full
    masked_chats = [m for n in range(10) for m in exchange(f"09:0{n}:00", f"09:0{n}:30", f"tb{n}7")]
    land(settings, "chats", "2026-10-13", "chats.csv", chats_csv("2026-10-13", *masked_chats))
    land(settings, "orders", "2026-10-13", "ExportOrderList.csv", noon_orders("13", "t****{}7"))
    # 10-14: ten orders; x0 wrote and was answered, x1 wrote and was not. 10-15: three orders,
    # no buyer wrote
    land(settings, "chats", "2026-10-14", "chats.csv", chats_csv(
        "2026-10-14", *exchange("09:00:00", "09:00:30", "x0"), ("09:10:00", "x1", "", "买家")))
    land(settings, "orders", "2026-10-14", "ExportOrderList.csv", noon_orders("14", "x{}"))
    land(settings, "orders", "2026-10-15", "ExportOrderList.csv", noon_orders("15", "y{}", 3))
    with DagsterInstance.ephemeral() as instance:
        backfill_days(settings, date(2026, 10, 5), date(2026, 10, 15), instance)
    yield settings


def test_ids_beat_nicks_and_masked_nicks_never_match(shop: Settings) -> None:
    """10-12, every buyer's chat is one message answered 30 s later by 甲; orders at 12:00.
      alice U1 / order a***e U1: the same id -> credited, whatever the masked nick.
      bob U2 / order bob U9: two ids, two buyers -> silent, though the nicks agree.
      c**9 / order c**9, no ids: a masked nick matches nothing -> silent.
      dan (no id) / order dan U4: the chat has no id, the nick decides -> credited.
      eve U5 / order eve in an export without the id column: the nick decides -> credited.
      fay U6: a paid order on 10-05 by f**y U6, 15 days before her chat -> after-sale.
      g** (no id): the 10-05 order by g** is masked -> no match, so g** is an inquiry.
    E1: consulted = received = 7; inquiries 7 - fay = 6; converted alice, dan, eve = 3 -> 0.5;
    credited orders 3, sales 100 + 400 + 500 = 1000.00.
    """
    check(daily(shop, "E1", "2026-10-12"), consulted_buyers=7, received_buyers=7,
          inquiry_buyers=6, converted_buyers=3, inquiry_conversion=0.5, credited_orders=3,
          sales=Decimal("1000.00"))
    credited = query(shop, "SELECT order_id, credited_account, last_reply_buyer, buyer_id "
                           "FROM staging.order_attribution WHERE order_id LIKE '100_' "
                           "OR order_id LIKE '900_'")
    assert sorted(credited) == [
        ("1001", ACCOUNT, "alice", "U1"), ("1002", None, None, "U9"), ("1003", None, None, None),
        ("1004", ACCOUNT, "dan", "U4"), ("1005", ACCOUNT, "eve", None),
        ("9006", None, None, "U6"), ("9007", None, None, None)]


def test_each_day_reports_its_chat_to_order_match_rate_and_a_collapse_warns(
        shop: Settings) -> None:
    """Paid orders whose buyer wrote to the shop that day or the 2 days before / paid orders:
      10-05: f**y and g** wrote on no day from 10-03 -> 0 / 2 = 0.0;
      10-12: alice (by id), dan, eve; not bob (ids differ) nor c**9 (masked) -> 3 / 5 = 0.6;
      10-13: all ten masked, none matches -> 0 / 10 = 0.0;
      10-14: x0 and x1 (unanswered: matched, though silent) -> 2 / 10 = 0.2; silent 9;
      10-15: none -> 0 / 3 = 0.0.
    The warning judges days with at least 10 paid orders against a floor of 5%: 10-14 passes,
    10-13 fails (1 day unexpected); 10-05, 10-12 and 10-15 have too few orders to judge. A
    warning: the run succeeded, and no error-severity expectation failed.
    """
    rows = query(shop, "SELECT day, paid_orders, silent_orders, chat_matched_orders, "
                       "chat_match_rate FROM marts.shop_daily_sales ORDER BY day")
    assert rows == [(date(2026, 10, 5), 2, 2, 0, 0.0), (date(2026, 10, 12), 5, 2, 3, 0.6),
                    (date(2026, 10, 13), 10, 10, 0, 0.0), (date(2026, 10, 14), 10, 9, 2, 0.2),
                    (date(2026, 10, 15), 3, 3, 0, 0.0)]
    assert query(shop, "SELECT severity, success, unexpected_count FROM audit.check_results "
                       "WHERE suite = 'marts.shop_daily_sales.match_rate'") == [
        ("warn", False, 1)]
    assert query(shop, "SELECT count(*) FROM audit.check_results "
                       "WHERE severity = 'error' AND NOT success") == [(0,)]
    # and the summary ops read after the run says which day, and what to do
    con = connect(shop.warehouse)
    try:
        signals = data_quality_signals(con, load_config(shop.config), date(2026, 10, 5),
                                       date(2026, 10, 15))
    finally:
        con.close()
    collapsed = [s for s in signals if s.startswith("chat-to-order match rate")]
    assert collapsed == [collapsed[0]] and collapsed[0].startswith(
        "chat-to-order match rate under 5% on 2026-10-13: ") and "买家ID" in collapsed[0]


def test_ratings_and_chat_messages_of_look_alike_masked_nicks_stay_apart(settings) -> None:
    """Two buyers whose nicks are masked alike (t***1) rate 店:甲 in the same second with the
    same result, and write it the same message (in two exports of the day, where one message
    landed twice is kept once): their ids (R1, R2) keep them two ratings and two messages; the
    very same rating landed again is still one."""
    at = "2026-10-12 10:00:00"
    land(settings, "ratings", "2026-10-12", "ratings.csv",
         "评价时间,客服,买家,评价结果,买家ID\n"
         f"{at},{ACCOUNT},t***1,很满意,R1\n{at},{ACCOUNT},t***1,很满意,R2\n"
         f"{at},{ACCOUNT},t***1,很满意,R1\n")
    for buyer_id in ("R1", "R2"):
        land(settings, "chats", "2026-10-12", f"chats_{buyer_id}.csv", chats_csv(
            "2026-10-12", ("10:00:00", "t***1", buyer_id, "买家")))
    ingest(settings, "ratings", "2026-10-12").close()
    con = ingest(settings, "chats", "2026-10-12")
    try:
        assert con.execute("SELECT buyer_id FROM kefu_ratings(DATE '2026-10-12', "
                           "DATE '2026-10-12') ORDER BY ALL").fetchall() == [("R1",), ("R2",)]
        assert con.execute("SELECT buyer_id FROM staging.chat_messages "
                           "ORDER BY ALL").fetchall() == [("R1",), ("R2",)]
    finally:
        con.close()


def test_a_warehouse_written_before_buyer_ids_gains_the_columns(settings) -> None:
    """The buyer columns dropped from a warehouse (as one written before them has none): a
    connection adds them back, last, and a chats load fills them."""
    con = connect(settings.warehouse)
    for table, columns in (("raw.chats", ("buyer_id", "parsed_buyer_id")),
                           ("staging.chat_messages", ("buyer_id",)),
                           ("staging.order_attribution",
                            ("buyer_id", "last_reply_buyer", "buyer_chatted")),
                           ("marts.shop_daily_sales", ("chat_matched_orders", "chat_match_rate"))):
        for column in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.close()
    land(settings, "chats", "2026-10-12", "chats.csv", chats_csv(
        "2026-10-12", ("10:00:00", "alice", "U1", "买家")))
    con = ingest(settings, "chats", "2026-10-12")
    try:
        assert con.execute("SELECT buyer, buyer_id FROM staging.chat_messages").fetchall() == [
            ("alice", "U1")]
        assert _last_columns(con, "shop_daily_sales", 2) == ["chat_matched_orders",
                                                             "chat_match_rate"]
        assert _last_columns(con, "order_attribution", 3) == ["buyer_id", "last_reply_buyer",
                                                              "buyer_chatted"]
    finally:
        con.close()


def _last_columns(con: duckdb.DuckDBPyConnection, table: str, count: int) -> list[str]:
    names = [name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [table]).fetchall()]
    return names[-count:]
