"""The simulator's luck: each parameter changes what it should and nothing it should not.

Expected values come from the generator's own rules (pipelines/generator/luck.py, shop.py):
the shop's product mix is 59/89/129/199/259/399 yuan at weights 30/15/15/15/10/15 (mean
166.0 yuan), a quantity of 1, 2 or 3 with probabilities 0.905, 0.08, 0.015 (mean 1.11); a
decided buyer orders whatever the agent does, any other answered buyer with the agent's
conversion skill.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.generator import generate
from pipelines.generator.luck import Luck
from pipelines.generator.staff import standard_skills

# September has no promotion: ordinary days only, so the rates below are those of one kind
# of day
QUIET = {"agents": 6, "seed": 5, "scale": 0.3}
MEAN_PRICE = (30 * 59 + 15 * 89 + 15 * 129 + 15 * 199 + 10 * 259 + 15 * 399) / 100
MEAN_QUANTITY = 0.905 + 2 * 0.08 + 3 * 0.015


def presale(manifest: dict) -> list[dict]:
    return [e for e in manifest["employees"] if e["role"] == "presale"]


def orders_per_buyer(manifest: dict) -> float:
    """The presale agents' orders per buyer they chatted with (their conversion, as sold)."""
    agents = presale(manifest)
    return (sum(e["luck"]["orders"] for e in agents)
            / sum(e["luck"]["presale_buyers"] for e in agents))


def test_decided_buyers_raise_sales_but_not_the_conversion_skill(tmp_path: Path) -> None:
    none = generate("2026-09", tmp_path / "none", **QUIET, luck=Luck.even())
    decided = generate("2026-09", tmp_path / "decided", **QUIET,
                       luck=replace(Luck.even(), decided_share=0.6))
    # the same people with the same true skills: the share is luck, not skill
    assert [e["skill"] for e in none["employees"]] == [e["skill"] for e in decided["employees"]]
    assert all(e["luck"]["decided_share"] == 0 for e in none["employees"])
    # a decided share d turns a buyer's chance to order from c (the agent's rate without
    # decided buyers) into d + (1 - d) c
    expected = sum(e["luck"]["presale_buyers"] * (e["luck"]["decided_share"] + (
        1 - e["luck"]["decided_share"]) * o["luck"]["orders"] / o["luck"]["presale_buyers"])
        for e, o in zip(presale(decided), presale(none), strict=True))
    assert orders_per_buyer(decided) == pytest.approx(
        expected / sum(e["luck"]["presale_buyers"] for e in presale(decided)), abs=0.02)
    assert orders_per_buyer(decided) > orders_per_buyer(none) + 0.1
    for e in presale(decided):
        luck = e["luck"]
        assert 0 <= luck["decided_share"] <= 0.6
        # each agent's decided buyers are their drawn share of their buyers
        assert luck["decided_buyers"] == pytest.approx(
            luck["decided_share"] * luck["presale_buyers"],
            abs=4 * math.sqrt(luck["presale_buyers"] * 0.25))
    sales = [sum(e["luck"]["order_value_yuan"] for e in presale(m)) for m in (none, decided)]
    assert sales[1] > 1.2 * sales[0]


def test_premium_routing_sets_the_price_mix(tmp_path: Path) -> None:
    manifest = generate("2026-09", tmp_path, **QUIET,
                        luck=replace(Luck.even(), premium_share=1.0))
    shares = []
    for e in presale(manifest):
        luck = e["luck"]
        share = luck["premium_share"]
        shares.append(share)
        # a share r of the orders are the 399-yuan bag, the rest the shop's mix
        expected = MEAN_QUANTITY * (share * 399 + (1 - share) * MEAN_PRICE)
        assert luck["mean_order_value_yuan"] == pytest.approx(expected, rel=0.15)
    assert max(shares) - min(shares) > 0.3


def test_the_evening_rota_moves_buyers_between_agents(tmp_path: Path) -> None:
    manifest = generate("2026-09", tmp_path, **QUIET,
                        luck=replace(Luck.even(), evening_spread=0.5))
    agents = presale(manifest)
    for e in agents:
        luck = e["luck"]
        assert luck["traffic_weight"] == pytest.approx(1 + 0.5 * (2 * luck["evening_share"] - 1),
                                                       abs=1e-4)
    # buyers per employed day follow the traffic weight (E01, E02 and every eighth agent hold
    # a second account of 0.3 share besides their 0.7 one: the employee takes both)
    heaviest = max(agents, key=lambda e: e["luck"]["traffic_weight"])
    lightest = min(agents, key=lambda e: e["luck"]["traffic_weight"])
    ratio = heaviest["luck"]["traffic_weight"] / lightest["luck"]["traffic_weight"]
    per_day = [e["luck"]["presale_buyers"] / (30 - len(e["days_off"]))
               for e in (heaviest, lightest)]
    assert per_day[0] / per_day[1] == pytest.approx(ratio, rel=0.25)


def test_the_promotion_rota_decides_who_works_the_promotion(tmp_path: Path) -> None:
    manifest = generate("2026-10", tmp_path, agents=8, seed=5, scale=0.05,
                        luck=replace(Luck.even(), promo_off_share=1.0))
    promo = {f"2026-10-{d}" for d in range(20, 32)}   # 双11 from 2026-10-20
    worked = []
    for e in manifest["employees"][:-1]:              # the last one joins on the 16th
        off = set(e["days_off"])
        # off on any number of the 12 promotion days, then the rest of 4 days off elsewhere
        assert len(off - promo) == max(0, 4 - len(off & promo))
        assert e["luck"]["promo_days_worked"] == 12 - len(off & promo)
        worked.append(e["luck"]["promo_days_worked"])
    assert max(worked) - min(worked) >= 4
    even = generate("2026-10", tmp_path / "even", agents=8, seed=5, scale=0.05,
                    luck=Luck.even())
    assert all(len(e["days_off"]) == 4 for e in even["employees"])


def test_the_talent_weight_sets_how_much_the_skills_move_together(tmp_path: Path) -> None:
    def correlation(weight: float) -> float:
        manifest = generate("2026-09", tmp_path / str(weight), agents=150, seed=2, scale=0.005,
                            luck=replace(Luck(), talent_weight=weight))
        pairs = [(z["speed"], z["conversion"]) for z in
                 (standard_skills(e["skill"]) for e in manifest["employees"])]
        xs, ys = zip(*pairs, strict=True)
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        cov = sum((x - mx) * (y - my) for x, y in pairs)
        return cov / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))

    # two skills sharing a talent of weight w correlate by w squared (before clamping)
    assert correlation(0.85) == pytest.approx(0.85**2, abs=0.15)
    assert correlation(0.0) == pytest.approx(0.0, abs=0.2)


def test_a_later_month_is_the_same_team_through_new_luck(tmp_path: Path) -> None:
    first = generate("2026-09", tmp_path, agents=6, seed=4, scale=0.05)
    roster = (tmp_path / "_roster.csv").read_bytes()
    later = generate("2026-10", tmp_path, agents=6, seed=4, scale=0.05, team_month="2026-09")
    assert (tmp_path / "_roster.csv").read_bytes() == roster
    assert json.loads((tmp_path / "_manifest_2026-10.json").read_text("utf-8")) == later
    assert json.loads((tmp_path / "_manifest.json").read_text("utf-8")) == first
    assert [e["skill"] for e in later["employees"]] == [e["skill"] for e in first["employees"]]
    assert [e["luck"] for e in later["employees"]] != [e["luck"] for e in first["employees"]]
    # the September hire (from the 16th) works the whole of October
    assert later["employees"][-1]["luck"]["presale_buyers"] > \
        1.5 * first["employees"][-1]["luck"]["presale_buyers"]
    with pytest.raises(ValueError, match="after month"):
        generate("2026-09", tmp_path, agents=6, team_month="2026-10")


def test_luck_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="talent_weight"):
        Luck(talent_weight=1.0)
    with pytest.raises(ValueError, match="decided_share"):
        Luck(decided_share=1.5)


def test_kefu_generate_takes_the_luck_options(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["generate", "--month", "2026-09", "--agents", "5",
                                   "--scale", "0.02", "--out", str(tmp_path), "--no-luck",
                                   "--decided-share", "0.3"])
    assert out.exit_code == 0, out.output
    manifest = json.loads((tmp_path / "_manifest.json").read_text("utf-8"))
    assert manifest["luck"] == {**Luck.even().as_dict(), "decided_share": 0.3}
    out = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--talent-weight", "1.5"])
    assert out.exit_code == 2 and "talent_weight" in out.output
    out = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--team-month", "2026-9"])
    assert out.exit_code == 2 and "--team-month" in out.output
    out = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--month", "2026-09",
                                   "--team-month", "2026-10"])
    assert out.exit_code == 2 and "after --month" in out.output
