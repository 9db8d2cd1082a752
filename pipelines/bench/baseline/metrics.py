"""The metrics: buyer waits, order attribution, and the daily and monthly numerators and
denominators of marts.agent_daily_metrics and marts.agent_monthly_metrics."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Plan, held_by_day, load_plan, load_roster, promo_days
from .readers import read_source
from .staging import stage_chats, stage_orders, stage_ratings, stage_refunds

# same-second messages sort buyer, auto, agent, system, so a same-second reply answers
SENDER_RANK = {"buyer": 0, "auto": 1, "agent": 2, "system": 3}
INQUIRY_LOOKBACK = pd.Timedelta(days=15)  # a paid order this recent makes the chat after-sale


# --- metrics ---------------------------------------------------------------------------------


def waits(m: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """One row per buyer wait (sql/intermediate/chat_waits.sql): sessions per day, account and
    buyer split at gaps over session_gap_minutes; a wait starts at the first buyer message after
    the last human reply and ends at the next human reply (auto and system never answer)."""
    m = m.assign(rank=m["sender"].map(SENDER_RANK), agent_code=pd.factorize(m["agent"])[0],
                 buyer_code=pd.factorize(m["buyer"])[0])
    m = m.sort_values(["day", "agent_code", "buyer_code", "sent_at", "rank"], kind="stable")
    conv = m[["day", "agent_code", "buyer_code"]]
    new_conv = (conv != conv.shift()).any(axis=1).to_numpy()
    gap = (m["sent_at"].diff() > plan.session_gap).to_numpy()
    new_session = new_conv | gap
    session = np.cumsum(new_session)
    is_agent = (m["sender"] == "agent").to_numpy()
    is_buyer = (m["sender"] == "buyer").to_numpy()
    # a new wait after each human reply: the reply closes the wait it is part of
    new_wait = new_session | np.concatenate([[True], is_agent[:-1]])
    wait = np.cumsum(new_wait)
    frame = pd.DataFrame({"wait": wait, "session": session, "sent_at": m["sent_at"].to_numpy(),
                          "day": m["day"].to_numpy(), "agent": m["agent"].to_numpy()})
    buyer_part = frame[is_buyer].groupby("wait").agg(
        session=("session", "first"), day=("day", "first"), agent=("agent", "first"),
        start=("sent_at", "min"))
    answered = frame[is_agent].groupby("wait")["sent_at"].min().rename("answered_at")
    w = buyer_part.join(answered)
    w["seconds"] = (w["answered_at"] - w["start"]).dt.total_seconds()
    w["first"] = ~w["session"].duplicated()  # waits are in session order: first of each
    clock = (w["start"] - w["start"].dt.floor("D")).dt.total_seconds()
    w["counted"] = (clock >= plan.service_start) & (clock < plan.service_end)
    return w.reset_index(drop=True)


def attribution(messages: pd.DataFrame, orders: pd.DataFrame, first: date, last: date,
                plan: Plan) -> pd.DataFrame:
    """下单优先判定 (sql/intermediate/order_attribution.sql): each order created on the month's
    days and the window after them goes to the account of the buyer's last human reply at or
    before it, if it falls on that reply's day or one of window_days after; two accounts
    replying in the same second: the alphabetically first."""
    replies = messages[messages["sender"] == "agent"].groupby(["buyer", "sent_at"], as_index=False,
                                                              sort=False)["agent"].min()
    created_day = orders["created_at"].dt.floor("D")
    o = orders[(created_day >= pd.Timestamp(first))
               & (created_day <= pd.Timestamp(last) + pd.Timedelta(days=plan.window_days))]
    o = pd.merge_asof(o.sort_values("created_at"),
                      replies.rename(columns={"sent_at": "reply_at"}).sort_values("reply_at"),
                      left_on="created_at", right_on="reply_at", by="buyer",
                      direction="backward", allow_exact_matches=True)
    credit_day = o["reply_at"].dt.floor("D")
    in_window = o["created_at"].dt.floor("D") <= credit_day + pd.Timedelta(days=plan.window_days)
    return o.assign(credit_day=credit_day.where(in_window), account=o["agent"].where(in_window))


def daily_metrics(landing: Path, config: Path, month: str) -> tuple[pd.DataFrame, Plan]:
    """marts.agent_daily_metrics: one row per day and employee on the roster that day."""
    first = date.fromisoformat(f"{month}-01")
    last = first.replace(day=monthrange(first.year, first.month)[1])
    days = [first + timedelta(days=i) for i in range(last.day)]
    plan = load_plan(config / "plan.yaml", first)
    roster = load_roster(config / "roster.csv")
    held = held_by_day(roster, pd.DatetimeIndex(days))
    # an employee's level and role on a day: of the roster row that started last
    employees = held.sort_values("effective_from").groupby(["day", "employee_id"]).last() \
        .reset_index()[["day", "employee_id", "name", "level", "role"]]
    owner = held[["day", "account", "employee_id"]].rename(columns={"account": "agent"})

    messages = stage_chats(read_source(landing, "chats", days))
    orders = stage_orders(read_source(landing, "orders", days))
    refunds = stage_refunds(read_source(landing, "refunds", days))
    ratings = stage_ratings(read_source(landing, "ratings", days))

    messages["day"] = messages["sent_at"].dt.floor("D")
    month_messages = messages[(messages["day"] >= pd.Timestamp(first))
                              & (messages["day"] <= pd.Timestamp(last))]
    keys = ["day", "employee_id"]

    # waits, on the sub-account they were waited on, then the employee holding it that day
    w = waits(month_messages, plan).merge(owner, on=["day", "agent"])
    counted = w[w["counted"]]
    answered = counted[counted["answered_at"].notna()]
    firsts = answered[answered["first"]]
    wait_counts = pd.concat([
        answered.groupby(keys).size().rename("answered_waits"),
        answered.groupby(keys)["seconds"].sum().rename("answered_wait_seconds"),
        firsts.groupby(keys).size().rename("first_responses"),
        firsts.groupby(keys)["seconds"].sum().rename("first_response_seconds_total"),
        answered[answered["seconds"] > plan.slow_seconds].groupby(keys).size()
        .rename("slow_responses"),
    ], axis=1)

    mm = month_messages.merge(owner, on=["day", "agent"])
    mm["is_buyer"] = mm["sender"] == "buyer"
    mm["is_agent"] = mm["sender"] == "agent"
    message_counts = mm.groupby(keys)[["is_agent", "is_buyer"]].sum().rename(
        columns={"is_agent": "agent_messages", "is_buyer": "buyer_messages"})

    # buyers who wrote to the employee that day; received = got a human reply that day
    buyers = mm.groupby([*keys, "buyer"]).agg(buyer_messages=("is_buyer", "sum"),
                                              replies=("is_agent", "sum")).reset_index()
    buyers = buyers[buyers["buyer_messages"] > 0]
    first_seen = mm[mm["is_buyer"]].groupby([*keys, "buyer"])["sent_at"].min() \
        .rename("first_message_at")
    buyers = buyers.join(first_seen, on=[*keys, "buyer"])
    received = buyers[buyers["replies"] > 0].sort_values("first_message_at")
    # an inquiry unless the buyer had a paid order in the 15 days before their first message
    paid = orders.loc[orders["paid_at"].notna(), ["buyer", "paid_at"]].sort_values("paid_at")
    received = pd.merge_asof(received, paid, left_on="first_message_at", right_on="paid_at",
                             by="buyer", direction="backward", allow_exact_matches=False)
    received["inquiry"] = ~(received["paid_at"] >= received["first_message_at"]
                            - INQUIRY_LOOKBACK)

    refunded = refunds[refunds["refunded"]].groupby("order_id")["refund_cents"].sum()
    credited = attribution(messages, orders, first, last, plan)
    credited = credited[credited["paid_at"].notna() & credited["credit_day"].notna()]
    credited = credited.merge(owner.rename(columns={"agent": "account", "day": "credit_day"}),
                              on=["credit_day", "account"]).rename(columns={"credit_day": "day"})
    credited = credited[(credited["day"] >= pd.Timestamp(first))
                        & (credited["day"] <= pd.Timestamp(last))]
    credited["refunded_cents"] = credited["order_id"].map(refunded).fillna(0).astype("int64")
    sales = credited.groupby(keys).agg(credited_orders=("order_id", "size"),
                                       sales_cents=("amount", "sum"),
                                       refunded_cents=("refunded_cents", "sum"))
    converted = received[received["inquiry"]].merge(
        credited[[*keys, "buyer"]].drop_duplicates(), on=[*keys, "buyer"])
    buyer_counts = pd.concat([
        buyers.groupby(keys).size().rename("consulted_buyers"),
        received.groupby(keys).size().rename("received_buyers"),
        received.groupby(keys)["inquiry"].sum().rename("inquiry_buyers"),
        converted.groupby(keys).size().rename("converted_buyers"),
    ], axis=1)

    ratings["day"] = ratings["rated_at"].dt.floor("D")
    rated = ratings.merge(owner, on=["day", "agent"])
    rated["satisfied"] = rated["rating"] >= 4
    rating_counts = rated.groupby(keys).agg(ratings=("rating", "size"),
                                            satisfied_ratings=("satisfied", "sum"))

    daily = employees.set_index(keys).join(
        [buyer_counts, message_counts, wait_counts, sales, rating_counts])
    numeric = [c for c in daily.columns if c not in ("name", "level", "role")]
    daily[numeric] = daily[numeric].fillna(0).astype("int64")
    daily = daily.reset_index()
    daily["promo"] = daily["day"].dt.date.isin(promo_days(config / "calendar.yaml"))
    return daily, plan


def monthly_metrics(daily: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """marts.agent_monthly_metrics: the month's summed numerators and denominators, promotion
    days left out of the metrics the plan lists; level and role of the last employed day."""
    d = daily.sort_values("day")
    per_metric = {"reply_rate": ["consulted_buyers", "received_buyers"],
                  "avg_response_seconds": ["answered_waits", "answered_wait_seconds"],
                  "first_response_seconds": ["first_responses", "first_response_seconds_total"],
                  "slow_response_rate": ["slow_responses", "slow_base"],
                  "qa_ratio": ["agent_messages", "buyer_messages"],
                  "inquiry_conversion": ["inquiry_buyers", "converted_buyers"],
                  "refund_rate": ["refunded_cents", "refund_base_cents"],
                  "satisfaction": ["ratings", "satisfied_ratings"]}
    d = d.assign(slow_base=d["answered_waits"], refund_base_cents=d["sales_cents"])
    for metric, columns in per_metric.items():
        if metric in plan.promo_excluded:
            d.loc[d["promo"], columns] = 0
    g = d.groupby("employee_id")
    sums = g[[c for cols in per_metric.values() for c in cols] + ["credited_orders"]].sum()
    return sums.join(g[["name", "level", "role"]].last()).join(g.size().rename("days_employed"))
