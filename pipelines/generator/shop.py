"""The simulated shop: buyers arrive, chat with agents, order, pay, get goods, refund and rate.

The simulation runs one day at a time and only keeps what later days still need: orders whose
lifecycle has not ended and a bounded pool of recent payers who may come back for after-sale.
An order's whole lifecycle is drawn when it is created, then the order is filed under every day
on which its status changes, which is exactly the set of daily exports it must appear in.
"""

import random
from collections import deque
from dataclasses import dataclass, field

from .clock import DAY, HOUR_CUM, HOUR_LOAD, HOURS, SERVICE_END, SERVICE_START, Month
from .orders import Order, OrderBook
from .staff import Account
from .vocab import (
    AFTERSALE_AGENT,
    AFTERSALE_BUYER,
    AUTO_LINES,
    AUTO_OFFLINE,
    PRESALE_AGENT,
    PRESALE_BUYER,
    buyer_nick,
)

BUYER, AGENT, AUTO, SYSTEM = 0, 1, 2, 3
FROM_MOBILE, OFFLINE = 1, 2

# Tuned so that 12 agents at scale 1 give roughly 150k chat messages in a 31-day month.
SESSIONS_PER_AGENT_DAY = 38.0
SILENT_ORDERS_PER_AGENT_DAY = 9.0
PROMO_TRAFFIC = 2.0
PROMO_SILENT = 4.0
AFTERSALE_SHARE = 0.12
RATE_P = 0.16
PAID_POOL = 20_000

_BURST = (1, 2, 3, 4)
_BURST_CUM = (45, 75, 90, 100)


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


class Shop(OrderBook):
    def __init__(self, rng: random.Random, month: Month, accounts: list[Account],
                 agents: int, scale: float, promo_decided_share: float = 0.0) -> None:
        super().__init__(rng, month)
        self.accounts = accounts
        self.promo_decided_share = promo_decided_share
        self.volume = agents * scale
        self.buyers = 0
        self.sessions = 0
        self.silent_orders = 0
        self._paid_pool: deque[str] = deque(maxlen=PAID_POOL)
        self._index = {a.name: i for i, a in enumerate(accounts)}

    # -- identities -------------------------------------------------------------------------

    def new_buyer(self) -> str:
        self.buyers += 1
        rng = self.rng
        return buyer_nick(rng.randrange(3), rng.randrange(1000), 1000 + self.buyers)

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
        # the rota: an agent on more of the peak hours takes more of the buyers
        pre_cum = _cumulative([a.share * a.luck.traffic_weight for a in presale])
        after_cum = _cumulative([a.share * a.luck.traffic_weight for a in aftersale])

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
        t0 = base + _clock(rng, acct.luck.hour_cum)
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
                hour_load = load * HOUR_LOAD[hour_sec // 3600]
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
        luck = acct.luck
        luck.presale_buyers += 1
        # A decided buyer orders whatever the agent does: the seed's 399-yuan buyer, and most
        # buyers of a promotion day.
        decided_p = self.promo_decided_share if promo else luck.decided_share
        decided = decided_p > 0 and rand() < decided_p
        luck.decided_buyers += decided
        skill = acct.skill.conversion
        p = 1.0 if decided else (0.3 + 0.4 * skill if promo else skill) if replies else 0.05
        if rand() < p:
            start = replies[-1] if replies else last[-1][0]
            lag = rand()
            if lag < 0.55:
                delay = randint(30, 1800)
            elif lag < 0.85:
                delay = randint(1800, 36_000)
            else:
                delay = randint(36_000, 190_000)
            order = self._order(start + delay, buyer, index[acct.name],
                                0.03 + 0.15 * (1 - acct.skill.care), luck.premium_share)
            if order is not None:
                luck.orders += 1
                luck.order_value_yuan += order.amount // 100


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _clock(rng: random.Random, hour_cum: list[float] = HOUR_CUM) -> int:
    """A second of the day drawn from the hourly buyer waves (the shop's, or a rota's)."""
    return rng.choices(HOURS, cum_weights=hour_cum)[0] * 3600 + rng.randrange(3600)


def _by_created(order: Order) -> int:
    return order.created
