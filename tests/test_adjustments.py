"""Adjustments are data (SPEC 5, issue 9 item 5): `<landing>/adjustments/<YYYY-MM>/*.csv` is
loaded by the monthly `raw/adjustments` asset into `raw.adjustments`, validated against the
roster, and the KPI and payroll read the table. Values worked by hand from config/plan.yaml
(tiers 90 -> 3000, 80 -> 2000, 0 -> 1000; bonus = tier base x score / 100 x days / 31)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from dagster import DagsterInstance
from typer.testing import CliRunner

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.preflight import BackfillFailed
from pipelines.orchestration.runner import run_range
from pipelines.pay.whatif import run_whatif
from tests.conftest import use_env, warehouse_rows

OCT = date(2026, 10, 1)


@pytest.fixture
def month(clean_month: Settings, tmp_path: Path) -> Settings:
    """clean_month's October with its own landing zone, warehouse and publish folder."""
    for name in ("landing", "publish"):
        shutil.copytree(getattr(clean_month, name), tmp_path / name)
    shutil.copy(clean_month.warehouse, tmp_path / "warehouse.duckdb")
    return replace(clean_month, landing=tmp_path / "landing", publish=tmp_path / "publish",
                   warehouse=tmp_path / "warehouse.duckdb")


def add_adjustments(settings: Settings, name: str, *rows: str) -> None:
    path = settings.landing / "adjustments" / "2026-10" / name
    path.write_text("\n".join(["employee_id,kind,amount,reason", *rows]) + "\n",
                    encoding="utf-8")


def rerun_october(settings: Settings) -> None:
    with DagsterInstance.ephemeral() as instance:
        run_range(settings, monthly_job, "2026-10-01", "2026-10-01", instance)


def payroll(settings: Settings) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in warehouse_rows(
        settings, "SELECT employee_id, kpi_score, tier_base, bonus, adjustments, gross_pay, "
                  "days_employed FROM marts.payroll WHERE month = ?", [OCT])}


def checksum(settings: Settings, query: str) -> str:
    return hashlib.sha256(repr(warehouse_rows(settings, query)).encode()).hexdigest()


def test_the_generated_adjustments_are_loaded_with_landing_relative_file_and_line(
        clean_month: Settings):
    assert warehouse_rows(clean_month, "SELECT employee_id, kind, amount, source_file, "
                          "line_number FROM raw.adjustments ORDER BY line_number") == [
        ("E01", "qa_points", Decimal("-2.00"), "adjustments/2026-10/qa_points.csv", 2),
        ("E03", "qa_points", Decimal("1.50"), "adjustments/2026-10/qa_points.csv", 3),
        ("E02", "pay", Decimal("-200.00"), "adjustments/2026-10/qa_points.csv", 4),
    ]
    assert warehouse_rows(clean_month, "SELECT qa_points FROM marts.kpi_monthly "
                          "WHERE employee_id = 'E03'") == [(Decimal("1.50"),)]
    (explanation,), = warehouse_rows(
        clean_month, "SELECT explanation FROM marts.payroll_lines "
                     "WHERE employee_id = 'E02' AND kind = 'adjustment'")
    assert explanation.endswith("(adjustments/2026-10/qa_points.csv line 4)")


def test_a_pay_and_a_qa_adjustment_move_gross_score_and_tier_by_hand(month: Settings):
    before = payroll(month)
    lines = dict(warehouse_rows(month, "SELECT employee_id, line_points + qa_points "
                                       "FROM marts.kpi_monthly WHERE month = ?", [OCT]))
    # Someone whose score sits less than 2.50 above a tier threshold (with seed 3: E05, line
    # points 81.1983 -> score 81.20, tier 80-89, bonus 2000 x 81.20% = 1624.00).
    near = sorted(e for e, (score, *_) in before.items()
                  if score is not None and any(t <= score < t + Decimal("2.5") for t in (80, 90))
                  and before[e][5] == 31)
    assert near, "the test month needs someone within 2.5 points above a tier threshold"
    qa_employee = near[0]
    pay_employee = next(e for e in sorted(before) if e not in (qa_employee, "E02"))
    add_adjustments(month, "extra.csv", f"{qa_employee},qa_points,-2.5,质检: 未核对收货地址",
                    f"{pay_employee},pay,-500.00,追回: 重复发放")
    rerun_october(month)
    after = payroll(month)

    # qa_points -2.5: the score is sum of points + qa, rounded to 2 decimals: exactly 2.50 lower
    # (E05: 81.1983 - 2.5 = 78.6983 -> 78.70), one tier down (80 -> 0: base 2000 -> 1000), and
    # a whole month's bonus is base x score / 100 (E05: 1000 x 78.70 / 100 = 787.00, gross
    # 6624.00 -> 5787.00).
    score, tier, bonus, adjustments, gross, days = after[qa_employee]
    assert days == 31
    old_score, old_tier, old_bonus, *_ = before[qa_employee]
    assert score == old_score - Decimal("2.50")
    assert score == (lines[qa_employee] - Decimal("2.5")).quantize(Decimal("0.01"))
    assert tier == {Decimal("2000"): Decimal("1000"), Decimal("3000"): Decimal("2000")}[old_tier]
    assert bonus == (tier * score / 100).quantize(Decimal("0.01"))
    assert gross == before[qa_employee][4] - old_bonus + bonus
    assert adjustments == before[qa_employee][3]
    # pay -500.00: gross exactly 500.00 lower, nothing else moves
    assert after[pay_employee][:3] == before[pay_employee][:3]
    assert after[pay_employee][3] == before[pay_employee][3] - Decimal("500.00")
    assert after[pay_employee][4] == before[pay_employee][4] - Decimal("500.00")
    (explanation,), = warehouse_rows(
        month, "SELECT explanation FROM marts.payroll_lines WHERE month = ? AND "
               "employee_id = ? AND kind = 'adjustment'", [OCT, pay_employee])
    assert explanation == "adjustment: 追回: 重复发放 (adjustments/2026-10/extra.csv line 3)"
    # everyone else is paid as before
    assert {e: v for e, v in after.items() if e not in (qa_employee, pay_employee)} == \
        {e: v for e, v in before.items() if e not in (qa_employee, pay_employee)}
    # what-if with the plan in force reads the same adjustments: 0.00 for everyone
    result = run_whatif(month.warehouse, month.config, month.config / "plan.yaml", OCT)
    assert [r.difference for r in result.rows] == [Decimal("0.00")] * len(after)


def test_a_pay_line_for_an_id_off_the_roster_stops_the_month_naming_file_line_and_id(
        month: Settings, monkeypatch):
    """`E1,pay,-500.00` (the roster's ids are E01..E06) used to vanish from the payroll."""
    payroll_before = checksum(month, "SELECT * FROM marts.payroll ORDER BY ALL")
    lines_before = checksum(month, "SELECT * FROM marts.payroll_lines ORDER BY ALL")
    adjustments_before = checksum(month, "SELECT * FROM raw.adjustments ORDER BY ALL")
    add_adjustments(month, "clawback.csv", "E03,pay,-10.00,ok", "E1,pay,-500.00,追回")
    message = "adjustments/2026-10/clawback.csv line 3: employee E1 is not on the roster in " \
              "2026-10"
    with pytest.raises(BackfillFailed) as failed:
        rerun_october(month)
    assert message in str(failed.value).splitlines()[-1]
    # nothing of the month was written: the loaded adjustments and the payroll are as before
    assert checksum(month, "SELECT * FROM raw.adjustments ORDER BY ALL") == adjustments_before
    assert checksum(month, "SELECT * FROM marts.payroll ORDER BY ALL") == payroll_before
    assert checksum(month, "SELECT * FROM marts.payroll_lines ORDER BY ALL") == lines_before

    use_env(monkeypatch, month, month.warehouse.parent / "dagster_home")
    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["payroll", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 1
    assert message in out.output


@pytest.mark.parametrize(("row", "message"), [
    ("E03,bonus,100,奖励", "line 2: employee E03: kind: 'bonus' is not one of qa_points, pay"),
    ("E03,pay,12.345,补贴", "line 2: employee E03: amount: 12.345 has more than 2 decimals"),
    ("E03,qa_points,-2.555,质检", "line 2: employee E03: amount: -2.555 has more than 2 "
                                  "decimals"),
    ("E03,pay,¥100,补贴", "line 2: employee E03: amount: '¥100' is not a plain number"),
])
def test_a_bad_kind_or_amount_stops_the_month(month: Settings, row: str, message: str):
    add_adjustments(month, "bad.csv", row)
    with pytest.raises(BackfillFailed) as failed:
        rerun_october(month)
    assert f"adjustments/2026-10/bad.csv {message}" in str(failed.value)
