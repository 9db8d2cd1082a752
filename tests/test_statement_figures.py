"""The statement's 95% intervals and its way to the next tier, worked out by hand (the end-to-end
page is in tests/test_statements.py), and the sums of squared waits the mean lines' intervals
need, in the marts and in a warehouse that predates them.

z = 1.959964 (z² = 3.841459) throughout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipelines.publish.intervals import mean_interval, t_quantile, wilson
from pipelines.publish.line_figures import (
    BonusTerms,
    line_interval,
    next_tier,
    points_at,
    scored_lines,
)
from pipelines.warehouse.database import connect, run_sql

D = Decimal


def test_wilson_interval_by_hand():
    """4 of 6: 1 + z²/6 = 1.640243; centre (0.666667 + z²/12) / 1.640243 = 0.986788 / 1.640243
    = 0.601611; half 1.959964 / 1.640243 x sqrt(0.666667 x 0.333333 / 6 + z²/144)
    = 1.194923 x sqrt(0.037037 + 0.026677) = 1.194923 x 0.252416 = 0.301618:
    0.299993 .. 0.903229. 0 of 1: centre (z²/2) / (1 + z²) = 1.920730 / 4.841459 = 0.396725,
    half (1.959964 / 4.841459) x sqrt(z²/4) = 0.404830 x 0.979982 = 0.396726: 0 .. 0.793451."""
    low, high = wilson(4 / 6, 6)
    assert (low, high) == (pytest.approx(0.299993, abs=2e-6), pytest.approx(0.903229, abs=2e-6))
    low, high = wilson(0.0, 1)
    assert (low, high) == (0.0, pytest.approx(0.793451, abs=2e-6))
    assert wilson(1.0, 1) == (pytest.approx(1 - 0.793451, abs=2e-6), 1.0)


@pytest.mark.parametrize(("df", "quantile"), [
    # a printed table of Student's t, two-sided 95%
    (1, 12.706), (2, 4.303), (3, 3.182), (10, 2.228), (29, 2.045), (120, 1.980), (5000, 1.960)])
def test_t_quantile_against_the_printed_table(df, quantile):
    assert t_quantile(df) == pytest.approx(quantile, abs=6e-4)


def test_mean_interval_by_hand():
    """Waits 20, 30, 11, 20 s: mean 20.25, squares 400 + 900 + 121 + 400 = 1821;
    s² = (1821 - 4 x 20.25²) / 3 = 180.75 / 3 = 60.25, s = 7.762087, s/√4 = 3.881044;
    t(3) = 3.182446: half 12.351209, 7.898791 .. 32.601209. Waits 0 and 10 s: mean 5,
    s² = (100 - 2 x 25) / 1 = 50, half 12.706205 x sqrt(50 / 2) = 63.531: the lower end stops
    at 0 (no wait is negative). One wait has no spread."""
    low, high = mean_interval(20.25, 1821, 4)
    assert (low, high) == (pytest.approx(7.898791, abs=1e-5), pytest.approx(32.601209, abs=1e-5))
    assert mean_interval(5.0, 100, 2) == (0.0, pytest.approx(5 + 63.531, abs=1e-3))
    assert mean_interval(20.0, 400, 1) is None


def kpi_line(metric: str, numerator: str, denominator: str, sample: int, weight: int,
             worst: str, best: str, points: str | None, status: str = "scored") -> dict[str, Any]:
    """A row of marts.kpi_lines as the statement reads it."""
    return {"metric": metric, "numerator": D(numerator), "denominator": D(denominator),
            "sample": sample, "min_sample": 0, "weight": D(weight), "worst": D(worst),
            "best": D(best), "points": None if points is None else D(points),
            "status": status}


# A presale month, every line scored (weights sum to 100, so effective weight = weight):
#   conversion 40/114 = 0.350877: (0.350877 - 0.2) / 0.3 x 35 = 17.6023
#   avg response 2000/100 = 20 s: (60 - 20) / 45 x 20 = 17.7778
#   first response 1000/100 = 10 s: (30 - 10) / 25 x 10 = 8.0000
#   reply 100/100: full 10.0000;  satisfaction 19/20 = 0.95: 0.15 / 0.18 x 15 = 12.5000
#   refund 2.00 / 100.00 over 50 orders = 0.02, under best 0.03: full 10.0000
# line points 75.8801.
MONTH_LINES = [
    kpi_line("inquiry_conversion", "40", "114", 114, 35, "0.2", "0.5", "17.6023"),
    kpi_line("avg_response_seconds", "2000", "100", 100, 20, "60", "15", "17.7778"),
    kpi_line("first_response_seconds", "1000", "100", 100, 10, "30", "5", "8.0000"),
    kpi_line("reply_rate", "100", "100", 100, 10, "0.9", "1.0", "10.0000"),
    kpi_line("satisfaction", "19", "20", 20, 15, "0.8", "0.98", "12.5000"),
    kpi_line("refund_rate", "2.00", "100.00", 50, 10, "0.15", "0.03", "10.0000"),
]
TIERS = [(D("0"), D("1000")), (D("80"), D("2000")), (D("90"), D("3000"))]
FULL_MONTH = BonusTerms(30, 30, True)


def routes_of(qa_points: str, score: str) -> tuple[Any, dict[str, tuple]]:
    upper = next_tier(scored_lines(MONTH_LINES), D("75.8801"), D(qa_points), D(score), TIERS,
                      FULL_MONTH)
    assert upper is not None
    return upper, {r.metric: (r.target, r.gain, r.score, r.bonus, r.enough, r.counts)
                   for r in upper.routes}


def test_next_tier_from_tier_0_line_by_line():
    """Score 75.88 (qa 0): tier 80 is 4.12 points away. The raw total must reach 79.995 (it
    rounds half-up to 80.00): 79.995 - 75.8801 = 4.1149 more points.
    Conversion: points 17.6023 + 4.1149 = 21.7172, reached from the share (21.7172 - 0.00005)
    / 35 = 0.620490, the value 0.2 + 0.3 x 0.620490 = 0.386147, shown rounded up: 38.7%;
    at 0.387 the line has 0.187 / 0.3 x 35 = 21.8167 points, +4.2144: 80.0945 -> 80.09, bonus
    2000 x 80.09% = 1601.80; 0.386147 x 114 = 44.02 -> 45 converted buyers of 114.
    Avg response can add 20 - 17.7778 = 2.2222 at most (15 s): 78.1023 -> 78.10, 781.00;
    first response 2.0000 (5 s): 77.88, 778.80; satisfaction 2.5000 (98%): 78.38, 783.80,
    0.98 x 20 = 19.6 -> 20 satisfied ratings. Reply and refund are at full points: no route."""
    upper, routes = routes_of("0", "75.88")
    assert (upper.min_score, upper.base, upper.missing) == (D("80"), D("2000"), D("4.12"))
    assert list(routes) == ["inquiry_conversion", "avg_response_seconds",
                            "first_response_seconds", "satisfaction"]
    assert routes["inquiry_conversion"] == (
        D("0.387"), D("4.2144"), D("80.09"), D("1601.80"), True, (40, 45))
    assert routes["avg_response_seconds"] == (
        D("15"), D("2.2222"), D("78.10"), D("781.00"), False, None)
    assert routes["first_response_seconds"] == (
        D("5"), D("2.0000"), D("77.88"), D("778.80"), False, None)
    assert routes["satisfaction"] == (
        D("0.98"), D("2.5000"), D("78.38"), D("783.80"), False, (19, 20))


def test_next_tier_from_tier_80_and_none_from_the_top():
    """qa +12: 87.8801 -> 87.88, tier 90 is 2.12 away; the raw total needs 89.995 - 87.8801
    = 2.1149 more.
    Conversion: (19.7172 - 0.00005) / 35 = 0.563347, value 0.369004 -> 37.0% (at 36.9% the
    line has 19.7167 points: 89.9945 -> 89.99, short); at 0.370: 19.8333, +2.2310, 90.1111 ->
    90.11, 3000 x 90.11% = 2703.30; 0.369004 x 114 = 42.07 -> 43.
    Avg response, lower is better: (19.8927 - 0.00005) / 20 = 0.994633, value 60 - 45 x
    0.994633 = 15.241538 -> rounded down to 15.2 s; at 15.2: 44.8 / 45 x 20 = 19.9111,
    +2.1333, 90.0134 -> 90.01, 2700.30.
    First response can add 2.0000 at most: 89.8801 -> 89.88, still tier 80: 2000 x 89.88%
    = 1797.60.
    Satisfaction: (14.6149 - 0.00005) / 15 = 0.974323, value 0.975378 -> 97.6%; at 0.976:
    14.6667, +2.1667, 90.0468 -> 90.05, 2701.50; 0.975378 x 20 = 19.51 -> 20.
    With qa +16 (91.88) there is no tier above."""
    upper, routes = routes_of("12", "87.88")
    assert (upper.min_score, upper.base, upper.missing) == (D("90"), D("3000"), D("2.12"))
    assert routes["inquiry_conversion"] == (
        D("0.37"), D("2.2310"), D("90.11"), D("2703.30"), True, (40, 43))
    assert routes["avg_response_seconds"] == (
        D("15.2"), D("2.1333"), D("90.01"), D("2700.30"), True, None)
    assert routes["first_response_seconds"] == (
        D("5"), D("2.0000"), D("89.88"), D("1797.60"), False, None)
    assert routes["satisfaction"] == (
        D("0.976"), D("2.1667"), D("90.05"), D("2701.50"), True, (19, 20))
    assert next_tier(scored_lines(MONTH_LINES), D("75.8801"), D("16"), D("91.88"), TIERS,
                     FULL_MONTH) is None


def test_a_raw_total_half_a_cent_under_the_tier_reaches_it():
    """qa +11.77: 87.6501 -> 87.65; 89.995 - 87.6501 = 2.3449 more, conversion (19.9472 -
    0.00005) / 35 = 0.569919, value 0.370976 -> 37.1%. At 0.371 the line has 0.171 / 0.3 x 35
    = 19.9500 points, +2.3477: 89.9978, which rounds half-up to 90.00: tier 90, 3000 x 90% =
    2700.00. Asking for a raw 90 would have said 37.2%."""
    _, routes = routes_of("11.77", "87.65")
    assert routes["inquiry_conversion"] == (
        D("0.371"), D("2.3477"), D("90.00"), D("2700.00"), True, (40, 43))


def test_a_prorated_bonus_and_na_lines_scale_the_weights():
    """A joiner of 15 of 30 days: 2000 x 80.09% x 15/30 = 800.90. With satisfaction N/A the
    other weights scale by 100/85 (conversion 35 -> 41.176471): its points would be
    41.176471 x 0.502924 = 20.7086 - the weights are worked out exactly, not read rounded."""
    upper = next_tier(scored_lines(MONTH_LINES), D("75.8801"), D("0"), D("75.88"), TIERS,
                      BonusTerms(15, 30, True))
    assert upper is not None and upper.routes[0].bonus == D("800.90")
    lines = [dict(line, status="n/a", points=None) if line["metric"] == "satisfaction"
             else line for line in MONTH_LINES]
    conversion = scored_lines(lines)[0]
    assert conversion.effective * 85 == 3500
    assert points_at(conversion, conversion.value) == D("20.7086")


def test_an_interval_is_shown_when_it_moves_the_points_by_half_a_point():
    """Conversion 400 of 1140 (35.1%): Wilson half-width about 1.96 x sqrt(0.351 x 0.649 /
    1140) = 0.0277, worth 0.0277 / 0.3 x 35 = 3.2 points: shown. Refunds 0.0 over 300 orders:
    the upper end z²/300 / (1 + z²/300) = 0.012643 is under the best 3%, both ends earn the full
    10 points: not shown. A mean line without its squares, a single wait, and the
    answer/question ratio have none."""
    lines = scored_lines([
        kpi_line("inquiry_conversion", "400", "1140", 1140, 35, "0.2", "0.5", "17.6023"),
        kpi_line("refund_rate", "0.00", "9000.00", 300, 10, "0.15", "0.03", "10.0000"),
        kpi_line("avg_response_seconds", "20", "1", 1, 20, "60", "15", "17.7778"),
        kpi_line("first_response_seconds", "1000", "100", 100, 25, "30", "5", "20.0000"),
        kpi_line("qa_ratio", "120", "100", 100, 10, "0.8", "1.2", "10.0000"),
    ])
    conversion, refund, one_wait, no_squares, ratio = (line_interval(lines[0], None),
        line_interval(lines[1], None), line_interval(lines[2], 400),
        line_interval(lines[3], None), line_interval(lines[4], None))
    assert conversion.matters and conversion.bounds is not None
    assert conversion.bounds[1] - conversion.bounds[0] == pytest.approx(2 * 0.0277, abs=2e-4)
    assert refund.bounds == (0.0, pytest.approx(0.012643, abs=2e-6))
    assert refund.points == (D("10.0000"), D("10.0000")) and not refund.matters
    assert [x.bounds for x in (one_wait, no_squares, ratio)] == [None, None, None]
    assert not any(x.matters for x in (one_wait, no_squares, ratio))
    assert [x.missing for x in (one_wait, no_squares, ratio)] == [
        "one_wait", "no_squares", "ratio"]


# --- the sums of squared waits in the marts ------------------------------------------------------


def daily_row(columns: list[str], **values: Any) -> dict[str, Any]:
    """A marts.agent_daily_metrics row: zeros and blanks but for `values`."""
    return {c: 0 for c in columns} | {
        "name": "n", "level": "高级", "role": "presale", "accounts": "a",
        "is_promo_day": False, "plan_version": "p"} | values


def test_the_month_sums_the_squares_of_its_days_and_never_part_of_them(tmp_path: Path):
    """E1: 100 + 200 = 300 squared seconds over two days. E2: one of its days predates the
    columns (NULL): the month's sum is NULL, not the 100 of the other day. E3: its NULL day is
    a promotion day left out of the average response, so that sum is its other day's 100, while
    first response counts both days and is NULL."""
    con = connect(tmp_path / "w.duckdb")
    try:
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND "
            "table_name = 'agent_daily_metrics' ORDER BY column_index").fetchall()]
        assert columns[-2:] == ["answered_wait_seconds_squared",
                                "first_response_seconds_squared"]
        oct1, oct2 = date(2026, 10, 1), date(2026, 10, 2)
        rows = [
            daily_row(columns, employee_id="E1", day=oct1, answered_wait_seconds_squared=100,
                      first_response_seconds_squared=100),
            daily_row(columns, employee_id="E1", day=oct2, answered_wait_seconds_squared=200,
                      first_response_seconds_squared=200),
            daily_row(columns, employee_id="E2", day=oct1, answered_wait_seconds_squared=100,
                      first_response_seconds_squared=100),
            daily_row(columns, employee_id="E2", day=oct2, answered_wait_seconds_squared=None,
                      first_response_seconds_squared=None),
            daily_row(columns, employee_id="E3", day=oct1, answered_wait_seconds_squared=100,
                      first_response_seconds_squared=100),
            daily_row(columns, employee_id="E3", day=oct2, is_promo_day=True,
                      answered_wait_seconds_squared=None, first_response_seconds_squared=None),
        ]
        con.executemany(f"INSERT INTO marts.agent_daily_metrics VALUES "
                        f"({', '.join('?' for _ in columns)})",
                        [[row[c] for c in columns] for row in rows])
        run_sql(con, "marts/agent_monthly_metrics.sql", month_first=oct1,
                month_last=date(2026, 10, 31), plan_version="p",
                promo_excluded=["avg_response_seconds"])
        got = con.execute("SELECT employee_id, answered_wait_seconds_squared, "
                          "first_response_seconds_squared FROM computed_agent_monthly_metrics "
                          "ORDER BY employee_id").fetchall()
    finally:
        con.close()
    assert got == [("E1", 300, 300), ("E2", None, None), ("E3", 100, None)]


def test_a_warehouse_from_before_the_squares_gains_them_last(tmp_path: Path):
    """The inserts are by position: a migrated table must end with the same columns, in the same
    order, as a new one (restated.agent_monthly_metrics too)."""
    path = tmp_path / "w.duckdb"
    con = connect(path)
    new = {t: con.execute(f"SELECT * FROM {t} LIMIT 0").description
           for t in ("marts.agent_daily_metrics", "marts.agent_monthly_metrics",
                     "restated.agent_monthly_metrics")}
    for table in new:
        for column in ("answered_wait_seconds_squared", "first_response_seconds_squared"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.close()
    con = connect(path)
    try:
        for table, description in new.items():
            migrated = con.execute(f"SELECT * FROM {table} LIMIT 0").description
            assert [d[0] for d in migrated] == [d[0] for d in description], table
    finally:
        con.close()
