"""Month calendar and time formatting.

Times inside the simulation are integer seconds since the month's first midnight (shop-local),
so formatting is a table look-up: at millions of messages, strftime per message is too slow.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

DAY = 86_400
SERVICE_START = 8 * 3600
SERVICE_END = 23 * 3600
# Days after the month a timestamp may still need formatting (refund time-outs, confirmations).
_SPILL_DAYS = 40

# Buyers per hour of the day (relative): the daily waves every shop sees.
HOURLY = (0.4, 0.2, 0.1, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 4, 6, 6,
          4, 4.5, 6, 6, 5.5, 4.5, 4, 4.5, 6, 6.5, 5.5, 2)
HOURS = range(24)
HOUR_CUM = [sum(HOURLY[: h + 1]) for h in HOURS]
# The evening peak an evening rota covers: its hours keep their weights, the others none.
EVENING_HOURS = range(18, 23)
# Agents answer more slowly when the hour is busy: part of the luck the KPI has to live with.
HOUR_LOAD = [0.85 + 0.35 * w / max(HOURLY) for w in HOURLY]

_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
_HMS_BARE = [f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]


def evening_hours(evening: float) -> list[float]:
    """Cumulative hour weights of a rota with a share `evening` of its buyers in the evening
    peak and the rest in the shop's daily waves."""
    day_total = sum(HOURLY)
    evening_total = sum(HOURLY[h] for h in EVENING_HOURS)
    weights = [(1 - evening) * w / day_total + (evening * w / evening_total
                                                 if h in EVENING_HOURS else 0.0)
               for h, w in zip(HOURS, HOURLY, strict=True)]
    return [sum(weights[: h + 1]) for h in HOURS]


def _promotions(year: int) -> list[tuple[str, date, date]]:
    return [
        ("618", date(year, 6, 1), date(year, 6, 18)),
        ("双11", date(year, 10, 20), date(year, 11, 11)),
        ("双12", date(year, 12, 1), date(year, 12, 12)),
    ]


@dataclass
class Month:
    """One calendar month and the lookup tables that format its timestamps."""

    label: str
    first: date = field(init=False)
    days: int = field(init=False)
    promotions: list[tuple[str, date, date]] = field(init=False)
    promo_day: list[bool] = field(init=False)
    iso_dates: list[str] = field(init=False)
    bare_dates: list[str] = field(init=False)
    slash_dates: list[str] = field(init=False)

    def __post_init__(self) -> None:
        try:
            year, mon = (int(part) for part in self.label.split("-"))
            self.first = date(year, mon, 1)
        except ValueError as exc:
            raise ValueError(f"month must be YYYY-MM, got {self.label!r}") from exc
        self.label = f"{year:04d}-{mon:02d}"
        self.days = calendar.monthrange(year, mon)[1]
        last = self.first + timedelta(days=self.days - 1)
        self.promotions = [p for p in _promotions(year) if p[1] <= last and p[2] >= self.first]
        self.promo_day = [
            any(start <= self.date(d) <= end for _, start, end in self.promotions)
            for d in range(self.days)
        ]
        span = [self.date(d) for d in range(self.days + _SPILL_DAYS)]
        self.iso_dates = [x.isoformat() for x in span]
        self.bare_dates = [f"{x.year}-{x.month}-{x.day}" for x in span]
        self.slash_dates = [f"{x.year}/{x.month}/{x.day}" for x in span]

    def date(self, day: int) -> date:
        return self.first + timedelta(days=day)

    def ts(self, t: int) -> str:
        """`2026-10-01 10:48:12`"""
        return f"{self.iso_dates[t // DAY]} {_HMS[t % DAY]}"

    def ts_excel(self, t: int) -> str:
        """`2026/10/1 10:48`, as Excel re-saves an export."""
        return f"{self.slash_dates[t // DAY]} {_HMS_BARE[t % DAY][:-3]}"

    def ts_bare(self, t: int) -> str:
        """`2026-10-1 9:05:03`, the 千牛 transcript opener."""
        return f"{self.bare_dates[t // DAY]} {_HMS_BARE[t % DAY]}"

    def ts_iso(self, t: int) -> str:
        """`2026-10-01T10:48:12+08:00`"""
        return f"{self.iso_dates[t // DAY]}T{_HMS[t % DAY]}+08:00"
