"""The benchmark's pandas baseline pays the session's generated month exactly as kefu did: every
employee's KPI score, bonus and gross pay to the cent, and every KPI line's numerator,
denominator and points."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pipelines.bench import baseline
from pipelines.config.settings import Settings


def test_baseline_pays_every_employee_as_kefu_does(clean_month: Settings, tmp_path: Path,
                                                   capsys) -> None:
    payroll_csv, lines_csv = tmp_path / "payroll.csv", tmp_path / "kpi_lines.csv"
    code = baseline.main([
        "--landing", str(clean_month.landing), "--config", str(clean_month.config),
        "--month", "2026-10", "--out", str(payroll_csv), "--lines", str(lines_csv),
    ])
    assert code == 0
    assert "employees" in capsys.readouterr().out

    matched, total, problems = baseline.compare(payroll_csv, clean_month.warehouse, lines_csv)
    assert problems == []
    assert total > 1
    assert matched == total


def test_compare_names_what_differs(clean_month: Settings, tmp_path: Path) -> None:
    """A payroll that is one cent off for one employee is reported, naming the column."""
    payroll_csv = tmp_path / "payroll.csv"
    assert baseline.main([
        "--landing", str(clean_month.landing), "--config", str(clean_month.config),
        "--month", "2026-10", "--out", str(payroll_csv),
    ]) == 0
    header, first, *rest = payroll_csv.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    cells = first.split(",")
    gross = columns.index("gross_pay")
    cells[gross] = str(Decimal(cells[gross]) + Decimal("0.01"))
    payroll_csv.write_text("\n".join([header, ",".join(cells), *rest]) + "\n", encoding="utf-8")

    matched, total, problems = baseline.compare(payroll_csv, clean_month.warehouse)
    assert matched == total - 1
    assert len(problems) == 1 and f"{cells[0]} gross_pay" in problems[0]
