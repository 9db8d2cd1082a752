"""The month's exports finance opens (SPEC 9): `kefu export` and `kefu statement` from the
warehouse, the workbook as Excel numbers with a total row, and a month without payroll refused.
The month is test_publish's small real one (`build_month`)."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

import duckdb
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from pipelines.cli.commands import app
from tests.conftest import use_env, warehouse_rows
from tests.test_publish import MONTH, PAYROLL_COLUMNS, build_month


def test_cli_statement_and_export_use_the_warehouse(tmp_path, instance, monkeypatch):
    settings = build_month(tmp_path, instance)
    out = tmp_path / "on_demand"
    use_env(monkeypatch, replace(settings, publish=out))
    runner = CliRunner()
    for command in ("statement", "export"):
        assert runner.invoke(app, [command, "--help"]).exit_code == 0

    result = runner.invoke(app, ["statement", "--month", "2026-10", "--employee", "E2"])
    assert result.exit_code == 0, result.output
    assert (out / "statements" / "2026-10" / "E2.html").is_file()
    assert not (out / "statements" / "2026-10" / "E1.html").exists()
    assert (out / "statements" / "2026-10" / "E2.html").read_bytes() == \
        (settings.publish / "statements" / "2026-10" / "E2.html").read_bytes()
    assert runner.invoke(app, ["statement", "--month", "2026-10", "--employee", "E9"]) \
        .exit_code == 1

    for fmt in ("csv", "xlsx", "parquet"):
        result = runner.invoke(app, ["export", "--month", "2026-10", "--format", fmt])
        assert result.exit_code == 0, result.output
        assert (out / f"payroll_2026-10.{fmt}").is_file()
    assert (out / "payroll_2026-10.csv").read_bytes() == \
        (settings.publish / "payroll_2026-10.csv").read_bytes()
    parquet = duckdb.connect()
    try:
        got = parquet.execute(f"SELECT * FROM '{out / 'payroll_2026-10.parquet'}' "
                              "ORDER BY employee_id").fetchall()
        types = parquet.execute(f"DESCRIBE SELECT gross_pay FROM "
                                f"'{out / 'payroll_2026-10.parquet'}'").fetchall()
    finally:
        parquet.close()
    assert got == warehouse_rows(settings, f"SELECT {', '.join(PAYROLL_COLUMNS)} FROM "
                                           "marts.payroll ORDER BY employee_id")
    assert types[0][1] == "DECIMAL(18,2)"
    assert runner.invoke(app, ["export", "--month", "2026-10", "--format", "pdf"]).exit_code != 0


def test_xlsx_export_is_numbers_and_a_date_with_a_total_row_excel_can_sum(tmp_path, instance):
    """What finance does with the workbook: sum and sort. So every money column, kpi_score and
    days_employed are number cells (a text cell sums to 0 in Excel), the month is a date cell,
    and below the employees a total row sums each money column with =SUM(), its cached value
    the total worked out in Decimal from marts.payroll. The header row is frozen."""
    settings = build_month(tmp_path, instance)
    path = settings.publish / "payroll_2026-10.xlsx"
    marts = warehouse_rows(settings, f"SELECT {', '.join(PAYROLL_COLUMNS)} FROM marts.payroll "
                                     "WHERE month = ? ORDER BY employee_id", [MONTH])
    assert len(marts) == 2

    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["2026-10"]
    header, *body = book.get_sheet_by_name("2026-10").to_python()
    assert [h.split(" ")[-1] for h in header] == list(PAYROLL_COLUMNS)
    employees, below = body[:len(marts)], body[len(marts):]
    for got, want in zip(employees, marts, strict=True):
        for column, cell, value in zip(PAYROLL_COLUMNS, got, want, strict=True):
            if value is None:
                assert cell == "", column
            elif isinstance(value, Decimal | int):
                assert isinstance(cell, float), f"{column}: {cell!r} is not a number cell"
                assert Decimal(repr(cell)) == value, column
            else:
                assert cell == value, column
    assert all(type(row[PAYROLL_COLUMNS.index("month")]) is date for row in employees)

    money = ("base_salary", "tier_base", "bonus", "adjustments", "gross_pay")
    gross = PAYROLL_COLUMNS.index("gross_pay")
    payroll_total = sum((row[gross] for row in marts), Decimal(0))
    assert sum(Decimal(repr(row[gross])) for row in employees) == payroll_total
    assert len(below) == 1, "one total row below the employees"
    (total,) = below
    assert total[0] == "合计 Total"
    for column in money:
        at = PAYROLL_COLUMNS.index(column)
        want = sum((row[at] for row in marts if row[at] is not None), Decimal(0))
        assert Decimal(repr(total[at])) == want, column

    # The cached totals above are what a reader that does not recalculate shows; Excel and
    # LibreOffice recalculate the formulas, which must sum the employees' cells and nothing else.
    with zipfile.ZipFile(path) as archive:
        xml = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    formulas = {c.get("r"): c.findtext("m:f", namespaces=ns)
                for c in xml.iterfind(".//m:c", ns) if c.find("m:f", ns) is not None}
    letters = [chr(ord("A") + PAYROLL_COLUMNS.index(column)) for column in money]
    assert formulas == {f"{x}4": f"SUM({x}2:{x}3)" for x in letters}
    pane = xml.find(".//m:pane", ns)
    assert pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1"


def test_export_and_statement_of_a_month_without_payroll_refuse_and_write_nothing(
        tmp_path, instance, monkeypatch):
    """October is computed, September is not: `kefu export --month 2026-09` used to write a
    header-only payroll_2026-09.csv into the publish folder and exit 0."""
    settings = build_month(tmp_path, instance)
    use_env(monkeypatch, settings)
    published = {p: p.stat().st_mtime_ns for p in settings.publish.rglob("*")}
    runner = CliRunner()
    for command in ("export", "export --format parquet", "statement"):
        out = runner.invoke(app, [*command.split(), "--month", "2026-09"])
        assert out.exit_code == 1, out.output
        assert out.output.splitlines()[-1] == (
            "no payroll for 2026-09: run `kefu payroll --month 2026-09` or `kefu backfill "
            "--month 2026-09` first")
        assert "Traceback" not in out.output
    assert {p: p.stat().st_mtime_ns for p in settings.publish.rglob("*")} == published
    assert not list(settings.publish.rglob("*2026-09*"))
