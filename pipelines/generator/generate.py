"""`generate`: one simulated shop month written into the landing layout, plus its manifest."""

import random
from pathlib import Path

from .clock import DAY, Month
from .luck import Luck
from .orders import REFUND_OK, SUCCESS, Order, Refund
from .shop import Shop
from .staff import a_later_month, build_team, deal_luck, roster_rows
from .vocab import ADJUSTMENTS, SHOP
from .writers import (
    ADJUSTMENT_HEADER,
    ROSTER_HEADER,
    write_chats,
    write_manifest,
    write_orders,
    write_plain_csv,
    write_ratings,
    write_refunds,
)


def generate(month: str, out: Path, agents: int = 12, seed: int = 7, scale: float = 1.0,
             luck: Luck | None = None, team_month: str | None = None) -> dict:
    """Write a simulated shop month into the landing layout under `out`; return the manifest dict.

    Same arguments give byte-identical files. Volume grows linearly with `agents * scale`
    (12 agents at scale 1 is about 150k chat messages); memory stays bounded because the month is
    simulated and written one day at a time. `luck` (default `Luck()`, the seed's) is what falls
    on persons; `Luck.even()` writes the files the generator wrote before it had any.

    `team_month` (default: `month`) is the team's first month: a later `month` simulates the
    same team (same seed, same people, skills and roster, which `_roster.csv` repeats) through
    a month of its own luck, drawn from a stream of its own, and writes its manifest as
    `_manifest_<month>.json`, so one landing zone can hold the team's consecutive months.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    luck = luck or Luck()
    cal = Month(month)
    team_cal = Month(team_month) if team_month else cal
    if team_cal.first > cal.first:
        raise ValueError(f"team_month {team_cal.label} is after month {cal.label}")
    out = Path(out)
    rng = random.Random(seed)
    employees, accounts = build_team(rng, team_cal, agents, luck)
    if team_cal.first < cal.first:
        rng = random.Random(f"{seed}/{cal.label}")
        a_later_month(rng, employees, cal)
    deal_luck(rng, employees, cal, luck)
    shop = Shop(rng, cal, accounts, agents, scale, luck.promo_decided_share)
    # The planted rows go on different days, away from the month's edges.
    bad_chat_day, bad_order_day, bad_refund_day = rng.sample(range(2, cal.days - 2), 3)
    wide_colon = next(i for i, a in enumerate(accounts)
                      if a.fmt == "csv" and a.employee is not None and a.employee is employees[1])

    counts = {"chats": 0, "orders": 0, "refunds": 0, "ratings": 0}
    bad_rows = []
    for d in range(cal.days):
        day = shop.simulate(d)
        chats, line = write_chats(out, cal, d, day.segments, accounts, wide_colon, rng,
                                  rng.random() if d == bad_chat_day else None)
        counts["chats"] += chats
        if line:
            bad_rows.append(_bad("chats", cal, d, f"聊天记录_{_stamp(cal, d)}.csv", line,
                                 "bad_time"))
        bad = _planted_order(shop, d) if d in (bad_order_day, bad_refund_day) else None
        rows, line = write_orders(out, cal, d, day.orders, rng,
                                  bad if d == bad_order_day else None)
        counts["orders"] += rows
        if line:
            bad_rows.append(_bad("orders", cal, d, f"ExportOrderList{_stamp(cal, d)}2359.csv",
                                 line, "negative_amount"))
        rows, line = write_refunds(out, cal, d, day.refunds, rng,
                                   bad if d == bad_refund_day else None)
        counts["refunds"] += rows
        if line:
            bad_rows.append(_bad("refunds", cal, d, f"RefundList{_stamp(cal, d)}.csv", line,
                                 "missing_order_id"))
        counts["ratings"] += write_ratings(out, cal, d, day.ratings, accounts)

    counts["adjustments"] = write_plain_csv(
        out / "adjustments" / cal.label / "qa_points.csv", ADJUSTMENT_HEADER,
        [[employees[i].employee_id, kind, amount, reason]
         for i, kind, amount, reason in ADJUSTMENTS if i < len(employees)])
    write_plain_csv(out / "_roster.csv", ROSTER_HEADER, roster_rows(employees))

    manifest = {
        "seed": seed,
        "month": cal.label,
        "agents": agents,
        "scale": scale,
        "team_month": team_cal.label,
        "luck": luck.as_dict(),
        "shop": SHOP,
        "promotions": [{"name": n, "from": a.isoformat(), "to": b.isoformat()}
                       for n, a, b in cal.promotions],
        "employees": [
            {
                "employee_id": e.employee_id,
                "name": e.name,
                "accounts": [a.name for a in e.accounts],
                "role": e.role,
                "levels": [{"level": lv, "from": a.isoformat(), "to": b.isoformat() if b else None}
                           for lv, a, b in e.levels],
                "skill": e.skill.as_dict(),
                "days_off": [cal.date(x).isoformat() for x in e.days_off],
                "luck": e.luck.as_dict(),
            }
            for e in employees
        ],
        "unmapped_accounts": [a.name for a in accounts if a.employee is None],
        "bad_rows": bad_rows,
        "counts": counts,
        "simulation": {
            "buyers": shop.buyers,
            "sessions": shop.sessions,
            "orders_created": shop.orders_made,
            "silent_orders": shop.silent_orders,
            "refunds": shop.refunds_made,
        },
    }
    write_manifest(out / ("_manifest.json" if team_cal is cal else
                          f"_manifest_{cal.label}.json"), manifest)
    return manifest


def _planted_order(shop: Shop, d: int) -> Order:
    """An order (with a refund) that exists only in a planted bad row: its id and buyer appear
    nowhere else, so rejecting the row leaves the good data whole."""
    created = d * DAY + 12 * 3600
    order = Order(shop.new_order_id(), shop.new_buyer(), -1, 0, 1, created, 0)
    order.paid = created + 60
    order.events += [(order.paid, SUCCESS, 0)]
    order.refund = Refund(shop.new_refund_id(), created + 600, created + 900, REFUND_OK,
                          order.amount, 0, False)
    return order


def _stamp(cal: Month, d: int) -> str:
    return cal.iso_dates[d].replace("-", "")


def _bad(source: str, cal: Month, d: int, name: str, line: int, kind: str) -> dict:
    return {"source": source, "file": f"{source}/{cal.iso_dates[d]}/{name}", "line": line,
            "kind": kind}
