"""Attribution's ties and lookups (sql/intermediate/order_attribution.sql): two accounts replying
in the same second, an order looked up under two keys, and which buyers count as having chatted
for the match rate. Expected values by hand from SPEC 6 (default plan: window 2 days);
2026-10-09..10-12 holds no promotion day."""

from __future__ import annotations

from datetime import date, datetime

from pipelines.orchestration.runner import backfill_days
from tests.conftest import land
from tests.conftest import warehouse_rows as query
from tests.test_metrics import PAID, make_settings

AMY, BOB = "店:amy", "店:bob"
CHATS = "时间,客服,买家,发送方,内容,买家ID"
ORDERS = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,买家ID"


def land_chats(settings, day: str, *messages: tuple[str, str, str, str, str]) -> None:
    """messages: (time of day, account, buyer nick, 买家 or 客服, buyer id or "")."""
    land(settings, "chats", day, "chats.csv", CHATS + "\n" + "".join(
        f"{day} {at},{account},{nick},{sender},msg,{buyer_id}\n"
        for at, account, nick, sender, buyer_id in messages))


def test_ties_two_keys_and_who_chatted(tmp_path, instance):
    """Every order is created 2026-10-12 11:00:00 and paid a minute later.
      201 Q1: bob then amy reply at 10:00:10, the same second -> the alphabetically first
          account, 店:amy.
      202 q2 / U2: amy answered the id U2 at 09:00:10; bob answered the nick q2 in a chat
          without ids at 10:30:10. The order carries both -> the later reply, bob's.
      203 Q3: wrote at 20:00, after the order, and got no reply -> silent, but chatted.
      204 Q4: wrote on 10-09 and amy replied at 09:00:10, three days before -> silent (the
          window ended 10-11), last reply 10-09 09:00:10; not chatted (the window's days are
          10-10..10-12).
      205 Q5: wrote on 10-10, two days before, without a reply -> silent, chatted.
    Shop, 10-12: 5 paid orders; chatted 201, 202, 203, 205 -> 4 matched, rate 0.8.
    """
    settings = make_settings(tmp_path, f"E1,艾米,{AMY},普通,presale,2026-01-01,",
                             f"E2,鲍勃,{BOB},普通,presale,2026-01-01,")
    land_chats(settings, "2026-10-09", ("09:00:00", AMY, "Q4", "买家", ""),
               ("09:00:10", AMY, "Q4", "客服", ""))
    land_chats(settings, "2026-10-10", ("15:00:00", AMY, "Q5", "买家", ""))
    land_chats(settings, "2026-10-12",
               ("10:00:00", BOB, "Q1", "买家", ""), ("10:00:10", BOB, "Q1", "客服", ""),
               ("10:00:10", AMY, "Q1", "客服", ""),
               ("09:00:00", AMY, "q2", "买家", "U2"), ("09:00:10", AMY, "q2", "客服", "U2"),
               ("10:30:00", BOB, "q2", "买家", ""), ("10:30:10", BOB, "q2", "客服", ""),
               ("20:00:00", AMY, "Q3", "买家", ""))
    created, paid = "2026-10-12 11:00:00", "2026-10-12 11:01:00"
    land(settings, "orders", "2026-10-12", "ExportOrderList.csv", ORDERS + "\n" + "".join(
        f"{order_id},{nick},100.00,{PAID},{created},{paid},{buyer_id}\n"
        for order_id, nick, buyer_id in (("201", "Q1", ""), ("202", "q2", "U2"), ("203", "Q3", ""),
                                         ("204", "Q4", ""), ("205", "Q5", ""))))
    backfill_days(settings, date(2026, 10, 9), date(2026, 10, 12), instance)

    assert query(settings, "SELECT order_id, credited_account, last_reply_at, last_reply_buyer, "
                           "is_silent, buyer_chatted FROM staging.order_attribution "
                           "ORDER BY order_id") == [
        ("201", AMY, datetime(2026, 10, 12, 10, 0, 10), "Q1", False, True),
        ("202", BOB, datetime(2026, 10, 12, 10, 30, 10), "q2", False, True),
        ("203", None, None, None, True, True),
        ("204", None, datetime(2026, 10, 9, 9, 0, 10), "Q4", True, False),
        ("205", None, None, None, True, True),
    ]
    assert query(settings, "SELECT paid_orders, chat_matched_orders, chat_match_rate "
                           "FROM marts.shop_daily_sales WHERE day = '2026-10-12'") == [(5, 4, 0.8)]
