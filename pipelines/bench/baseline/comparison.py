"""The comparison with kefu's warehouse: the baseline's payroll (and KPI lines) against
marts.payroll and marts.kpi_lines, to the cent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# --- comparison with kefu's warehouse --------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal as exact decimals; both missing is equal."""
    empty_a = a is None or (isinstance(a, float) and np.isnan(a)) or a == ""
    empty_b = b is None or (isinstance(b, float) and np.isnan(b)) or b == ""
    if empty_a or empty_b:
        return empty_a and empty_b
    return Decimal(str(a)) == Decimal(str(b))


def compare(payroll_csv: Path, warehouse: Path, lines_csv: Path | None = None
            ) -> tuple[int, int, list[str]]:
    """(employees matching kefu's marts.payroll to the cent on kpi_score, bonus and gross_pay,
    employees in either, mismatch descriptions). With `lines_csv` (the --lines output), each
    KPI line's numerator, denominator and points are compared with marts.kpi_lines too, and an
    employee with a differing line does not match."""
    import duckdb  # only here: the baseline itself never touches DuckDB

    ours = pd.read_csv(payroll_csv, dtype=str, keep_default_na=False).set_index("employee_id")
    month = ours["month"].iloc[0] if len(ours) else None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        theirs = {r[0]: r[1:] for r in con.execute(
            "SELECT employee_id, kpi_score, bonus, gross_pay FROM marts.payroll "
            "WHERE month = CAST(? AS DATE)", [month]).fetchall()}
        kefu_lines = {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT employee_id, metric, numerator, denominator, points FROM marts.kpi_lines "
            "WHERE month = CAST(? AS DATE)", [month]).fetchall()} if lines_csv else {}
    finally:
        con.close()
    problems: list[str] = []
    bad: set[str] = set()
    everyone = sorted(set(theirs) | set(ours.index))
    for employee in everyone:
        if employee not in theirs or employee not in ours.index:
            bad.add(employee)
            problems.append(f"{employee}: only in {'ours' if employee in ours.index else 'kefu'}")
            continue
        for column, value in zip(("kpi_score", "bonus", "gross_pay"), theirs[employee],
                                 strict=True):
            if not _same(ours.at[employee, column], value):
                bad.add(employee)
                problems.append(f"{employee} {column}: ours {ours.at[employee, column]!r}, "
                                f"kefu {value}")
    if lines_csv:
        mine = pd.read_csv(lines_csv, dtype=str, keep_default_na=False)
        ours_lines = {(r.employee_id, r.metric): (r.numerator, r.denominator, r.points)
                      for r in mine.itertuples()}
        for key in sorted(set(kefu_lines) | set(ours_lines)):
            a, b = ours_lines.get(key), kefu_lines.get(key)
            if a is None or b is None:
                problems.append(f"{key[0]} {key[1]}: line only in {'ours' if a else 'kefu'}")
                bad.add(key[0])
                continue
            for name, x, y in zip(("numerator", "denominator", "points"), a, b, strict=True):
                if not _same(x, y):
                    problems.append(f"{key[0]} {key[1]} {name}: ours {x}, kefu {y}")
                    bad.add(key[0])
    return len(everyone) - len(bad), len(everyone), problems
