"""The pay statement as an agent reads it: numbers at the precision a person reads (the exact
decimals kept in `data-value`), every value from the roster and the adjustments file printed as
text, never as markup, and a layout that fits a 390 px phone.

The month: one presale agent E1 named `<b>x</b>`, one ordinary day 2026-10-19. Buyers A, B, C, D
are answered after 20, 30, 11 and 20 s, E and F never: avg and first response 81 / 4 = 20.25 s,
reply_rate 4 / 6. A pays a 59.00 order (refund_rate 0 over 59.00). A 质检 adjustment of +1.25
points carries markup in its reason."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.runner import backfill_days, run_range
from pipelines.publish.figures import figure
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
        run_range(settings, monthly_job, "2026-10-01", "2026-10-01", instance)
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


def test_each_rate_shows_its_95_percent_interval_and_the_points_at_its_ends(month: Settings):
    """Hand-worked in tests/test_statement_figures.py (z = 1.959964), the points by the plan:
    - avg and first response, waits 20, 30, 11, 20 s (squares 1821): t(3) interval
      7.898791 .. 32.601209 -> 7.9-32.6 s. Avg (effective weight 40): (60 - 32.601209) / 45
      x 40 = 24.3545 .. 40 (under best 15 s). First (20): 0 (over worst 30 s) ..
      (30 - 7.898791) / 25 x 20 = 17.6810.
    - reply 4 of 6: Wilson 0.299993 .. 0.903229 -> 30.0%-90.3%; points 0 .. (0.903229 - 0.9)
      / 0.1 x 20 = 0.6457: an end moves the line's 0 points by 0.5 or more, so it is shown.
    - refund 0.00 over 1 credited order: Wilson 0 .. 0.793451 -> 0.0%-79.3%; points 20 .. 0.
    - conversion (4 inquiries < min_sample 30) and satisfaction (no ratings) are N/A: none."""
    assert warehouse_rows(month, "SELECT answered_wait_seconds_squared, "
                                 "first_response_seconds_squared FROM marts.agent_monthly_metrics "
                                 "WHERE employee_id = 'E1'") == [(1821, 1821)]
    page = StatementPage(page_text(month))
    fields = ("interval_low", "interval_high", "interval_points_low", "interval_points_high")
    got = {metric: tuple(page.shown.get((metric, f)) for f in fields) for metric in page.metrics}
    assert got == {
        "avg_response_seconds": ("7.9", "32.6", "24.3545", "40.0000"),
        "first_response_seconds": ("7.9", "32.6", "0.0000", "17.6810"),
        "reply_rate": ("30.0%", "90.3%", "0.0000", "0.6457"),
        "refund_rate": ("0.0%", "79.3%", "0.0000", "20.0000"),
        "inquiry_conversion": (None, None, None, None),
        "satisfaction": (None, None, None, None),
    }
    assert page.metrics["reply_rate"]["interval_high"] == "0.903229"


def test_the_statement_says_what_reaching_the_next_tier_takes(month: Settings):
    """Score 64.38 in tier 0 (base 1000, 31 of 31 days: a point is worth 10.00); tier 80 (base
    2000) is 80 - 64.38 = 15.62 points away; the raw total 64.3833 must reach 79.995, 15.6117
    more.
    - reply (0 points, effective weight 20): (15.6117 - 0.00005) / 20 = 0.780583, value 0.9 +
      0.1 x 0.780583 = 0.978058 -> 97.9% (rounded up); at 0.979 the line has 0.79 x 20 =
      15.8000 points: 63.1333 + 15.8 + 1.25 = 80.1833 -> 80.18, 2000 x 80.18% = 1603.60;
      0.978058 x 6 = 5.87 -> all 6 buyers received.
    - avg response can add 40 - 35.3333 = 4.6667 at most (15.0 s): 69.05; first response
      20 - 7.8 = 12.2000 (5.0 s): 76.58. Neither is enough alone.
    - refund is at full points: no route. N/A lines have none."""
    page = StatementPage(page_text(month))
    assert [page.fields[f] for f in ("next_min_score", "next_tier_base", "points_missing",
                                     "point_value")] == ["80.00", "2000.00", "15.62", "10.00"]
    fields = ("now", "target", "gain", "score", "bonus")
    got = {metric: [page.shown.get((("route", metric), f)) for f in fields]
           for metric in page.routes}
    assert got == {
        "avg_response_seconds": ["20.3", "15.0", "4.67", "69.05", None],
        "first_response_seconds": ["20.3", "5.0", "12.20", "76.58", None],
        "reply_rate": ["66.7%", "97.9%", "15.80", "80.18", "1603.60"],
    }
    assert page.routes["reply_rate"]["gain"] == "15.8000"
    assert page.routes["reply_rate"]["counts"] == "接待人数 received_buyers 4 -> 6 / " \
                                                   "咨询人数 consulted_buyers 6"
    routes = re.findall(r'<li data-route="(\w+)">(.*?)</li>', page_text(month), re.S)
    # the text a person reads (the counts are a line of their own, a block .formula)
    read = {metric: html.unescape(" ".join(re.sub(r"<[^>]+>", "", li).split()))
            for metric, li in routes}
    assert read["reply_rate"] == ("回复率 reply_rate 66.7% -> 97.9%: +15.80 points → KPI 80.18, "
                                  "奖金 bonus ¥1603.60接待人数 received_buyers 4 -> 6 / "
                                  "咨询人数 consulted_buyers 6")
    assert read["avg_response_seconds"] == (
        "平均响应时长(秒) avg_response_seconds 20.3 -> 15.0: +4.67 points "
        "最多，单项不足以进入下一档 at most: not enough alone (KPI 69.05)")


def test_names_and_reasons_from_the_files_are_escaped(month: Settings):
    text = page_text(month)
    page = StatementPage(text)
    assert page.fields["name"] == NAME
    assert NAME not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    assert "<img" not in text and page.external == []  # no image element, nothing fetched
    assert page.fields["qa_item_points"] == "1.25"
    assert "质检 &lt;img src=x onerror=alert(1)&gt;" in text


# --- the page on a 390 px phone -------------------------------------------------------------------

PHONE = 390  # CSS px: an iPhone 12-15's screen width
EM = 16  # px per em: the browser default, which media queries use; the page's text is smaller
STACKED = {"block", "flex", "grid", "none", "list-item"}
Rule = tuple[str | None, str, dict[str, str]]  # (media condition or None, selector, declarations)


class Element:
    """One element of the page, with its attributes and its parent."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.classes = set((attrs.get("class") or "").split())

    def ancestors(self) -> list[Element]:
        found, at = [], self.parent
        while at is not None:
            found.append(at)
            at = at.parent
        return found


class PageTree(HTMLParser):
    """The page's elements (each knowing its parent) and its inline stylesheet."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.css = ""
        self._open: list[Element] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop().tag != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1].tag == "style":
            self.css += data


def css_rules(css: str) -> list[Rule]:
    """Each rule of the stylesheet in order, one per selector of a selector list."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, at = [], 0
    while (opening := css.find("{", at)) >= 0:
        prelude = css[at:opening].strip()
        if prelude.startswith("@media"):
            depth, end = 1, opening + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(css[end], 0)
                end += 1
            rules += [(prelude[6:].strip(), sel, decls)
                      for _, sel, decls in css_rules(css[opening + 1:end - 1])]
        else:
            end = css.index("}", opening) + 1
            decls = dict((name.strip().lower(), value.replace("!important", "").strip())
                         for name, _, value in (d.partition(":") for d in
                                                css[opening + 1:end - 1].split(";"))
                         if value.strip())
            rules += [(None, sel.strip(), decls) for sel in prelude.split(",")]
        at = end
    return rules


def applies_at(media: str | None, width: int) -> bool:
    if media is None:
        return True
    if "print" in media:
        return False
    for bound, number, unit in re.findall(r"\((min|max)-width:\s*([\d.]+)(px|em)\)", media):
        px = float(number) * (EM if unit == "em" else 1)
        if (bound == "max" and width > px) or (bound == "min" and width < px):
            return False
    return True


COMPOUND = re.compile(r"^(?P<tag>[a-z][a-z0-9]*|\*)?(?P<rest>(?:\.[\w-]+|\[[\w-]+\])*)$")


def specificity(selector: str, element: Element) -> tuple[int, int] | None:
    """(classes and attributes, tags) when `selector` matches `element`, else None. Handles
    the descendant combinator, tags, classes and [attr]; a selector with anything else (a
    pseudo-element styles something else; :empty, >, ~ ...) is taken as matching nothing."""
    compounds = selector.split()
    parsed = [COMPOUND.match(c) for c in compounds]
    if not compounds or not all(parsed):
        return None

    def matches(m: re.Match, e: Element) -> bool:
        if m["tag"] not in (None, "*", e.tag):
            return False
        return all(e.attrs.get(part[1:-1]) is not None if part.startswith("[")
                   else part[1:] in e.classes
                   for part in re.findall(r"\.[\w-]+|\[[\w-]+\]", m["rest"]))

    if not matches(parsed[-1], element):
        return None
    left = parsed[:-1]
    for ancestor in element.ancestors():
        if left and matches(left[-1], ancestor):
            left.pop()
    if left:
        return None
    return (sum(len(re.findall(r"\.[\w-]+|\[[\w-]+\]", m["rest"])) for m in parsed),
            sum(1 for m in parsed if m["tag"] not in (None, "*")))


def computed(rules: list[Rule], element: Element, prop: str) -> str | None:
    """`prop` of `element` as the cascade gives it: highest specificity, then the last rule."""
    best: tuple[tuple[int, int], str] | None = None
    for _, selector, decls in rules:
        spec = specificity(selector, element) if prop in decls else None
        if spec is not None and (best is None or spec >= best[0]):
            best = (spec, decls[prop])
    return None if best is None else best[1]


def tracks(columns: str) -> int | None:
    """How many columns a grid-template-columns fixes; None when they adapt to the width."""
    if "auto-fill" in columns or "auto-fit" in columns:
        return None
    count, depth, word = 0, 0, False
    for char in re.sub(r"repeat\(\s*(\d+)\s*,(.*)\)",
                       lambda m: " ".join([m[2]] * int(m[1])), columns):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char.isspace():
            word = False
        elif not word:
            count, word = count + 1, True
    return count


def phone_layout_problems(text: str, width: int = PHONE) -> list[str]:
    """What would make the page wider than a `width` px screen, read from its markup and its
    inline stylesheet with the rules in force at that width (see the layout test)."""
    tree = PageTree(text)
    rules = [r for r in css_rules(tree.css) if applies_at(r[0], width)]
    problems = []
    viewport = [e for e in tree.elements if e.tag == "meta" and e.attrs.get("name") == "viewport"]
    if not any("width=device-width" in (e.attrs.get("content") or "") for e in viewport):
        problems.append("no viewport meta width=device-width: the phone lays it out 980 px wide")
    for element in tree.elements:
        if element.tag in {"thead", "tbody", "tfoot", "tr", "th", "td"} and not any(
                computed(rules, e, "display") == "none" for e in (element, *element.ancestors())):
            display = computed(rules, element, "display")
            if display not in STACKED:
                problems.append(f"a <{element.tag}> is laid out as a table cell or row "
                                f"({display or 'the default'}) at {width} px")
    for _, selector, decls in rules:
        for prop in ("width", "min-width", "flex-basis", "grid-template-columns"):
            for number, unit in re.findall(r"(\d*\.?\d+)(px|r?em)\b", decls.get(prop, "")):
                if float(number) * (1 if unit == "px" else EM) > width:
                    problems.append(f"{selector} {{{prop}: {decls[prop]}}} is wider than "
                                    f"{width} px")
    for element in tree.elements:
        if computed(rules, element, "display") == "grid":
            fixed = tracks(computed(rules, element, "grid-template-columns") or "none")
            if fixed is not None and fixed > 2:
                problems.append(f"a <{element.tag} class={' '.join(sorted(element.classes))}> "
                                f"is a fixed grid of {fixed} columns at {width} px")
    body = [e for e in tree.elements if e.tag == "body"]
    if not body or computed(rules, body[0], "overflow-wrap") not in {"anywhere", "break-word"}:
        problems.append("long words do not wrap: body has no overflow-wrap: anywhere")
    return list(dict.fromkeys(problems))


def test_the_statement_fits_a_390px_phone(month: Settings):
    """Nothing on the page is wider than a 390 px phone. No browser is part of the project's
    install (and none may be downloaded at test time), so this reads the page's markup and its
    inline stylesheet with the rules in force at 390 px (each @media query evaluated at that
    width, the cascade by specificity and order) and requires:

    - a viewport meta width=device-width, else a phone lays the page out 980 px wide;
    - every table row and cell displayed as a block (stacked into cards), not as a table:
      a table's width is the sum of its columns' widest unbreakable cells, so the 12-column KPI
      table is wider than the screen whatever its CSS width says (the old page overflowed here);
    - no width, min-width, flex-basis or grid track longer than the screen;
    - no grid of more than 2 fixed columns (the old header's repeat(4, auto 1fr) split 390 px
      into 8 columns and wrapped its labels a letter a line);
    - overflow-wrap: anywhere on body, so a run id or a path without spaces wraps.

    The statement as it was before this layout fails the 2nd, 4th and 5th (in Chromium at
    390 px it was 949-978 px wide; it is now 375 px, the screen less its scrollbar); the test
    below keeps the checker honest on that old layout."""
    assert phone_layout_problems(page_text(month)) == []


OLD_LAYOUT = """<!DOCTYPE html><html><head>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
main{box-sizing:border-box;max-width:1160px;margin:20px auto}
dl.head{display:grid;grid-template-columns:repeat(4,auto 1fr);gap:6px 14px;margin:14px 0}
table{border-collapse:collapse;width:100%}td.note{min-width:80px;max-width:240px}
</style></head><body><main><dl class="head"><dt>员工</dt><dd>E1</dd></dl>
<table><thead><tr><th>指标</th></tr></thead><tbody><tr data-metric="reply_rate">
<th>回复率</th><td class="note">N/A</td></tr></tbody></table></main></body></html>"""


def test_the_layout_check_finds_what_made_the_old_page_overflow():
    """The old statement's own rules (its stylesheet, cut to what lays out the header and the
    tables): the check must find the table, the 8-column header grid and the unbroken words,
    and must accept the same page once a phone rule stacks the table."""
    problems = phone_layout_problems(OLD_LAYOUT)
    assert any("<td> is laid out as a table cell" in p for p in problems), problems
    assert any("fixed grid of 8 columns" in p for p in problems), problems
    assert any("long words do not wrap" in p for p in problems), problems
    assert not any("wider than" in p for p in problems), problems
    wider = OLD_LAYOUT.replace("min-width:80px", "min-width:480px")
    assert any("td.note {min-width: 480px} is wider than 390 px" in p
               for p in phone_layout_problems(wider))
    fixed = OLD_LAYOUT.replace("</style>", "body{overflow-wrap:anywhere}"
                               "dl.head{grid-template-columns:repeat(auto-fill,minmax(9em,1fr))}"
                               "@media (max-width:640px){table,thead,tbody,tr,th,td"
                               "{display:block}}</style>")
    assert phone_layout_problems(fixed) == []
    assert phone_layout_problems(fixed, width=700) != []  # the phone rule is not in force there
