"""The simulated shop: buyers arrive, chat with agents, order, pay, get goods, refund and rate.

The simulation runs one day at a time and only keeps what later days still need: orders whose
lifecycle has not ended and a bounded pool of recent payers who may come back for after-sale.
An order's whole lifecycle is drawn when it is created, then the order is filed under every day
on which its status changes, which is exactly the set of daily exports it must appear in.
"""

import random
from collections import deque
from dataclasses import dataclass, field

from .clock import DAY, SERVICE_END, SERVICE_START, Month
from .staff import Account
from .vocab import (
    AFTERSALE_AGENT,
    AFTERSALE_BUYER,
    AUTO_LINES,
    AUTO_OFFLINE,
    PRESALE_AGENT,
    PRESALE_BUYER,
    PRODUCT_WEIGHTS,
    PRODUCTS,
    buyer_nick,
)

BUYER, AGENT, AUTO, SYSTEM = 0, 1, 2, 3
FROM_MOBILE, OFFLINE = 1, 2

WAIT_PAY, PAID, SHIPPED, SUCCESS, CLOSED = range(5)
REFUND_OK, REFUND_CLOSED, REFUND_PENDING = range(3)

# Tuned so that 12 agents at scale 1 give roughly 150k chat messages in a 31-day month.
SESSIONS_PER_AGENT_DAY = 38.0
SILENT_ORDERS_PER_AGENT_DAY = 9.0
PROMO_TRAFFIC = 2.0
PROMO_SILENT = 4.0
AFTERSALE_SHARE = 0.12
RATE_P = 0.16
PAID_POOL = 20_000

_HOURLY = (0.4, 0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 4, 6, 6,
           4, 4.5, 6, 6, 5.5, 4.5, 4, 4.5, 6, 6.5, 5.5, 2)
_HOURS = range(24)
_HOUR_CUM = [sum(_HOURLY[: h + 1]) for h in _HOURS]
# Agents answer more slowly when the hour is busy: part of the luck the KPI has to live with.
_HOUR_LOAD = [0.85 + 0.35 * w / max(_HOURLY) for w in _HOURLY]
_BURST = (1, 2, 3, 4)
_BURST_CUM = (45, 75, 90, 100)
_PRODUCT_CUM = [sum(PRODUCT_WEIGHTS[: i + 1]) for i in range(len(PRODUCTS))]
_PRODUCT_IDX = range(len(PRODUCTS))


class Order:
    """One order and its drawn lifecycle: `events` are (time, status, refunded cents)."""

    __slots__ = (
        "account",
        "amount",
        "buyer",
        "cosmetic",
        "created",
        "events",
        "order_id",
        "paid",
        "product",
        "quantity",
        "refund",
        "shipped",
    )

    def __init__(self, order_id: str, buyer: str, account: int, product: int, quantity: int,
                 created: int, cosmetic: int) -> None:
        self.order_id = order_id
        self.buyer = buyer
        self.account = account
        self.product = product
        self.quantity = quantity
        self.amount = PRODUCTS[product][1] * quantity * 100
        self.created = created
        self.cosmetic = cosmetic
        self.events: list[tuple[int, int, int]] = [(created, WAIT_PAY, 0)]
        self.paid = -1
        self.shipped = -1
        self.refund: Refund | None = None

    def state(self, end: int) -> tuple[int, int]:
        """Status and refunded cents as of time `end` (exclusive)."""
        status, refunded = WAIT_PAY, 0
        for t, s, r in self.events:
            if t >= end:
                break
            status, refunded = s, r
        return status, refunded


@dataclass(slots=True)
class Refund:
    refund_id: str
    applied: int
    resolved: int
    outcome: int
    amount: int
    reason: int
    after_shipping: bool

    def status(self, end: int) -> int:
        return self.outcome if self.resolved < end else REFUND_PENDING


@dataclass(slots=True)
class Segment:
    """Consecutive messages of one buyer with one account (a transfer starts a new segment)."""

    account: int
    buyer: str
    messages: list[tuple[int, int, str]]
    flags: int


@dataclass
class Day:
    segments: list[Segment] = field(default_factory=list)
    ratings: list[tuple[int, int, str, int]] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    refunds: list[Order] = field(default_factory=list)


class Shop:
    def __init__(self, rng: random.Random, month: Month, accounts: list[Account],
                 agents: int, scale: float) -> None:
        self.rng = rng
        self.month = month
        self.accounts = accounts
        self.volume = agents * scale
        self.buyers = 0
        # Each month numbers its orders and refunds from its own base, so the ids of two
        # generated months never collide (a later export of an id would overwrite the order).
        self.id_base = (month.first.year * 12 + month.first.month) * 10**9
        self.orders_made = 0
        self.refunds_made = 0
        self.sessions = 0
        self.silent_orders = 0
        self._order_days: list[list[Order]] = [[] for _ in range(month.days)]
        self._refund_days: list[list[Order]] = [[] for _ in range(month.days)]
        self._paid_days: list[list[str]] = [[] for _ in range(month.days)]
        self._paid_pool: deque[str] = deque(maxlen=PAID_POOL)
        self._index = {a.name: i for i, a in enumerate(accounts)}

    # -- identities -------------------------------------------------------------------------

    def new_buyer(self) -> str:
        self.buyers += 1
        rng = self.rng
        return buyer_nick(rng.randrange(3), rng.randrange(1000), 1000 + self.buyers)

    def new_order_id(self) -> str:
        """19 digits, starting with 3 or 4, unique without remembering the ids issued."""
        self.orders_made += 1
        return f"{3 + self.orders_made % 2}{_scramble(self.id_base + self.orders_made):018d}"

    def new_refund_id(self) -> str:
        self.refunds_made += 1
        return f"{5 + self.refunds_made % 5}{_scramble(self.id_base + self.refunds_made):018d}"

    # -- one day ----------------------------------------------------------------------------

    def simulate(self, d: int) -> Day:
        rng = self.rng
        promo = self.month.promo_day[d]
        if d:
            self._paid_pool.extend(self._paid_days[d - 1])
            self._paid_days[d - 1] = []
        weekend = self.month.date(d).weekday() >= 5
        wave = rng.lognormvariate(0, 0.08) * (1.15 if weekend else 1.0)
        out = Day()
        present = [a for a in self.accounts if a.works(d)]
        presale = [a for a in present if a.role == "presale"] or present
        aftersale = [a for a in present if a.role == "aftersale"] or presale
        pre_cum = _cumulative([a.share for a in presale])
        after_cum = _cumulative([a.share for a in aftersale])

        n_pre = round(SESSIONS_PER_AGENT_DAY * self.volume * wave * (PROMO_TRAFFIC if promo else 1))
        for _ in range(n_pre):
            acct = rng.choices(presale, cum_weights=pre_cum)[0]
            self._session(d, out, acct, presale, self.new_buyer(), promo, False)
        n_after = min(len(self._paid_pool) // 3, round(n_pre * AFTERSALE_SHARE))
        for _ in range(n_after):
            if rng.random() < 0.8:
                acct = rng.choices(aftersale, cum_weights=after_cum)[0]
            else:
                acct = rng.choices(presale, cum_weights=pre_cum)[0]
            buyer = self._paid_pool[rng.randrange(len(self._paid_pool))]
            self._session(d, out, acct, presale, buyer, promo, True)
        n_silent = round(SILENT_ORDERS_PER_AGENT_DAY * self.volume * wave
                         * (PROMO_SILENT if promo else 1))
        self.silent_orders += n_silent
        for _ in range(n_silent):
            self._order(d * DAY + _clock(rng), self.new_buyer(), -1, 0.06)

        out.orders = sorted(self._order_days[d], key=_by_created)
        out.refunds = sorted(self._refund_days[d], key=_by_created)
        self._order_days[d] = []
        self._refund_days[d] = []
        return out

    def _session(self, d: int, out: Day, acct: Account, presale: list[Account],
                 buyer: str, promo: bool, aftersale: bool) -> None:
        rng = self.rng
        rand = rng.random
        choice = rng.choice
        randint = rng.randint
        index = self._index
        self.sessions += 1
        buyer_lines, agent_lines = (
            (AFTERSALE_BUYER, AFTERSALE_AGENT) if aftersale else (PRESALE_BUYER, PRESALE_AGENT))
        base = d * DAY
        t0 = base + _clock(rng)
        flags = (FROM_MOBILE if rand() < 0.7 else 0) | (
            0 if SERVICE_START <= t0 - base < SERVICE_END else OFFLINE)
        load = 1.3 if promo else 1.0
        ignored = rand() < acct.ignore_p
        exchanges = 1 + min(int(rng.expovariate(0.55)), 7)
        seg = Segment(index[acct.name], buyer, [], flags)
        segments = [seg]
        msgs = seg.messages
        t = t0
        waits = []
        for ex in range(exchanges):
            # The agent's reply is decided first: a buyer who types several lines in a row
            # stops once answered, so the wait is the agent's delay, not the burst's length.
            burst = t
            hour_sec = burst % DAY
            if ignored or (ex == exchanges - 1 and ex and rand() < 0.25):
                reply = -1
            elif SERVICE_START <= hour_sec < SERVICE_END:
                hour_load = load * _HOUR_LOAD[hour_sec // 3600]
                reply = burst + (acct.first_delay(rng, hour_load) if ex == 0
                                 else acct.delay(rng, hour_load))
            elif hour_sec < SERVICE_START and rand() < acct.follow_up_p:
                reply = burst - hour_sec + SERVICE_START + randint(30, 1800)
            elif hour_sec >= SERVICE_END and rand() < acct.follow_up_p:
                reply = burst + acct.delay(rng, load)
            else:
                reply = -1
            for k in range(rng.choices(_BURST, cum_weights=_BURST_CUM)[0]):
                if k and 0 <= reply <= t:
                    break
                msgs.append((t, BUYER, choice(buyer_lines)))
                if ex == 0 and k == 0 and (flags & OFFLINE or rand() < 0.55):
                    auto = AUTO_OFFLINE if flags & OFFLINE else choice(AUTO_LINES)
                    at = t + randint(1, 3)
                    msgs.append((min(at, reply - 1) if reply >= 0 else at, AUTO, auto))
                t += randint(2, 12)
            if reply < 0:
                break
            t = reply
            waits.append(t - burst)
            msgs.append((t, AGENT, choice(agent_lines)))
            if rand() < 0.35:
                t += randint(5, 40)
                msgs.append((t, AGENT, choice(agent_lines)))
            t += randint(10, 240)
            if ex == 0 and exchanges > 1 and not aftersale and len(presale) > 1 and rand() < 0.04:
                target = choice(presale)
                if target is not acct:
                    seg = Segment(index[target.name], buyer, [], 0)
                    segments.append(seg)
                    msgs = seg.messages
                    msgs.append((t - 1, SYSTEM, f"由 {acct.name} 转交给 {target.name}"))
                    acct = target

        # A conversation is cut at midnight rather than spilling into the next day's files.
        if t >= base + DAY:
            for s in segments:
                s.messages[:] = [m for m in s.messages if m[0] < base + DAY]
            segments = [s for s in segments if any(m[1] == BUYER for m in s.messages)]
        out.segments.extend(segments)
        last = segments[-1].messages
        replies = [m[0] for m in last if m[1] == AGENT]
        if replies and rand() < RATE_P * (1.5 if aftersale else 1):
            slow = sum(waits) / len(waits) if waits else 0
            score = 2.75 + 2.4 * acct.skill.care - (0.6 if slow > 60 else 0) - (
                0.6 if slow > 100 else 0) + rng.gauss(0, 0.8)
            rated = min(base + DAY - 1, last[-1][0] + randint(10, 900))
            out.ratings.append((rated, index[acct.name], buyer, min(5, max(1, round(score)))))
        if aftersale:
            return
        skill = acct.skill.conversion
        p = (0.3 + 0.4 * skill if promo else skill) if replies else 0.05
        if rand() < p:
            start = replies[-1] if replies else last[-1][0]
            lag = rand()
            if lag < 0.55:
                delay = randint(30, 1800)
            elif lag < 0.85:
                delay = randint(1800, 36_000)
            else:
                delay = randint(36_000, 190_000)
            self._order(start + delay, buyer, index[acct.name], 0.03 + 0.15 * (1 - acct.skill.care))

    def _order(self, created: int, buyer: str, account: int, refund_p: float) -> None:
        """Draw an order's lifecycle and file it under each export day it touches."""
        month_end = self.month.days * DAY
        if created >= month_end:
            return
        rng = self.rng
        randint = rng.randint
        product = rng.choices(_PRODUCT_IDX, cum_weights=_PRODUCT_CUM)[0]
        roll = rng.random()
        quantity = 3 if roll < 0.015 else 2 if roll < 0.095 else 1
        order = Order(self.new_order_id(), buyer, account, product, quantity, created,
                      rng.getrandbits(32))
        events = order.events
        if rng.random() < 0.1:
            events.append((created + randint(600, 86_400), CLOSED, 0))
        else:
            paid = created + (randint(5, 600) if rng.random() < 0.9 else randint(600, 10_800))
            order.paid = paid
            events.append((paid, PAID, 0))
            shipped = paid + randint(7200, 144_000)
            done = shipped + randint(3 * DAY, 10 * DAY)
            if rng.random() < refund_p:
                refund = self._refund(order, paid, shipped)
                if refund.outcome == REFUND_OK and refund.amount == order.amount:
                    if refund.after_shipping:
                        events.append((shipped, SHIPPED, 0))
                        order.shipped = shipped
                    events.append((refund.resolved, CLOSED, refund.amount))
                    done = -1
                else:
                    done = max(done, refund.resolved + DAY)
                    if refund.outcome == REFUND_OK and not refund.after_shipping:
                        shipped = max(shipped, refund.resolved + 600)
                    if refund.after_shipping or refund.outcome != REFUND_PENDING:
                        events.append((shipped, SHIPPED, 0))
                        order.shipped = shipped
                    if refund.outcome == REFUND_OK:
                        events.append((refund.resolved, -1, refund.amount))
            else:
                events.append((shipped, SHIPPED, 0))
                order.shipped = shipped
            if done > 0 and order.shipped > 0:
                events.append((done, SUCCESS, 0))
            events.sort()
            _carry_status(events)
            if paid < month_end:
                self._paid_days[paid // DAY].append(buyer)
        days = sorted({t // DAY for t, _, _ in events if t < month_end})
        for day in days:
            self._order_days[day].append(order)
        if order.refund:
            for day in sorted({order.refund.applied // DAY, order.refund.resolved // DAY}):
                if day < self.month.days and (day == order.refund.applied // DAY
                                              or order.refund.outcome != REFUND_PENDING):
                    self._refund_days[day].append(order)

    def _refund(self, order: Order, paid: int, shipped: int) -> Refund:
        rng = self.rng
        applied = paid + rng.randint(3600, 6 * DAY)
        roll = rng.random()
        outcome = REFUND_OK if roll < 0.75 else REFUND_CLOSED if roll < 0.9 else REFUND_PENDING
        resolved = applied + rng.randint(3600, 3 * DAY)
        amount = order.amount
        if rng.random() < 0.15:
            amount = min(order.amount - 100, rng.choice((1000, 2000, 3000)))
        order.refund = Refund(self.new_refund_id(), applied, resolved, outcome, amount,
                              rng.randrange(6), applied >= shipped)
        return order.refund


def _carry_status(events: list[tuple[int, int, int]]) -> None:
    """A partial refund changes the refunded amount, not the status (marked -1), and a refunded
    amount stays on the order through its later status changes."""
    status, refunded = WAIT_PAY, 0
    for i, (t, s, r) in enumerate(events):
        status = status if s < 0 else s
        refunded = max(refunded, r)
        events[i] = (t, status, refunded)


def _scramble(n: int) -> int:
    # Multiplying by a number coprime to 10 permutes 0..10**18-1: distinct n, distinct ids,
    # yet consecutive orders do not get visibly consecutive ids.
    return (n * 614_889_782_588_491_411 + 271_828_182_845_904_523) % 10**18


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _clock(rng: random.Random) -> int:
    """A second of the day drawn from the hourly buyer waves."""
    return rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0] * 3600 + rng.randrange(3600)


def _by_created(order: Order) -> int:
    return order.created
