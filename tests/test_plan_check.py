"""Plan diagnostics (`kefu plan-check`, and what `kefu whatif` ends with): on a hand-built month
of marts.agent_daily_metrics, every figure worked out by hand; on a generated month end to end.

The hand-built month: four presale employees E1..E4 and one aftersale E5, on 2026-10-01..04;
the 4th is a promotion day, which the plan leaves out of inquiry_conversion only. The plan
(plan.yaml with the presale lines replaced) scores presale on inquiry_conversion (weight 40,
0.20..0.50, min_sample 4), avg_response_seconds (30, 60..15) and refund_rate (30, 0.15..0.03).
Odd days are the 1st and 3rd, even days the 2nd and 4th (the 2nd alone for conversion).
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.config.settings import Settings
from pipelines.pay.diagnostics import average_ranks, spearman, spearman_brown
from pipelines.pay.plan_check import check_plan
from pipelines.pay.scoring import METRIC_COLUMNS
from pipelines.warehouse.database import connect, run_sql
from tests.conftest import REPO_CONFIG, use_env

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
PLAN_ID = "check-2026"
PRESALE = [
    {"metric": "inquiry_conversion", "weight": 40, "worst": 0.20, "best": 0.50, "min_sample": 4},
    {"metric": "avg_response_seconds", "weight": 30, "worst": 60, "best": 15},
    {"metric": "refund_rate", "weight": 30, "worst": 0.15, "best": 0.03},
]
# employee -> day of October -> (converted, inquiry buyers), (answered waits, their seconds),
# (credited orders, sales, refunded)
DAYS = {
    "E1": {1: ((3, 5), (2, 20), (1, 100, 0)), 2: ((4, 5), (2, 40), (1, 100, 23)),
           3: ((2, 5), (2, 20), (1, 100, 0)), 4: ((0, 10), (2, 40), (1, 100, 23))},
    "E2": {1: ((1, 5), (1, 30), (1, 100, 10)), 2: ((2, 5), (1, 30), (1, 100, 0)),
           3: ((1, 5), (1, 30), (1, 100, 10)), 4: ((0, 10), (1, 30), (1, 100, 0))},
    "E3": {1: ((2, 5), (2, 100), (2, 200, 0)), 2: ((1, 5), (2, 60), (2, 200, 0)),
           3: ((2, 5), (2, 100), (2, 200, 0)), 4: ((10, 10), (2, 60), (2, 200, 0))},
    "E4": {1: ((4, 5), (4, 240), (1, 100, 30)), 2: ((3, 5), (4, 200), (1, 100, 10)),
           3: ((4, 5), (4, 240), (1, 100, 30)), 4: ((0, 10), (4, 200), (1, 100, 10))},
    "E5": {1: ((0, 0), (3, 30), (0, 0, 0)), 2: ((0, 0), (3, 60), (0, 0, 0))},
}


def hand_built_month(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse holding the month's daily rows and, through the real monthly SQL, its
    monthly metrics; and a config folder whose plan.yaml has the plan PLAN_ID."""
    config = tmp_path / "config"
    shutil.copytree(REPO_CONFIG, config)
    data = yaml.safe_load((config / "plan.yaml").read_text(encoding="utf-8"))
    version = data["versions"][0]
    version.update(id=PLAN_ID, promo_days_excluded_from=["inquiry_conversion"])
    version["kpi"]["presale"] = PRESALE
    (config / "plan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    warehouse = tmp_path / "warehouse.duckdb"
    con = connect(warehouse)
    # every inquiry buyer consulted and was received; no ratings, first responses or messages
    rows = [(date(2026, 10, day), employee, f"name {employee}", "普通",
             "aftersale" if employee == "E5" else "presale", employee.lower(), day == 4,
             buyers, buyers, buyers, converted, waits, seconds, orders, Decimal(sales),
             Decimal(refunded), PLAN_ID)
            for employee, days in DAYS.items()
            for day, ((converted, buyers), (waits, seconds), (orders, sales, refunded))
            in days.items()]
    con.executemany(
        "INSERT INTO marts.agent_daily_metrics (day, employee_id, name, level, role, accounts, "
        "is_promo_day, consulted_buyers, received_buyers, inquiry_buyers, converted_buyers, "
        "answered_waits, answered_wait_seconds, credited_orders, sales, refunded_amount, "
        "plan_version, unanswered_waits, first_responses, first_response_seconds_total, "
        "slow_responses, agent_messages, buyer_messages, ratings, satisfied_ratings) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)",
        rows)
    run_sql(con, "marts/agent_monthly_metrics.sql", month_first=FIRST, month_last=LAST,
            plan_version=PLAN_ID, promo_excluded=["inquiry_conversion"])
    con.execute("INSERT INTO marts.agent_monthly_metrics "
                "SELECT * FROM computed_agent_monthly_metrics")
    con.close()
    return warehouse, config


def test_the_diagnostics_of_a_hand_built_month(tmp_path: Path):
    warehouse, config = hand_built_month(tmp_path)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        check = check_plan(con, FIRST, config)
    finally:
        con.close()
    assert check.plan_version == PLAN_ID
    lines = {(d.role, d.metric): d for d in check.lines}
    assert list(lines) == [("presale", "inquiry_conversion"),
                           ("presale", "avg_response_seconds"), ("presale", "refund_rate"),
                           ("aftersale", "avg_response_seconds"),
                           ("aftersale", "first_response_seconds"), ("aftersale", "reply_rate"),
                           ("aftersale", "satisfaction")]

    # inquiry_conversion, the promotion day left out: E1 9/15 = 0.6, E2 4/15, E3 5/15, E4 11/15.
    # achieved = (v - 0.2) / 0.3: E1 and E4 above 1 (full), E2 2/9, E3 4/9.
    conversion = lines[("presale", "inquiry_conversion")]
    assert (conversion.scored, conversion.not_scored) == (4, 0)
    assert (conversion.at_full, conversion.at_zero) == (2, 0)
    assert conversion.share_full == 0.5
    # odd days E1 5/10, E2 2/10, E3 4/10, E4 8/10: ranks 3 1 2 4; the 2nd E1 0.8, E2 0.4,
    # E3 0.2, E4 0.6: ranks 4 2 1 3. Differences -1 -1 1 1: rho = 1 - 6 * 4 / (4 * 15) = 0.6;
    # Spearman-Brown 1.2 / 1.6 = 0.75 (with the 4th, E1's even half would be 4/15, E3's 11/15).
    assert conversion.halves_compared == 4
    assert conversion.half_correlation == pytest.approx(0.6)
    assert conversion.reliability == pytest.approx(0.75)
    # pooled p = 29/60; at min_sample 4: sqrt(29/60 * 31/60 / 4) = 0.249861. The values' mean is
    # 29/60, deviations 7, -13, -9, 15 sixtieths: variance 524/3600/3, SD 0.220269.
    assert conversion.error_sample == 4
    assert conversion.standard_error == pytest.approx(0.249861, abs=1e-6)
    assert conversion.spread == pytest.approx(0.220269, abs=1e-6)
    assert conversion.error_points == pytest.approx(0.249861 / 0.3 * 40, abs=1e-4)  # 33.3148

    # avg_response_seconds, every day: E1 120/8 = 15 (full), E2 30, E3 40, E4 55.
    response = lines[("presale", "avg_response_seconds")]
    assert (response.scored, response.at_full, response.at_zero) == (4, 1, 0)
    # odd 10 30 50 60 (ranks 1 2 3 4), even 20 30 30 50 (ranks 1 2.5 2.5 4): Pearson of the
    # ranks 4.5 / sqrt(5 * 4.5) = 0.948683; Spearman-Brown 0.973666.
    assert response.half_correlation == pytest.approx(0.948683, abs=1e-6)
    assert response.reliability == pytest.approx(0.973666, abs=1e-6)
    # day spread: E1 4 days of (20 - 30)^2 / 2 = 50, E2 0, E3 4 of 200, E4 4 of 100: 1400 over
    # 16 days - 4 rates = 12 degrees of freedom, 116.67 per wait. No min_sample: at the smallest
    # sample scored, E2's 4 waits: sqrt(116.67 / 4) = 5.40062. SD of 15 30 40 55: 16.8325.
    assert response.error_sample == 4
    assert response.standard_error == pytest.approx(5.40062, abs=1e-5)
    assert response.spread == pytest.approx(16.8325, abs=1e-4)
    assert response.error_points == pytest.approx(5.40062 / 45 * 30, abs=1e-4)

    # refund_rate: E1 46/400 = 0.115 (achieved 7/24), E2 0.05, E3 0 (full), E4 0.2 (zero).
    refund = lines[("presale", "refund_rate")]
    assert (refund.at_full, refund.at_zero) == (1, 1)
    # odd 0 0.1 0 0.3 (ranks 1.5 3 1.5 4), even 0.23 0 0 0.1 (ranks 4 1.5 1.5 3):
    # r = -0.25 / 4.5 = -1/18, Spearman-Brown -2/17.
    assert refund.half_correlation == pytest.approx(-1 / 18)
    assert refund.reliability == pytest.approx(-2 / 17)
    # day spread: E1 4 x 11.5^2 = 529, E2 4 x 5^2 = 100, E3 0, E4 4 x 10^2 = 400: 1029 / 12 =
    # 85.75 per order; 100 yuan of sales per order; at 4 orders sqrt(85.75 / 4) / 100.
    assert refund.standard_error == pytest.approx(0.0463006, abs=1e-7)
    assert refund.spread == pytest.approx(0.0864461, abs=1e-7)

    # E5 alone in aftersale: no spread, no split half; the lines without data are N/A.
    alone = lines[("aftersale", "avg_response_seconds")]
    assert (alone.scored, alone.spread, alone.reliability) == (1, None, None)
    # 3 waits a day, 30 s and 60 s: rate 15, (30 - 45)^2 / 3 twice = 150 over 1 degree of
    # freedom; at its 6 waits sqrt(150 / 6) = 5.
    assert (alone.error_sample, alone.standard_error) == (6, pytest.approx(5.0))
    assert (lines[("aftersale", "satisfaction")].scored,
            lines[("aftersale", "satisfaction")].not_scored) == (0, 1)

    # Scores: E1 40 + 30 + 30 x 7/24 = 78.75, within 2 of 80; E2 53.89, E3 61.11, E4 43.33.
    assert [(e.employee_id, e.score, e.edge) for e in check.near_edges] == \
        [("E1", Decimal("78.75"), 80)]
    assert check.flags == [
        "presale inquiry_conversion: 50% of employees (2 of 4) at full points — the line "
        "cannot tell them apart",
        "presale inquiry_conversion: the standard error at min_sample 4 is 0.250 (about 33.3 of "
        "its 40 points), larger than the spread between employees (0.220) — pay tracks luck",
        "presale refund_rate: split-half reliability -0.12 (below 0.7) — the odd days rank "
        "employees differently from the even days, so the month's ranking on this line is "
        "largely luck",
        "1 of 5 employees (20%) within 2 points of a tier edge (E1 78.75): a month's luck can "
        "move them a tier, at 80 the tier base goes from 1000 to 2000",
    ]


def test_ranks_and_correlations():
    assert average_ranks([Fraction(3), Fraction(1), Fraction(3), Fraction(2)]) == \
        [3.5, 1.0, 3.5, 2.0]
    assert spearman([Fraction(1), Fraction(2)], [Fraction(1), Fraction(2)]) is None  # too few
    assert spearman([Fraction(1)] * 3, [Fraction(1), Fraction(2), Fraction(3)]) is None
    assert spearman([Fraction(i) for i in (1, 2, 3)], [Fraction(i) for i in (3, 2, 1)]) == -1
    assert spearman_brown(-1.0) is None
    assert spearman_brown(0.5) == pytest.approx(2 / 3)


@pytest.fixture
def month(clean_month: Settings, tmp_path: Path) -> Settings:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    return replace(clean_month, warehouse=warehouse)


def test_the_halves_add_up_to_the_month(month: Settings):
    """On a generated month: each employee's odd and even halves sum to the month's numerator
    and denominator of every metric (the SQL defines them as the monthly metrics do)."""
    con = duckdb.connect(str(month.warehouse), read_only=True)
    try:
        check_plan(con, FIRST, month.config)
        halves = {(e, metric): (n, d) for e, metric, n, d in con.execute(
            "SELECT employee_id, metric, sum(numerator), sum(denominator) "
            "FROM plan_check_halves GROUP BY ALL").fetchall()}
        monthly = con.execute("SELECT * FROM marts.agent_monthly_metrics WHERE month = ?",
                              [FIRST]).fetchall()
        names = [c[0] for c in con.description]
    finally:
        con.close()
    compared = 0
    for values in monthly:
        row = dict(zip(names, values, strict=True))
        for metric, (numerator, denominator, _) in METRIC_COLUMNS.items():
            expected = (row[numerator], row[denominator])
            got = halves.get((row["employee_id"], metric), (0, 0))
            assert got == expected, (row["employee_id"], metric)
            compared += expected != (0, 0)
    assert compared > 20


def test_plan_check_command(month: Settings, tmp_path: Path, monkeypatch):
    use_env(monkeypatch, month)
    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["plan-check", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "Plan check 2026-10: default-2026" in out.output
    assert "presale   │ inquiry_conversion" in out.output
    # the plan file that computed the month, given as a candidate, judges the same
    again = CliRunner().invoke(app, ["plan-check", "--month", "2026-10", "--plan",
                                     str(month.config / "plan.yaml")], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert again.output == out.output

    refused = CliRunner().invoke(app, ["plan-check", "--month", "2026-09"])
    assert refused.exit_code == 1
    assert "no KPI for 2026-09: run `kefu payroll --month 2026-09`" in refused.output
