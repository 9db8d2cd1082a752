"""Numbers as a statement shows them: at the precision a person reads, rounded half-up in
Decimal, with the exact decimal kept beside them (`data-value`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PERCENT_METRICS = {"inquiry_conversion", "reply_rate", "satisfaction", "refund_rate",
                   "slow_response_rate"}
SECONDS_METRICS = {"avg_response_seconds", "first_response_seconds"}

# Decimals shown per unit; "whole" is a count or weight: no decimals when integral.
PLACES = {"seconds": 1, "percent": 1, "ratio": 2, "money": 2, "score": 2, "points": 4,
          "whole": 2}


@dataclass(frozen=True)
class Figure:
    """A number as the page shows it (`text`) and the mart's exact decimal (`exact`)."""

    text: str
    exact: str


def figure(value: Decimal | int | None, unit: str) -> Figure | None:
    """`value` at the precision a person reads, rounded half-up in Decimal (never through a
    float): seconds 1 decimal, a rate or share as a percentage with 1 decimal, a ratio, money or
    score 2, points 4 (the precision they are summed at), a count or weight as an integer when
    integral (else 2). None (no data) stays None."""
    if value is None:
        return None
    number = Decimal(value)
    if unit == "whole" and number == number.to_integral_value():
        return Figure(str(int(number)), str(value))
    shown = number * 100 if unit == "percent" else number
    text = str(shown.quantize(Decimal(1).scaleb(-PLACES[unit]), ROUND_HALF_UP))
    return Figure(text + "%" if unit == "percent" else text, str(value))


def metric_unit(metric: str) -> str:
    if metric in PERCENT_METRICS:
        return "percent"
    return "seconds" if metric in SECONDS_METRICS else "ratio"


def shown_step(metric: str) -> Decimal:
    """The smallest change of a metric's value the page shows: 0.1% is 0.001, 0.1 s is 0.1."""
    unit = metric_unit(metric)
    return Decimal(1).scaleb(-PLACES[unit] - (2 if unit == "percent" else 0))
