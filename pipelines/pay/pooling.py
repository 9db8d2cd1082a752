"""The monthly metrics a month is scored on: its own row of marts.agent_monthly_metrics per
employee, or, under a plan version with `pool_months` > 1, that row with every KPI numerator,
denominator and sample summed over the month and the `pool_months - 1` months before it (each as
its monthly metrics were computed: `restated.*` for a closed month re-run since). A pooled line
weighs a month's luck less (twice the sample for two months), at the price of scoring last
month's work again. The KPI asset, `kefu whatif` and `kefu plan-check` all score what
`month_metrics` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from pipelines.config.plan import PlanVersion
from pipelines.pay.month_inputs import monthly_metrics
from pipelines.pay.scoring import METRIC_COLUMNS

# every column a KPI line reads (numerator, denominator, sample), each once
POOLED_COLUMNS = tuple(dict.fromkeys(c for columns in METRIC_COLUMNS.values() for c in columns))


@dataclass(frozen=True)
class MonthMetrics:
    """One employee's metrics row to score and the months its KPI columns sum."""

    row: dict[str, Any]
    months: tuple[date, ...]

    @property
    def note(self) -> str:
        """What a KPI line of a pooled row says: empty for the month alone."""
        if len(self.months) == 1:
            return ""
        return (f"pooled: {self.months[0]:%Y-%m}..{self.months[-1]:%Y-%m} "
                f"({len(self.months)} months' numerators and denominators)")


def months_before(first: date, count: int) -> list[date]:
    """The first days of the `count` months ending with `first`, oldest first."""
    index = first.year * 12 + first.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count - 1, -1, -1)]


def month_metrics(con: duckdb.DuckDBPyConnection, first: date,
                  version: PlanVersion) -> list[MonthMetrics]:
    """The month's metrics rows, by employee, pooled as `version.pool_months` says. An employee
    is scored if the month has a row for them; months before it without one (not yet hired, not
    computed) add nothing."""
    own = monthly_metrics(con, first)
    if version.pool_months == 1:
        return [MonthMetrics(row, (first,)) for row in own]
    pooled = {row["employee_id"]: (dict(row), [first]) for row in own}
    for month in months_before(first, version.pool_months)[:-1]:
        for earlier in monthly_metrics(con, month):
            if earlier["employee_id"] not in pooled:
                continue
            row, months = pooled[earlier["employee_id"]]
            for column in POOLED_COLUMNS:
                row[column] += earlier[column]
            months.append(month)
    return [MonthMetrics(row, tuple(sorted(months))) for row, months in pooled.values()]
