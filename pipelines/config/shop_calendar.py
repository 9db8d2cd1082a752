"""calendar.yaml: promotion periods and the days the shop was closed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ValidationError,
    model_validator,
)

from pipelines.config.rules import (
    ConfigModel,
    Day,
    Name,
    config_errors,
    read_yaml,
    rule_error,
)

# --- calendar.yaml -------------------------------------------------------------------------------


class Promotion(ConfigModel):
    """A promotion period, inclusive on both ends, in shop-local days."""

    name: Name
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> Promotion:
        if self.last < self.first:
            raise rule_error(("to",), f"{self.last} is before from ({self.first})")
        return self


class Calendar(ConfigModel):
    """Promotion periods (a day belongs to at most one, so its name in reports is unambiguous),
    and the days the shop was closed: no export is expected for them, so they do not keep a
    month from being complete. Written as `promotions:` and `shop_closed:`, or as a bare list
    of promotions."""

    promotions: list[Promotion] = Field(default_factory=list)
    shop_closed: list[Day] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list_is_the_promotions(cls, data: Any) -> Any:
        """A file that is only a list of periods (SPEC 5 reads it the same) lists promotions;
        anything else but a mapping is told which two shapes there are."""
        if isinstance(data, list):
            return {"promotions": data}
        if not isinstance(data, dict):
            raise ValueError("expected `promotions: [{name, from, to}, ...]` and `shop_closed: "
                             f"[YYYY-MM-DD, ...]`, or a bare list of promotions; got {data!r}")
        return data

    @model_validator(mode="after")
    def _promotions_do_not_overlap(self) -> Calendar:
        for j, later in enumerate(self.promotions):
            for i, earlier in enumerate(self.promotions[:j]):
                if later.first <= earlier.last and earlier.first <= later.last:
                    raise rule_error(("promotions", j),
                                f"{later.name} ({later.first} to {later.last}) overlaps "
                                f"promotions[{i}] {earlier.name} ({earlier.first} to "
                                f"{earlier.last}); promotions must not overlap")
        return self

    def promo_days(self, first: date, last: date) -> dict[date, str]:
        """Every promotion day between first and last (inclusive) -> the promotion's name."""
        days: dict[date, str] = {}
        for promo in self.promotions:
            start, end = max(promo.first, first), min(promo.last, last)
            for ordinal in range(start.toordinal(), end.toordinal() + 1):
                days[date.fromordinal(ordinal)] = promo.name
        return days


def load_calendar(path: Path) -> Calendar:
    """Read and validate calendar.yaml; an empty file means no promotions."""
    data = read_yaml(path)
    try:
        return Calendar.model_validate({} if data is None else data)
    except ValidationError as err:
        raise config_errors(path, err) from None
