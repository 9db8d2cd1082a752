"""Staging: each source's rows typed, checked and de-duplicated as kefu's sql/ingest and
sql/staging do, with the sender, order status and rating words they map."""

from __future__ import annotations

import pandas as pd

from .parsers import accounts, money_cents, text, timestamps

SENDERS = {"buyer": "buyer", "买家": "buyer", "顾客": "buyer", "agent": "agent", "客服": "agent",
           "auto": "auto", "自动回复": "auto", "机器人": "auto", "店小蜜": "auto",
           "system": "system", "系统": "system"}
SELLER_CENTER_STATUSES = (
    "等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认",
    "卖家已发货，等待买家确认收货并付款", "买家已签收", "交易成功", "交易关闭", "交易被淘宝关闭",
)
# the API enums some tools write, mapped onto the seller-center wording
ORDER_STATUS = {
    "WAIT_BUYER_PAY": "等待买家付款", "WAIT_SELLER_SEND_GOODS": "买家已付款，等待卖家发货",
    "WAIT_BUYER_CONFIRM_GOODS": "卖家已发货，等待买家确认", "TRADE_FINISHED": "交易成功",
    "TRADE_CLOSED": "交易关闭", "TRADE_CLOSED_BY_TAOBAO": "交易被淘宝关闭",
    **{s: s for s in SELLER_CENTER_STATUSES},
}
RATINGS = {"很满意": 5, "非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "很不满意": 1,
           "非常不满意": 1, "5": 5, "4": 4, "3": 3, "2": 2, "1": 1}


# --- staging: typed, checked, de-duplicated --------------------------------------------------


def stage_chats(raw: pd.DataFrame) -> pd.DataFrame:
    sent_at = timestamps(raw["sent_at"])
    agent, buyer = accounts(raw["agent"]), text(raw["buyer"])
    sender = text(raw["sender"]).str.lower().map(SENDERS)
    # sql/ingest/check_chats.sql: these rows go to raw.rejected_rows
    ok = sent_at.notna() & agent.notna() & buyer.notna() & sender.notna()
    m = pd.DataFrame({"sent_at": sent_at, "agent": agent, "buyer": buyer, "sender": sender,
                      "content": raw["content"].astype("str").str.strip(" ").fillna(""),
                      "message_id": text(raw["message_id"]), "export_day": raw["export_day"],
                      "file": raw["file"]})[ok]
    # sql/staging/chat_messages.sql: a message is its message_id, else (time, account, buyer,
    # sender, content, ordinal in its file); the same message landed in several files or on
    # several export days counts once.
    # kefu hashes those fields into one key; comparing the columns themselves is the same test.
    fields = ["sent_at", "agent", "buyer", "sender", "content"]
    has_id = m["message_id"].notna()
    key = m[fields].assign(ordinal=m.groupby(["export_day", "file", *fields],
                                             sort=False).cumcount())
    key = key.mask(has_id, axis=0).assign(message_id=m["message_id"])
    # what the metrics need of a message; the rest only told copies apart
    return m.loc[~key.duplicated(keep="first"), ["sent_at", "agent", "buyer", "sender"]]


def stage_orders(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_orders.sql, then sql/staging/orders.sql: one row per order, from the
    latest export day it appeared in (the last row of it there)."""
    order_id, buyer = text(raw["order_id"]), text(raw["buyer"])
    amount, status = money_cents(raw["amount"]), text(raw["status"]).map(ORDER_STATUS)
    created, paid_text = timestamps(raw["created_at"]), text(raw["paid_at"])
    paid = timestamps(raw["paid_at"])
    refund_text, refund = text(raw["refund_amount"]), money_cents(raw["refund_amount"])
    ok = (order_id.str.fullmatch("[0-9]+").fillna(False).astype(bool) & buyer.notna()
          & amount.notna() & (amount >= 0).fillna(False) & status.notna() & created.notna()
          & (paid_text.isna() | paid.notna()) & (refund_text.isna() | refund.notna())
          & (refund.fillna(0) >= 0))
    o = pd.DataFrame({"order_id": order_id, "buyer": buyer, "amount": amount,
                      "created_at": created, "paid_at": paid, "row": raw["row"]})[ok]
    return o.sort_values("row").drop_duplicates("order_id", keep="last")


def stage_refunds(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_refunds.sql, sql/staging/refunds.sql: the latest row per refund id;
    only 退款成功 is a refund."""
    order_id, refund_id = text(raw["order_id"]), text(raw["refund_id"])
    amount, status = money_cents(raw["refund_amount"]), text(raw["status"])
    ok = (order_id.notna() & refund_id.notna() & amount.notna() & (amount >= 0).fillna(False)
          & timestamps(raw["applied_at"]).notna() & status.notna())
    r = pd.DataFrame({"refund_id": refund_id, "order_id": order_id, "refund_cents": amount,
                      "refunded": status == "退款成功", "row": raw["row"]})[ok]
    return r.sort_values("row").drop_duplicates("refund_id", keep="last")


def stage_ratings(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_ratings.sql; a rating (time, account, buyer, result) exported on several
    days or in several files counts once (sql/readers.sql)."""
    r = pd.DataFrame({"rated_at": timestamps(raw["rated_at"]), "agent": accounts(raw["agent"]),
                      "buyer": text(raw["buyer"]), "rating": text(raw["rating"]).map(RATINGS)})
    return r.dropna().drop_duplicates()
