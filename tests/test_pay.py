"""`pipelines.pay.month_pay.pay_month`, the one function that assembles a month's pay, on
hand-worked values from config/plan.yaml (default-2026: 普通 3500, 高级 4000; tiers 90/80/0 ->
3000/2000/1000;
prorated by days employed / days in month)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipelines.config.adjustments import Adjustment
from pipelines.config.plan import BonusTier, load_plan
from pipelines.pay.month_inputs import MonthInputs
from pipelines.pay.month_pay import KpiResult, UnpaidLines, pay_month
from pipelines.pay.scoring import PayLine
from tests.conftest import REPO_CONFIG

OCT = date(2026, 10, 1)
VERSION = load_plan(REPO_CONFIG / "plan.yaml").version_for(OCT)
TIER_80 = BonusTier(min_score=Decimal(80), base=Decimal(2000))


def inputs(adjustments=(), restatements=None, former=None, final=True) -> MonthInputs:
    return MonthInputs(OCT, {"E1": {"普通": 16, "高级": 15}, "E2": {"高级": 31}},
                       list(adjustments), restatements or {}, former or {}, final)


def test_a_month_pays_base_per_level_bonus_adjustments_and_restatements():
    clawback = PayLine("adjustment", Decimal(1), Decimal("-12.34"), Decimal("-12.34"),
                       "restatement of 2026-09 (closed)")
    pay = pay_month(VERSION, inputs(
        [Adjustment("E2", "pay", Decimal("-500.00"), "追回", "adjustments/2026-10/p.csv", 2),
         Adjustment("E2", "qa_points", Decimal("-2.50"), "质检", "adjustments/2026-10/p.csv", 3)],
        {"E2": [clawback]}), [
        KpiResult("E2", "乙", "高级", "presale", Decimal("85.00"), TIER_80),
        KpiResult("E1", "甲", "高级", "aftersale", None, None),
    ], "run-1")
    rows = {r["employee_id"]: r for r in pay.payroll}
    # E1: 3500 x 16/31 = 1806.4516 -> 1806.45; 4000 x 15/31 = 1935.4838 -> 1935.48; no score
    assert (rows["E1"]["base_salary"], rows["E1"]["bonus"], rows["E1"]["gross_pay"],
            rows["E1"]["status"], rows["E1"]["days_employed"]) == (
        Decimal("3741.93"), Decimal("0.00"), Decimal("3741.93"), "review", 31)
    # E2: 4000 + 2000 x 85.00% (1700.00) - 500.00 - 12.34 = 5187.66; qa points are the KPI's
    assert (rows["E2"]["base_salary"], rows["E2"]["bonus"], rows["E2"]["adjustments"],
            rows["E2"]["gross_pay"], rows["E2"]["tier_base"], rows["E2"]["status"]) == (
        Decimal("4000.00"), Decimal("1700.00"), Decimal("-512.34"), Decimal("5187.66"),
        Decimal(2000), "ok")
    e2 = [(line["line_no"], line["kind"], line["amount"]) for line in pay.lines
          if line["employee_id"] == "E2"]
    assert e2 == [(1, "base_salary", Decimal("4000.00")), (2, "bonus", Decimal("1700.00")),
                  (3, "adjustment", Decimal("-500.00")), (4, "adjustment", Decimal("-12.34"))]
    for employee_id, row in rows.items():
        assert row["gross_pay"] == sum(line["amount"] for line in pay.lines
                                       if line["employee_id"] == employee_id)


def test_someone_who_left_gets_a_row_for_the_restatement_they_are_paid():
    line = PayLine("adjustment", Decimal(1), Decimal("25.00"), Decimal("25.00"), "restatement")
    pay = pay_month(VERSION, inputs(restatements={"E9": [line]},
                                    former={"E9": ("离", "普通", "presale")}), [], "run-1")
    (row,) = pay.payroll
    assert (row["employee_id"], row["name"], row["days_employed"], row["gross_pay"],
            row["status"]) == ("E9", "离", 0, Decimal("25.00"), "review")


def test_a_pay_line_for_someone_without_a_payroll_row_is_never_dropped():
    with pytest.raises(UnpaidLines, match=r"^adjustments/2026-10/p\.csv line 4: employee E7 has "
                                          r"no payroll row in 2026-10"):
        pay_month(VERSION, inputs([Adjustment("E7", "pay", Decimal("-500.00"), "追回",
                                              "adjustments/2026-10/p.csv", 4)]), [], "run-1")


def test_a_month_that_is_not_final_pays_the_same_amounts_as_provisional():
    kpis = [KpiResult("E2", "乙", "高级", "presale", Decimal("85.00"), TIER_80),
            KpiResult("E1", "甲", "高级", "aftersale", None, None)]
    final = pay_month(VERSION, inputs(), kpis, "run-1").payroll
    provisional = pay_month(VERSION, inputs(final=False), kpis, "run-1").payroll
    assert [r["status"] for r in final] == ["review", "ok"]
    assert [r["status"] for r in provisional] == ["provisional", "provisional"]
    assert [{**r, "status": None} for r in final] == [{**r, "status": None} for r in provisional]
