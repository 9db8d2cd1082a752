"""Publish (SPEC 9): the read-only marts copy, the CSV/XLSX export and the HTML statements are
built from a small real month run through the pipeline, and checked against the marts rows; a
reader holding the published `kefu.duckdb` open keeps its snapshot through a re-run and a
publish, and sees the new one when it reopens.

The month: E1 (店:甲, presale) and E2 (店:乙, aftersale), days 2026-10-19 (ordinary) and
2026-10-20 (双11, a promotion day, so left out of inquiry_conversion). E1's inquiry_conversion
(sample 2 < 30) and both satisfaction lines (no ratings) are N/A. Adjustments: E1 -2 qa_points,
E2 a pay line of 100.50 CNY."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import duckdb
import polars as pl
import pytest

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.runner import backfill_days, run_range
from tests.conftest import warehouse_rows
from tests.test_metrics import PAID, land_chats, land_orders, make_settings

MONTH = date(2026, 10, 1)
PAYROLL_COLUMNS = ("employee_id", "name", "month", "level", "role", "days_employed",
                   "base_salary", "kpi_score", "tier_base", "bonus", "adjustments", "gross_pay",
                   "plan_version", "status", "run_id")
BOM = b"\xef\xbb\xbf"


# --- a small real month ---------------------------------------------------------------------------


def write_adjustments(settings: Settings, *rows: str) -> None:
    folder = settings.landing / "adjustments" / "2026-10"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adjustments.csv").write_text(
        "\n".join(["employee_id,kind,amount,reason", *rows]) + "\n", encoding="utf-8")


def build_month(tmp_path: Path, instance) -> Settings:
    settings = make_settings(tmp_path, "E1,甲,店:甲,高级,presale,2026-01-01,",
                             "E2,乙,店:乙,普通,aftersale,2026-01-01,")
    a, b = "店:甲", "店:乙"
    land_chats(settings, "2026-10-19",
               ("10:00:00", a, "A", "buyer"), ("10:00:20", a, "A", "agent"),
               ("11:00:00", a, "B", "buyer"), ("11:00:30", a, "B", "agent"),
               ("12:00:00", a, "B", "buyer"),
               ("10:00:00", b, "C", "buyer"), ("10:00:40", b, "C", "agent"),
               ("15:00:00", b, "G", "buyer"), ("15:02:30", b, "G", "agent"))
    land_chats(settings, "2026-10-20",
               ("09:00:00", a, "D", "buyer"), ("09:00:10", a, "D", "agent"),
               ("09:30:00", b, "F", "buyer"), ("09:30:05", b, "F", "agent"))
    land_orders(settings, "2026-10-19",
                ("7001", "A", "150.00", PAID, "2026-10-19 12:00:00", "2026-10-19 12:01:00"))
    land_orders(settings, "2026-10-20",
                ("7002", "D", "200.00", PAID, "2026-10-20 10:00:00", "2026-10-20 10:01:00"))
    write_adjustments(settings, "E1,qa_points,-2,质检: 漏回复", "E2,pay,100.50,夜班补贴")
    backfill_days(settings, date(2026, 10, 19), date(2026, 10, 20), instance)
    run_range(settings, monthly_job, "2026-10-01", "2026-10-01", instance)
    return settings


def payroll_as_text(settings: Settings) -> list[list[str]]:
    """marts.payroll as DuckDB itself prints each value: the exact text an export must hold."""
    columns = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '')" for c in PAYROLL_COLUMNS)
    return [list(row) for row in warehouse_rows(
        settings, f"SELECT {columns} FROM marts.payroll WHERE month = ? ORDER BY employee_id",
        [MONTH])]


# --- reading a statement back ---------------------------------------------------------------------


class StatementPage(HTMLParser):
    """Collect every `data-field` value, keyed by the KPI line, pay line or next-tier route
    (`<li data-route="metric">`) it sits in: a number's exact `data-value` (the mart's decimal),
    any other field's text. `shown` holds the text a person reads, keyed by (metric or pay line
    number or ("route", metric) or None, field)."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}           # outside any KPI / pay line
        self.metrics: dict[str, dict[str, str]] = {}
        self.pay_lines: dict[int, dict[str, str]] = {}
        self.routes: dict[str, dict[str, str]] = {}
        self.shown: dict[tuple[str | int | tuple[str, str] | None, str], str] = {}
        self.external: list[str] = []
        self._row: dict[str, str] | None = None
        self._key: str | int | tuple[str, str] | None = None
        self._row_depth = 0
        self._capture: list[tuple[str, int, list[str], str | None]] = []
        self._depth = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for attr in ("src", "href"):
            if a.get(attr):
                self.external.append(a[attr] or "")
        if tag == "link":
            self.external.append(str(a))
        if tag in self.VOID:
            return
        self._depth += 1
        if tag == "tr" and a.get("data-metric"):
            self._key = a["data-metric"] or ""
            self._row = self.metrics.setdefault(self._key, {})
        elif tag == "tr" and a.get("data-pay-line"):
            self._key = int(a["data-pay-line"] or 0)
            self._row = self.pay_lines.setdefault(self._key, {})
        elif tag == "li" and a.get("data-route"):
            self._key = ("route", a["data-route"] or "")
            self._row = self.routes.setdefault(self._key[1], {})
        if self._row is not None and not self._row_depth:
            self._row_depth = self._depth
        if a.get("data-field"):
            self._capture.append((a["data-field"] or "", self._depth, [], a.get("data-value")))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if self._capture and self._capture[-1][1] == self._depth:
            name, _, parts, exact = self._capture.pop()
            target = self._row if self._row is not None else self.fields
            text = "".join(parts).strip()
            target[name] = text if exact is None else exact
            self.shown[(self._key, name)] = text
        if self._depth == self._row_depth:
            self._row, self._key, self._row_depth = None, None, 0
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for _, _, parts, _ in self._capture:
            parts.append(data)


def shown(value: object) -> str:
    return "—" if value is None else str(value)


# --- the tests ------------------------------------------------------------------------------------


def test_publish_writes_snapshot_exports_and_statements_that_match_the_marts(tmp_path, instance):
    settings = build_month(tmp_path, instance)
    publish = settings.publish
    payroll = warehouse_rows(settings, "SELECT * FROM marts.payroll ORDER BY ALL")
    assert [r[0] for r in warehouse_rows(settings, "SELECT employee_id FROM marts.payroll "
                                                   "ORDER BY 1")] == ["E1", "E2"]

    # kefu.duckdb: a read-only copy holding the same rows (and comments, where there are any)
    snapshot = publish / "kefu.duckdb"
    assert snapshot.is_file()
    assert not list(publish.glob(".*tmp*")), "no temporary file is left behind"
    reader = duckdb.connect(str(snapshot), read_only=True)
    try:
        assert reader.execute("SELECT * FROM marts.payroll ORDER BY ALL").fetchall() == payroll
        for table in ("payroll_lines", "kpi_lines", "kpi_monthly", "agent_monthly_metrics"):
            want = warehouse_rows(settings, f"SELECT * FROM marts.{table} ORDER BY ALL")
            assert reader.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall() == want
        comments = ("SELECT table_name, column_name, comment FROM duckdb_columns() "
                    "WHERE schema_name = 'marts' AND comment IS NOT NULL AND comment <> '' "
                    "ORDER BY ALL")
        assert reader.execute(comments).fetchall() == warehouse_rows(
            settings, comments.replace("WHERE", "WHERE database_name = current_database() AND"))
        with pytest.raises(duckdb.Error):
            reader.execute("CREATE TABLE marts.scratch (x INTEGER)")
    finally:
        reader.close()

    # the CSV: UTF-8 with BOM, a bilingual header, each value exactly as the mart holds it
    expected = payroll_as_text(settings)
    raw = (publish / "payroll_2026-10.csv").read_bytes()
    assert raw.startswith(BOM)
    header, *rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert header[0] == "员工编号 employee_id"
    assert [h.split(" ")[-1] for h in header] == list(PAYROLL_COLUMNS)
    assert rows == expected
    assert any(Decimal(r[PAYROLL_COLUMNS.index("adjustments")]) == Decimal("100.50") for r in rows)

    # the XLSX: the same header; its cells are read back in test_xlsx_export_is_numbers_...
    sheet = pl.read_excel(publish / "payroll_2026-10.xlsx", engine="calamine")
    assert sheet.columns == header

    # one statement per payroll row, self-contained, whose numbers are the marts' numbers
    folder = publish / "statements" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == ["E1.html", "E2.html"]
    for employee_id, in warehouse_rows(settings, "SELECT employee_id FROM marts.payroll"):
        page = StatementPage((folder / f"{employee_id}.html").read_text(encoding="utf-8"))
        assert page.external == []
        (head,) = warehouse_rows(settings, """
            SELECT p.name, p.level, p.role, p.plan_version, p.kpi_score, p.gross_pay,
                   k.line_points, k.qa_points, m.promo_days
            FROM marts.payroll p JOIN marts.kpi_monthly k USING (month, employee_id)
            JOIN marts.agent_monthly_metrics m USING (month, employee_id)
            WHERE employee_id = ? AND month = ?""", [employee_id, MONTH])
        name, level, role, plan_version, kpi_score, gross, line_points, qa_points, promo = head
        f = page.fields
        assert (f["employee_id"], f["name"], f["level"], f["role"], f["month"],
                f["plan_version"]) == (employee_id, name, level, role, "2026-10", plan_version)
        assert f["kpi_score"] == shown(kpi_score)
        assert f["line_points"] == str(line_points)
        assert f["qa_points"] == str(qa_points)
        # Every roster day of October counts, loaded or not: 10-20..10-31 are 双11 days.
        assert f["promo_days"] == str(promo) == "12"

        kpi = warehouse_rows(settings, "SELECT metric, value, points, status, note, weight, "
                                       "effective_weight FROM marts.kpi_lines "
                                       "WHERE employee_id = ? AND month = ?", [employee_id, MONTH])
        assert sorted(page.metrics) == sorted(m for m, *_ in kpi)
        for metric, value, points, status, note, weight, effective in kpi:
            row = page.metrics[metric]
            assert (row["value"], row["points"], row["status"], row["note"], row["weight"],
                    row["effective_weight"]) == (shown(value), shown(points), status, note,
                                                 str(weight), shown(effective))
        scored = [Decimal(r["points"]) for r in page.metrics.values() if r["points"] != "—"]
        assert sum(scored, Decimal(0)) == Decimal(f["line_points"]) == Decimal(f["points_sum"])

        lines = warehouse_rows(settings, "SELECT line_no, kind, quantity, rate, amount, "
                                         "explanation FROM marts.payroll_lines "
                                         "WHERE employee_id = ? AND month = ? ORDER BY line_no",
                               [employee_id, MONTH])
        assert sorted(page.pay_lines) == [line[0] for line in lines]
        for line_no, kind, quantity, rate, amount, explanation in lines:
            assert page.pay_lines[line_no] == {
                "kind": kind, "quantity": str(quantity), "rate": str(rate),
                "amount": str(amount), "explanation": explanation}
        on_page = sum((Decimal(r["amount"]) for r in page.pay_lines.values()), Decimal(0))
        assert on_page == Decimal(f["gross_pay"]) == gross

    e1 = StatementPage((folder / "E1.html").read_text(encoding="utf-8"))
    assert e1.metrics["inquiry_conversion"]["status"] == "n/a"
    assert e1.metrics["inquiry_conversion"]["note"] == "N/A: sample 2 < min_sample 30"
    assert e1.metrics["satisfaction"]["note"] == "N/A: no data this month"
    assert e1.fields["qa_points"] == "-2.00"
    assert e1.fields["promo_excluded_metrics"] == "询单转化率 inquiry_conversion"
    text = (folder / "E1.html").read_text(encoding="utf-8")
    assert "询单转化率" in text and "KPI 得分" in text
    e2 = StatementPage((folder / "E2.html").read_text(encoding="utf-8"))
    assert [r["kind"] for r in e2.pay_lines.values()] == ["base_salary", "bonus", "adjustment"]
    assert e2.pay_lines[3]["amount"] == "100.50"
    # what the agent reads is rounded (the exact decimals above are in data-value)
    assert e2.shown[("avg_response_seconds", "effective_weight")] == "46.15"  # 46.1538
    assert e1.shown[("avg_response_seconds", "achieved")] == "88.9%"  # 0.888889
    assert e2.shown[(3, "quantity")] == "1"  # 1.00


READER = textwrap.dedent("""
    import json, sys, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    for command in sys.stdin:
        command = command.strip()
        if command == "reopen":
            con.close()
            con = duckdb.connect(path, read_only=True)
        elif command == "quit":
            break
        rows = con.execute("SELECT employee_id, CAST(gross_pay AS VARCHAR) FROM marts.payroll "
                           "ORDER BY employee_id").fetchall()
        print(json.dumps(dict(rows)), flush=True)
""")


def test_a_reader_of_the_published_copy_keeps_its_snapshot_through_a_rerun(tmp_path, instance):
    """E2's pay adjustment changes from 100.50 to -49.50 (gross 150.00 lower) and the month is
    re-run (payroll and publish) while two readers hold kefu.duckdb open read-only: one in this
    process, one in another process (as finance's duckdb shell would be). Both runs succeed;
    each reader sees the old gross until it reopens the file."""
    settings = build_month(tmp_path, instance)
    snapshot = str(settings.publish / "kefu.duckdb")
    gross = "SELECT employee_id, CAST(gross_pay AS VARCHAR) FROM marts.payroll ORDER BY 1"
    before = dict(warehouse_rows(settings, gross))

    local = duckdb.connect(snapshot, read_only=True)
    other = subprocess.Popen([sys.executable, "-c", READER, snapshot], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)

    def ask(command: str = "query") -> dict[str, str]:
        assert other.stdin is not None and other.stdout is not None
        other.stdin.write(command + "\n")
        other.stdin.flush()
        return json.loads(other.stdout.readline())

    try:
        assert dict(local.execute(gross).fetchall()) == before
        assert ask() == before

        write_adjustments(settings, "E1,qa_points,-2,质检: 漏回复", "E2,pay,-49.50,扣款")
        run_range(settings, monthly_job, "2026-10-01", "2026-10-01", instance)
        after = dict(warehouse_rows(settings, gross))
        assert Decimal(after["E2"]) == Decimal(before["E2"]) - Decimal("150.00")
        assert after["E1"] == before["E1"]

        assert dict(local.execute(gross).fetchall()) == before, "the old snapshot, still"
        assert ask() == before
        assert ask("reopen") == after
        local.close()
        local = duckdb.connect(snapshot, read_only=True)
        assert dict(local.execute(gross).fetchall()) == after
        page = StatementPage((settings.publish / "statements" / "2026-10" / "E2.html")
                             .read_text(encoding="utf-8"))
        assert page.fields["gross_pay"] == after["E2"]
    finally:
        local.close()
        if other.stdin is not None:
            other.stdin.write("quit\n")
            other.stdin.close()
        other.wait(timeout=30)
