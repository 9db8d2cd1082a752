"""The shop's orders: their statuses, an order and its refund, and the order book that numbers
them, draws each order's whole lifecycle when it is created and files the order under every day
on which its status changes (the daily exports it must appear in), its payer under the day it
paid.
"""

import random
from dataclasses import dataclass

from .clock import DAY, Month
from .vocab import PREMIUM_PRODUCT, PRODUCT_WEIGHTS, PRODUCTS

WAIT_PAY, PAID, SHIPPED, SUCCESS, CLOSED = range(5)
REFUND_OK, REFUND_CLOSED, REFUND_PENDING = range(3)

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


class OrderBook:
    """The month's orders and refunds, numbered from the month's own base; `Shop` is one."""

    def __init__(self, rng: random.Random, month: Month) -> None:
        self.rng = rng
        self.month = month
        # Each month numbers its orders and refunds from its own base, so the ids of two
        # generated months never collide (a later export of an id would overwrite the order).
        self.id_base = (month.first.year * 12 + month.first.month) * 10**9
        self.orders_made = 0
        self.refunds_made = 0
        self._order_days: list[list[Order]] = [[] for _ in range(month.days)]
        self._refund_days: list[list[Order]] = [[] for _ in range(month.days)]
        self._paid_days: list[list[str]] = [[] for _ in range(month.days)]

    # -- identities -------------------------------------------------------------------------

    def new_order_id(self) -> str:
        """19 digits, starting with 3 or 4, unique without remembering the ids issued."""
        self.orders_made += 1
        return f"{3 + self.orders_made % 2}{_scramble(self.id_base + self.orders_made):018d}"

    def new_refund_id(self) -> str:
        self.refunds_made += 1
        return f"{5 + self.refunds_made % 5}{_scramble(self.id_base + self.refunds_made):018d}"

    def _order(self, created: int, buyer: str, account: int, refund_p: float,
               premium: float = 0.0) -> Order | None:
        """Draw an order's lifecycle and file it under each export day it touches; a share
        `premium` of the orders are for the premium line. None if it falls after the month."""
        month_end = self.month.days * DAY
        if created >= month_end:
            return None
        rng = self.rng
        randint = rng.randint
        if premium and rng.random() < premium:
            product = PREMIUM_PRODUCT
        else:
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
        return order

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
