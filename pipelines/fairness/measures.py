"""What the fairness study measures, from the shops' runs (`pipelines/fairness/study.py`).

True skill: each employee's composite of the generator's true skills in standard units
(`pipelines.generator.staff.standard_skills`), the mean of speed, conversion and care for
presale and of speed and care for after-sale (which does not sell). It is the plan-free answer
to "who is better at the job".

Per shop and role, on the study month: Spearman's rho of true skill with the KPI score, the
bonus, gross pay and a flat sales commission (`study.COMMISSION_RATE` of credited paid sales);
the same for the variant plan's KPI score. Between the study and the retest month (the same
people, skills unchanged, an independent month of luck): the share of employees whose tier (the
bonus base their score earns) changes, under the plan and under the variant; how far luck
alone moves the KPI score and the bonus.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipelines.fairness.stats import mean
from pipelines.fairness.study import ShopRun
from pipelines.generator.staff import standard_skills
from pipelines.pay.diagnostics import spearman

SKILLS_OF_ROLE = {"presale": ("speed", "conversion", "care"), "aftersale": ("speed", "care")}
PAY_MEASURES = ("kpi", "bonus", "gross", "commission", "variant_kpi")
# a bonus that moves this much on luck alone is a month's rent to the agent
BIG_MOVE = Decimal(500)


def true_skill(skill: dict[str, float], role: str) -> float:
    """The composite: the mean of the role's true skills in standard units."""
    z = standard_skills(skill)
    return sum(z[name] for name in SKILLS_OF_ROLE[role]) / len(SKILLS_OF_ROLE[role])


@dataclass(frozen=True)
class Agent:
    """One employee of one shop: true skill, the study month's pay, and the retest's."""

    shop: int
    employee_id: str
    role: str
    true_skill: float
    kpi: float | None
    bonus: float
    gross: float
    commission: float
    variant_kpi: float | None
    tier: Decimal | None
    retest_kpi: float | None
    retest_tier: Decimal | None
    bonus_moved: Decimal
    variant_tier: Decimal | None
    variant_retest_kpi: float | None
    variant_retest_tier: Decimal | None
    luck: dict[str, Any]

    @property
    def flipped(self) -> bool:
        return self.tier != self.retest_tier

    @property
    def variant_flipped(self) -> bool:
        return self.variant_tier != self.variant_retest_tier

    def value(self, measure: str) -> float | None:
        return getattr(self, measure)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def agents_of(run: ShopRun) -> list[Agent]:
    """The employees paid in both the study and the retest month."""
    study, retest = run.paid[run.study], run.paid[run.retest]
    v_study, v_retest = run.variant[run.study], run.variant[run.retest]
    return [Agent(run.index, e, paid.role, true_skill(run.skills[e], paid.role),
                  _number(paid.kpi_score), float(paid.bonus), float(paid.gross_pay),
                  float(paid.commission), _number(v_study[e].kpi_score), paid.tier_base,
                  _number(retest[e].kpi_score), retest[e].tier_base,
                  abs(retest[e].bonus - paid.bonus), v_study[e].tier_base,
                  _number(v_retest[e].kpi_score), v_retest[e].tier_base, run.luck[run.study][e])
            for e, paid in sorted(study.items()) if e in retest]


def rho(agents: list[Agent], measure: str) -> float | None:
    """Spearman of true skill with `measure` over the agents that have it."""
    pairs = [(a.true_skill, a.value(measure)) for a in agents if a.value(measure) is not None]
    return spearman([p[0] for p in pairs], [p[1] for p in pairs])


def retest_summary(agents: list[Agent]) -> dict[str, Any]:
    """Tier flips and what luck alone moved between the study and the retest month."""
    if not agents:
        return {"agents": 0}
    moved = [abs(a.retest_kpi - a.kpi) for a in agents
             if a.kpi is not None and a.retest_kpi is not None]
    variant_moved = [abs(a.variant_retest_kpi - a.variant_kpi) for a in agents
                     if a.variant_kpi is not None and a.variant_retest_kpi is not None]
    return {
        "agents": len(agents),
        "tier_flips": sum(a.flipped for a in agents),
        "tier_flip_rate": sum(a.flipped for a in agents) / len(agents),
        "variant_tier_flips": sum(a.variant_flipped for a in agents),
        "variant_tier_flip_rate": sum(a.variant_flipped for a in agents) / len(agents),
        "kpi_moved_mean": mean(moved),
        "variant_kpi_moved_mean": mean(variant_moved),
        "bonus_moved_mean": float(sum((a.bonus_moved for a in agents), Decimal(0))
                                  / len(agents)),
        "bonus_moved_500_or_more": sum(a.bonus_moved >= BIG_MOVE for a in agents),
    }


def _spread(agents: list[Agent]) -> float | None:
    scores = [a.kpi for a in agents if a.kpi is not None]
    return statistics.stdev(scores) if len(scores) > 1 else None


def role_summary(agents: list[Agent], shops: list[int]) -> dict[str, Any]:
    """One role: each measure's rho per shop (None where the shop has fewer than 3 of the
    role) and their mean, the rho over all shops' agents ranked together, the retest."""
    by_shop = {shop: [a for a in agents if a.shop == shop] for shop in shops}
    out: dict[str, Any] = {"agents": len(agents)}
    for measure in PAY_MEASURES:
        per_shop = [rho(by_shop[shop], measure) for shop in shops]
        out[f"{measure}_spearman"] = per_shop
        out[f"{measure}_spearman_mean"] = mean(per_shop)
        out[f"{measure}_spearman_all_shops"] = rho(agents, measure)
    out["kpi_spread_mean"] = mean([_spread(by_shop[shop]) for shop in shops])
    out["retest"] = retest_summary(agents)
    return out


def summarise(runs: list[ShopRun]) -> tuple[dict[str, Any], list[Agent]]:
    """The study's figures (the JSON's body) and every agent measured."""
    agents = [a for run in runs for a in agents_of(run)]
    shops = [run.index for run in runs]
    roles = {role: role_summary([a for a in agents if a.role == role], shops)
             for role in SKILLS_OF_ROLE}
    presale = roles["presale"]
    retest = retest_summary(agents)
    return {
        # the headline lists are the presale agents': the role that sells, where a sales
        # commission means something
        **{f"{m}_spearman": presale[f"{m}_spearman"] for m in PAY_MEASURES},
        "mean": {f"{m}_spearman": presale[f"{m}_spearman_mean"] for m in PAY_MEASURES},
        "tier_flip_rate": retest["tier_flip_rate"],
        "variant_tier_flip_rate": retest["variant_tier_flip_rate"],
        "retest": retest,
        "roles": roles,
        "shops": [{"shop": run.index, "seed": run.seed,
                   **{f"{m}_spearman": presale[f"{m}_spearman"][i] for m in PAY_MEASURES},
                   "tier_flips": sum(a.flipped for a in agents if a.shop == run.index),
                   "agents": sum(a.shop == run.index for a in agents)}
                  for i, run in enumerate(runs)],
    }, agents
