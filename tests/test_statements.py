"""The pay statement as an agent reads it: numbers at the precision a person reads (the exact
decimals kept in `data-value`), and every value from the roster and the adjustments file printed
as text, never as markup.

The month: one presale agent E1 named `<b>x</b>`, one ordinary day 2026-10-19. Buyers A, B, C, D
are answered after 20, 30, 11 and 20 s, E and F never: avg and first response 81 / 4 = 20.25 s,
reply_rate 4 / 6. A pays a 59.00 order (refund_rate 0 over 59.00). A 质检 adjustment of +1.25
points carries markup in its reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.orchestration.definitions import monthly_assets
from pipelines.orchestration.runner import backfill_days, run_range
from pipelines.publish.statements import figure
from tests.conftest import warehouse_rows
from tests.test_metrics import PAID, land_chats, land_orders, make_settings
from tests.test_publish import StatementPage, shown, write_adjustments

MONTH = date(2026, 10, 1)
NAME = "<b>x</b>"
REASON = "质检 <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("statement"),
                             f"E1,{NAME},店:甲,高级,presale,2026-01-01,")
    a = "店:甲"
    land_chats(settings, "2026-10-19",
               ("10:00:00", a, "A", "buyer"), ("10:00:20", a, "A", "agent"),
               ("11:00:00", a, "B", "buyer"), ("11:00:30", a, "B", "agent"),
               ("12:00:00", a, "C", "buyer"), ("12:00:11", a, "C", "agent"),
               ("13:00:00", a, "D", "buyer"), ("13:00:20", a, "D", "agent"),
               ("14:00:00", a, "E", "buyer"), ("15:00:00", a, "F", "buyer"))
    land_orders(settings, "2026-10-19",
                ("7001", "A", "59.00", PAID, "2026-10-19 10:30:00", "2026-10-19 10:31:00"))
    write_adjustments(settings, f"E1,qa_points,1.25,{REASON}")
    with DagsterInstance.ephemeral() as instance:
        backfill_days(settings, date(2026, 10, 19), date(2026, 10, 19), instance)
        run_range(settings, monthly_assets, "2026-10-01", "2026-10-01", instance)
    return settings


def page_text(settings: Settings) -> str:
    return (settings.publish / "statements" / "2026-10" / "E1.html").read_text("utf-8")


def test_figures_round_half_up_in_decimal_to_what_a_person_reads():
    """Hand-worked. The ties (38.65 s, 87.25 %, 2.345 and -12.345 CNY) tell half-up from
    half-even and from a float, which holds 38.65 as 38.64999... and rounds it to 38.6."""
    cases = [
        ("38.678287", "seconds", "38.7"), ("38.65", "seconds", "38.7"),
        ("60.0000", "seconds", "60.0"),
        ("0.873449", "percent", "87.3%"), ("0.8725", "percent", "87.3%"),
        ("0.057354", "percent", "5.7%"), ("1.000000", "percent", "100.0%"),
        ("35.0000", "whole", "35"), ("46.1538", "whole", "46.15"), ("813.00", "whole", "813"),
        ("2.345", "money", "2.35"), ("-12.345", "money", "-12.35"),
        ("4000.00", "money", "4000.00"), ("1.234567", "ratio", "1.23"),
        ("17.56455", "points", "17.5646"), ("81.5", "score", "81.50"),
    ]
    for exact, unit, text in cases:
        got = figure(Decimal(exact), unit)
        assert got is not None and (got.text, got.exact) == (text, exact), (exact, unit)
    assert figure(7, "whole") == figure(Decimal(7), "whole")
    assert figure(None, "seconds") is None


def test_the_statement_shows_rounded_numbers_and_keeps_the_exact_ones(month: Settings):
    page = StatementPage(page_text(month))
    line = {(key, name): text for (key, name), text in page.shown.items() if key is not None}
    # avg response 81 / 4 = 20.25 s: a tie, 20.3 half-up; achieved (60 - 20.25) / 45 = 0.883333
    assert [line[("avg_response_seconds", f)] for f in (
        "value", "numerator", "denominator", "worst", "best", "weight", "effective_weight",
        "achieved", "points")] == ["20.3", "81", "4", "60.0", "15.0", "20", "40", "88.3%",
                                   "35.3333"]
    # 4 of 6 buyers answered: 0.666667 -> 66.7%, under the worst 90.0%: no points
    assert [line[("reply_rate", f)] for f in ("value", "worst", "best", "achieved", "points")] \
        == ["66.7%", "90.0%", "100.0%", "0.0%", "0.0000"]
    # refund_rate is over money: 0.00 refunded of 59.00 sold
    assert [line[("refund_rate", f)] for f in ("value", "numerator", "denominator", "best")] \
        == ["0.0%", "0.00", "59.00", "3.0%"]
    # what the page rounds, data-value keeps as the mart holds it
    for metric, value, worst, weight, achieved in warehouse_rows(
            month, "SELECT metric, value, worst, weight, achieved FROM marts.kpi_lines "
                   "WHERE month = ? AND employee_id = 'E1'", [MONTH]):
        row = page.metrics[metric]
        assert (row["value"], row["worst"], row["weight"], row["achieved"]) == (
            shown(value), str(worst), str(weight), shown(achieved))
    assert page.metrics["avg_response_seconds"]["value"] == "20.250000"
    # 35.3333 + 7.8000 + 0.0000 + 20.0000 = 63.1333, + 1.25 = 64.3833 -> 64.38
    assert [page.shown[(None, f)] for f in ("line_points", "qa_points", "raw_score",
                                            "kpi_score")] == ["63.1333", "1.25", "64.3833",
                                                              "64.38"]
    # base 4000.00 + bonus 1000.00 x 64.38% = 643.80
    assert [page.shown[(n, "amount")] for n in (1, 2)] == ["4000.00", "643.80"]
    assert page.shown[(1, "quantity")] == "31"
    assert page.fields["gross_pay"] == page.shown[(None, "gross_pay")] == "4643.80"


def test_names_and_reasons_from_the_files_are_escaped(month: Settings):
    text = page_text(month)
    page = StatementPage(text)
    assert page.fields["name"] == NAME
    assert NAME not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert "<img" not in text and page.external == []  # no image element, nothing fetched
    assert page.fields["qa_item_points"] == "1.25"
    assert "质检 &lt;img src=x onerror=alert(1)&gt;" in text
