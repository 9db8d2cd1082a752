"""KPI points, score, tier and pay, against values worked out by hand from SPEC 7."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from pipelines.config.plan import load_plan
from pipelines.pay.scoring import (
    base_salary_lines,
    bonus_line,
    round_half_up,
    score_employee,
)

PLAN = load_plan(Path(__file__).resolve().parent.parent / "config" / "plan.yaml")
VERSION = PLAN.versions[0]

# Every presale line exactly at its best value: conversion 50/100 = 0.50, avg response
# 1500 s / 100 waits = 15 s, first response 500 / 100 = 5 s, reply 100/100 = 1.00,
# satisfaction 98/100 = 0.98, refunds 3.00 / 100.00 = 0.03.
PERFECT = {
    "converted_buyers": 50, "inquiry_buyers": 100,
    "answered_wait_seconds": 1500, "answered_waits": 100,
    "first_response_seconds_total": 500, "first_responses": 100,
    "received_buyers": 100, "consulted_buyers": 100,
    "satisfied_ratings": 98, "ratings": 100,
    "refunded_amount": Decimal("3.00"), "refund_rate_sales": Decimal("100.00"),
    "credited_orders": 100,
    "slow_responses": 0, "slow_rate_waits": 100, "agent_messages": 10, "buyer_messages": 10,
}


def score_of(qa_points: str = "0", role: str = "presale", **changes: object):
    return score_employee({**PERFECT, **changes}, VERSION.kpi[role], Decimal(qa_points), VERSION)


def full_month_bonus(score) -> Decimal:
    return bonus_line(score, VERSION, 31, 31).amount


@pytest.mark.parametrize(("qa_points", "kpi", "tier_base", "bonus"), [
    # the seed: 90 -> 3000 x 0.90 = 2700; 89 -> 2000 x 0.89 = 1780; 79.99 -> 1000 x 0.7999
    ("-10", "90.00", "3000", "2700.00"),
    ("-11", "89.00", "2000", "1780.00"),
    ("-20.01", "79.99", "1000", "799.90"),
    # 100 - 10.006 = 89.994 rounds half-up to 89.99: tier 2000, 2000 x 0.8999 = 1799.80
    ("-10.006", "89.99", "2000", "1799.80"),
    # 89.995 rounds half-up to 90.00 and the tier is chosen on the rounded score
    ("-10.005", "90.00", "3000", "2700.00"),
    ("-20", "80.00", "2000", "1600.00"),
    ("-100", "0.00", "1000", "0.00"),
    ("0", "100.00", "3000", "3000.00"),
    # clamped: 100 + 5 -> 100; 100 - 130 -> 0
    ("5", "100.00", "3000", "3000.00"),
    ("-130", "0.00", "1000", "0.00"),
])
def test_seed_examples_and_boundaries(qa_points, kpi, tier_base, bonus):
    score = score_of(qa_points)
    assert score.line_points == Decimal("100.0000")
    assert score.kpi_score == Decimal(kpi)
    assert score.tier.base == Decimal(tier_base)
    assert full_month_bonus(score) == Decimal(bonus)


def test_a_line_under_min_sample_is_na_and_the_other_weights_scale_to_100():
    """Conversion has 29 inquiries < min_sample 30: N/A. The other presale weights (20, 10, 10,
    15, 10) sum to 65 and scale by 100/65. Average response 37.5 s is halfway from worst 60 to
    best 15: 20 x 100/65 x 0.5 = 15.3846; the others are at best: 10 x 100/65 = 15.3846 (x3)
    and 15 x 100/65 = 23.0769. Sum 84.6153 -> score 84.62, tier 2000, bonus 2000 x 0.8462 =
    1692.40."""
    score = score_of(converted_buyers=10, inquiry_buyers=29, answered_wait_seconds=3750)
    by_metric = {line.metric: line for line in score.lines}
    assert by_metric["inquiry_conversion"].status == "n/a"
    assert by_metric["inquiry_conversion"].note == "N/A: sample 29 < min_sample 30"
    assert by_metric["avg_response_seconds"].points == Decimal("15.3846")
    assert by_metric["satisfaction"].points == Decimal("23.0769")
    assert score.line_points == Decimal("84.6153")
    assert score.kpi_score == Decimal("84.62")
    assert full_month_bonus(score) == Decimal("1692.40")


def test_direction_follows_best_and_worst_and_values_clamp():
    """Refund rate worst 0.15, best 0.03 (lower is better): 0.09 is halfway -> 10 x 0.5 = 5.
    A 0.20 refund rate is past worst -> 0 points, not negative; 0.01 is past best -> 10."""
    halfway = score_of(refunded_amount=Decimal("9.00"))
    past_worst = score_of(refunded_amount=Decimal("20.00"))
    past_best = score_of(refunded_amount=Decimal("1.00"))
    points = [next(x.points for x in s.lines if x.metric == "refund_rate")
              for s in (halfway, past_worst, past_best)]
    assert points == [Decimal("5.0000"), Decimal("0.0000"), Decimal("10.0000")]


def test_no_line_with_data_means_no_score_no_bonus_and_review():
    empty = {key: 0 for key in PERFECT}
    score = score_employee(empty, VERSION.kpi["aftersale"], Decimal(0), VERSION)
    assert score.kpi_score is None and score.tier is None
    assert score.flags == ["review: no KPI line had data"]
    line = bonus_line(score, VERSION, 31, 31)
    assert line.amount == Decimal("0.00")
    assert "flagged for review" in line.explanation


def test_mid_month_joiner_is_prorated_day_by_day():
    """Joined on 10-16: 16 of 31 days at 普通 (3500): 3500 x 16/31 = 1806.4516 -> 1806.45.
    KPI 90: 3000 x 0.90 x 16/31 = 1393.5484 -> 1393.55."""
    [base] = base_salary_lines({"普通": 16}, VERSION, 31)
    assert base.amount == Decimal("1806.45")
    assert base.explanation == "base salary 普通 3500 x 16/31 days"
    bonus = bonus_line(score_of("-10"), VERSION, 16, 31)
    assert bonus.amount == Decimal("1393.55")
    assert bonus.explanation == "KPI 90.00 -> tier 90-100, base 3000 x 90.00% x 16/31 days"


def test_mid_month_promotion_pays_each_level_for_the_days_held():
    """普通 for 15 days: 3500 x 15/31 = 1693.5484 -> 1693.55; 高级 for 16 days:
    4000 x 16/31 = 2064.5161 -> 2064.52; base salary 3758.07 (each line rounded first)."""
    lines = base_salary_lines({"普通": 15, "高级": 16}, VERSION, 31)
    assert [line.amount for line in lines] == [Decimal("1693.55"), Decimal("2064.52")]
    assert sum(line.amount for line in lines) == Decimal("3758.07")


def test_tier_80_89_is_explained_in_words():
    """KPI 87.50 (100 - 12.5) for a full month: 2000 x 0.875 = 1750.00."""
    line = bonus_line(score_of("-12.5"), VERSION, 31, 31)
    assert line.amount == Decimal("1750.00")
    assert line.explanation == "KPI 87.50 -> tier 80-89, base 2000 x 87.50% x 31/31 days"


@pytest.mark.parametrize(("value", "places", "expected"), [
    (Fraction(1, 8), 2, "0.13"), (Fraction(-1, 8), 2, "-0.13"), (Fraction(2, 3), 4, "0.6667"),
    (Decimal("89.995"), 2, "90.00"), (Decimal("2.675"), 2, "2.68"),
])
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == Decimal(expected)
