"""Nothing changes in what is computed (issue 10, point 7): the session's generated October
(`clean_month`: 6 agents, seed 3, scale 0.1) pays and scores exactly as it did before the
set-based redesign. `tests/fixtures/golden/` holds `marts.payroll` and `marts.kpi_lines` as
commit 6763d53 (the per-day, per-step pipeline) computed them, run ids left out."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.conftest import warehouse_rows

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def as_text(value: object) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("table", ["marts.payroll", "marts.kpi_lines"])
def test_the_month_is_computed_as_before_the_redesign(clean_month: Settings, table: str) -> None:
    with (GOLDEN / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        header, *expected = list(csv.reader(f))
    rows = warehouse_rows(clean_month, f"SELECT {', '.join(header)} FROM {table} ORDER BY ALL")
    assert [[as_text(v) for v in row] for row in rows] == expected
