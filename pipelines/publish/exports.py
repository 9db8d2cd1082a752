"""The month's payroll exports in `KEFU_PUBLISH`: `payroll_<YYYY-MM>.csv` (UTF-8 with BOM, for
Excel) and on demand `.parquet`, the month's `marts.payroll` rows with money exact (decimal
text, a Parquet DECIMAL), never through a float; `payroll_<YYYY-MM>.xlsx`, the same rows as
Excel number and date cells with a total row, so finance can sum and sort them (see
`write_payroll_xlsx`)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipelines.publish.atomic import atomic_path
from pipelines.warehouse.database import sql_literal

EXPORT_FORMATS = ("csv", "xlsx", "parquet")

# marts.payroll's columns in export order, with the Chinese header finance reads in Excel.
PAYROLL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("employee_id", "员工编号"),
    ("name", "姓名"),
    ("month", "月份"),
    ("level", "级别"),
    ("role", "岗位"),
    ("days_employed", "在职天数"),
    ("base_salary", "底薪"),
    ("kpi_score", "KPI得分"),
    ("tier_base", "奖金档位基数"),
    ("bonus", "绩效奖金"),
    ("adjustments", "调整"),
    ("gross_pay", "应发工资"),
    ("plan_version", "方案版本"),
    ("status", "状态"),
    ("run_id", "运行编号"),
)

MONEY_COLUMNS = ("base_salary", "tier_base", "bonus", "adjustments", "gross_pay")
# Excel number formats of the xlsx export's number and date cells; other columns are text.
XLSX_FORMATS = {**dict.fromkeys(MONEY_COLUMNS, "#,##0.00"), "kpi_score": "0.00",
                "days_employed": "0", "month": "yyyy-mm"}
XLSX_TOTAL_LABEL = "合计 Total"


def export_header() -> list[str]:
    """'员工编号 employee_id': Chinese for the reader, the column name for the machine."""
    return [f"{chinese} {column}" for column, chinese in PAYROLL_COLUMNS]


def month_label(month: date) -> str:
    return month.isoformat()[:7]


# --- writing a file atomically -------------------------------------------------------------------



def payroll_rows(con: duckdb.DuckDBPyConnection, month: date) -> list[tuple[Any, ...]]:
    """The month's marts.payroll rows in export column order, by employee; money as Decimal."""
    columns = ", ".join(column for column, _ in PAYROLL_COLUMNS)
    return con.execute(f"SELECT {columns} FROM marts.payroll WHERE month = ? "
                       "ORDER BY employee_id", [month]).fetchall()


def cell_text(value: Any) -> str:
    """A value as exact text: Decimal as written ('3500.00'), a date as ISO, NULL as ''."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):  # no payroll column is a float; refuse to guess its digits
        raise TypeError(f"unexpected float in the payroll export: {value!r}")
    return str(value)


def export_path(publish_dir: Path, month: date, fmt: str) -> Path:
    return publish_dir / f"payroll_{month_label(month)}.{fmt}"


def write_payroll_csv(con: duckdb.DuckDBPyConnection, month: date, target: Path) -> int:
    """UTF-8 with BOM (Excel then shows the Chinese), one header row, exact decimal text."""
    rows = payroll_rows(con, month)
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(export_header())
        writer.writerows([cell_text(v) for v in row] for row in rows)
    return len(rows)


def write_payroll_xlsx(con: duckdb.DuckDBPyConnection, month: date, target: Path) -> int:
    """One sheet named after the month: one bold header row, bilingual as in the CSV, frozen
    together with the id and name columns; a row per employee whose money (`#,##0.00`),
    kpi_score (`0.00`) and days_employed are number cells and whose month is a date cell shown
    as `yyyy-mm`; then a total row summing each money column with `=SUM()`, its exact Decimal
    total cached for readers that do not recalculate. The autofilter covers the header and data
    only, so a sort by KPI moves the employees and leaves the total row last. A month with no
    rows is the header alone, as in the CSV."""
    rows = payroll_rows(con, month)
    columns = [column for column, _ in PAYROLL_COLUMNS]
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False})
        try:
            sheet = book.add_worksheet(month_label(month))
            bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
            formats = {column: book.add_format({"num_format": number_format})
                       for column, number_format in XLSX_FORMATS.items()}
            for col, title in enumerate(export_header()):
                sheet.write_string(0, col, title, bold)
                sheet.set_column(col, col, max(12, len(title) + 2))
            for r, row in enumerate(rows, start=1):
                for col, (column, value) in enumerate(zip(columns, row, strict=True)):
                    _write_xlsx_cell(sheet, r, col, value, formats.get(column))
            if rows:
                total = book.add_format({"bold": True, "num_format": XLSX_FORMATS["gross_pay"]})
                _write_total_row(sheet, rows, columns, total)
            sheet.autofilter(0, 0, len(rows), len(columns) - 1)
            sheet.freeze_panes(1, 2)
        finally:
            book.close()
    return len(rows)


def xlsx_number(value: Decimal) -> float:
    """The one place a payroll Decimal (money, the KPI score) becomes a float, because an xlsx
    number cell is a binary double. The values have at most 2 decimals and far fewer than 15
    significant digits, so the double is the one nearest the exact value and reads back as it."""
    return float(value)


def _write_xlsx_cell(sheet: Worksheet, row: int, col: int, value: Any,
                     cell_format: Format | None) -> None:
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, cell_format)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, xlsx_number(value), cell_format)
    elif isinstance(value, int) and not isinstance(value, bool):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, cell_text(value), cell_format)


def _write_total_row(sheet: Worksheet, rows: list[tuple[Any, ...]], columns: list[str],
                     cell_format: Format) -> None:
    """The row below the data: the label, then `=SUM()` of each money column's data cells."""
    at = len(rows) + 1
    sheet.write_string(at, 0, XLSX_TOTAL_LABEL, cell_format)
    for col, column in enumerate(columns):
        if column in MONEY_COLUMNS:
            total = sum((row[col] for row in rows if row[col] is not None), Decimal(0))
            cells = f"{xl_rowcol_to_cell(1, col)}:{xl_rowcol_to_cell(len(rows), col)}"
            sheet.write_formula(at, col, f"=SUM({cells})", cell_format, xlsx_number(total))


def write_payroll_parquet(con: duckdb.DuckDBPyConnection, month: date, target: Path) -> int:
    """Through DuckDB COPY: DECIMAL(18,2) stays a Parquet decimal, column names as in the mart."""
    columns = ", ".join(column for column, _ in PAYROLL_COLUMNS)
    with atomic_path(target) as tmp:
        con.execute(f"COPY (SELECT {columns} FROM marts.payroll "
                    f"WHERE month = DATE '{month.isoformat()}' ORDER BY employee_id) "
                    f"TO {sql_literal(str(tmp))} (FORMAT parquet)")
    return con.execute("SELECT count(*) FROM marts.payroll WHERE month = ?",
                       [month]).fetchall()[0][0]


WRITERS = {"csv": write_payroll_csv, "xlsx": write_payroll_xlsx,
           "parquet": write_payroll_parquet}


def export_payroll(con: duckdb.DuckDBPyConnection, month: date, publish_dir: Path,
                   fmt: str) -> tuple[Path, int]:
    """Write `payroll_<YYYY-MM>.<fmt>` into `publish_dir`; return its path and row count."""
    if fmt not in WRITERS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    target = export_path(publish_dir, month, fmt)
    return target, WRITERS[fmt](con, month, target)


# --- everything a payroll run publishes ----------------------------------------------------------
