"""What finance and the agents read, written into `KEFU_PUBLISH` (SPEC 9):

- `kefu.duckdb`: a read-only copy of the `marts` (and, once it exists, `audit`) schemas, built in
  a temporary file next to it and renamed into place, so a reader that keeps the old file open
  during a run goes on seeing the old snapshot until it reopens;
- `payroll_<YYYY-MM>.csv` (UTF-8 with BOM, for Excel) and on demand `.parquet`: the month's
  `marts.payroll` rows, money exact (decimal text, a Parquet DECIMAL), never through a float;
- `payroll_<YYYY-MM>.xlsx`: the same rows as Excel number and date cells with a total row, so
  finance can sum and sort them (see `write_payroll_xlsx`);
- `statements/<YYYY-MM>/<employee_id>.html` (see `pipelines/publish/statements.py`).

The publish asset and the `kefu export` / `kefu statement` commands call the same functions.
Every file is written to a temporary name in its own folder and then `os.replace`d, so a reader
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import os
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from pipelines.publish.statements import write_statements

SNAPSHOT_NAME = "kefu.duckdb"
SNAPSHOT_SCHEMAS = ("marts", "audit", "restated")
# Single tables of other schemas that readers of the snapshot need (what-if: the adjustments).
SNAPSHOT_TABLES = ("raw.adjustments",)
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


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path in `target`'s folder; renamed onto `target` if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


# --- the read-only DuckDB snapshot ---------------------------------------------------------------


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_snapshot(con: duckdb.DuckDBPyConnection, publish_dir: Path) -> tuple[Path, int]:
    """Copy every table (and view, as a table) of the SNAPSHOT_SCHEMAS, and the SNAPSHOT_TABLES,
    of the warehouse `con` is connected to into `<publish_dir>/kefu.duckdb`, table and column
    comments included; return the path and the number of tables copied.

    The copy is read in one transaction (a consistent state of the marts), written into a
    temporary file attached to `con`, and renamed over the old file, which a reader may hold
    open: on POSIX it keeps reading the old snapshot until it reconnects. The file is made
    read-only (mode 0444), so it is only ever replaced, never edited."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    schemas = list(SNAPSHOT_SCHEMAS)
    relations = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() "
        "WHERE database_name = ? AND (schema_name IN (SELECT unnest(?)) "
        "OR schema_name || '.' || table_name IN (SELECT unnest(?))) "
        "UNION ALL SELECT schema_name, view_name, comment FROM duckdb_views() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) AND NOT internal "
        "ORDER BY 1, 2", [database, schemas, list(SNAPSHOT_TABLES), database, schemas]).fetchall()
    column_comments = con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name IN (SELECT unnest(?)) "
        "AND comment IS NOT NULL AND comment <> '' ORDER BY 1, 2, column_index",
        [database, schemas]).fetchall()
    existing = _schemas(con, database)
    present = [schema for schema in dict.fromkeys(
        [*SNAPSHOT_SCHEMAS, *(t.split(".")[0] for t in SNAPSHOT_TABLES)]) if schema in existing]
    target = publish_dir / SNAPSHOT_NAME
    with atomic_path(target) as tmp:
        con.execute(f"ATTACH {_literal(str(tmp))} AS snapshot")
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                for schema in present:
                    con.execute(f"CREATE SCHEMA snapshot.{_quote(schema)}")
                for schema, table, comment in relations:
                    name = f"{_quote(schema)}.{_quote(table)}"
                    con.execute(f"CREATE TABLE snapshot.{name} AS SELECT * FROM "
                                f"{_quote(database)}.{name}")
                    if comment:
                        con.execute(f"COMMENT ON TABLE snapshot.{name} IS {_literal(comment)}")
                for schema, table, column, comment in column_comments:
                    con.execute(f"COMMENT ON COLUMN snapshot.{_quote(schema)}.{_quote(table)}."
                                f"{_quote(column)} IS {_literal(comment)}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("CHECKPOINT snapshot")
        finally:
            con.execute("DETACH snapshot")
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target, len(relations)


def _schemas(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    rows = con.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?",
                       [database]).fetchall()
    return {row[0] for row in rows}


# --- the month's payroll export ------------------------------------------------------------------


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
                    f"TO {_literal(str(tmp))} (FORMAT parquet)")
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


@dataclass
class Published:
    snapshot: Path | None = None
    snapshot_tables: int = 0
    files: list[Path] = field(default_factory=list)
    rows_by_month: dict[str, int] = field(default_factory=dict)
    statements_by_month: dict[str, int] = field(default_factory=dict)


def publish_months(con: duckdb.DuckDBPyConnection, months: list[date],
                   publish_dir: Path) -> Published:
    """The snapshot once, then per month the CSV, the XLSX and every employee's statement."""
    published = Published()
    published.snapshot, published.snapshot_tables = write_snapshot(con, publish_dir)
    published.files.append(published.snapshot)
    for month in months:
        label = month_label(month)
        for fmt in ("csv", "xlsx"):
            path, rows = export_payroll(con, month, publish_dir, fmt)
            published.files.append(path)
            published.rows_by_month[label] = rows
        statements = write_statements(con, month, publish_dir)
        published.files.extend(statements)
        published.statements_by_month[label] = len(statements)
    return published
