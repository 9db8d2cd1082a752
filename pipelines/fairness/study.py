"""The fairness study's shops, run through the real pipeline.

Each shop is one team (`kefu generate` with the shop's seed) through three consecutive months,
each with its own luck: the team's first month (its roster events: a promotion, a new hire),
which only the pooled variant reads; the study month; and the retest month, the same people
through an independent month of luck. The three months land in one landing zone and go through
`kefu backfill`'s own functions (`pipelines.orchestration.runner`: the daily graph over the
three months in one run, then metrics, KPI, payroll and publish over the three months in
another) into a warehouse of the shop's own, under its own configuration (the plan studied, a
calendar of the simulated promotions, the generated roster) and an ephemeral Dagster instance.
The marts are then read as finance would read them. The variant plan (`pool_months` toggled)
scores the study and retest months through `kefu whatif`'s `run_whatif`.

The generator's planted 质检 and pay adjustments are left out of the landing zone: they are
neither skill nor luck, and would only blur what the study measures.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from pipelines.config.settings import Settings
from pipelines.generator import generate
from pipelines.generator.luck import Luck
from pipelines.pay.pooling import months_before

STUDY_MONTHS = 3
# the flat sales commission the plan is compared with: 2% of the agent's credited paid sales
COMMISSION_RATE = Decimal("0.02")


@dataclass(frozen=True)
class AgentMonth:
    """One employee's month as a plan paid it (the KPI plan's figures and the commission)."""

    employee_id: str
    role: str
    kpi_score: Decimal | None
    tier_base: Decimal | None
    bonus: Decimal
    gross_pay: Decimal
    commission: Decimal


@dataclass(frozen=True)
class ShopRun:
    """One shop's team and its months: what each month paid under the plan and the variant."""

    index: int
    seed: int
    months: tuple[date, ...]                       # first, study, retest
    skills: dict[str, dict[str, float]]            # employee -> true skills (the manifest's)
    luck: dict[date, dict[str, dict[str, Any]]]    # month -> employee -> the luck they drew
    paid: dict[date, dict[str, AgentMonth]]        # month -> employee -> under the plan
    variant: dict[date, dict[str, AgentMonth]]     # study and retest months, the variant plan

    @property
    def study(self) -> date:
        return self.months[1]

    @property
    def retest(self) -> date:
        return self.months[2]


def study_months(study: date) -> tuple[date, ...]:
    """The team's first month (the one before the study month), the study month and the
    retest month after it."""
    return tuple(months_before((study + timedelta(days=32)).replace(day=1), STUDY_MONTHS))


def variant_pool_months(plan: dict[str, Any]) -> int:
    """The variant of a plan (as read from YAML): `pool_months` 2 if no version pools, else 1."""
    return 2 if all(v.get("pool_months", 1) == 1 for v in plan["versions"]) else 1


def write_variant_plan(plan: Path, out: Path) -> None:
    """`plan` with every version's `pool_months` set to `variant_pool_months`, written to `out`."""
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    pooled = variant_pool_months(data)
    for version in data["versions"]:
        version["pool_months"] = pooled
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _calendar(manifests: list[dict]) -> str:
    periods = {(p["name"], p["from"], p["to"]) for m in manifests for p in m["promotions"]}
    return yaml.safe_dump({"promotions": [{"name": n, "from": a, "to": b}
                                          for n, a, b in sorted(periods, key=lambda p: p[1])]},
                          allow_unicode=True, sort_keys=False)


def _paid(settings: Settings, month: date) -> dict[str, AgentMonth]:
    from pipelines.warehouse.database import connect

    con = connect(settings.warehouse)
    try:
        rows = con.execute(
            "SELECT p.employee_id, p.role, p.kpi_score, p.tier_base, p.bonus, p.gross_pay, "
            "m.sales FROM marts.payroll AS p JOIN marts.agent_monthly_metrics AS m "
            "USING (month, employee_id) WHERE p.month = ? ORDER BY p.employee_id",
            [month]).fetchall()
    finally:
        con.close()
    return {e: AgentMonth(e, role, score, base, bonus, gross, (sales * COMMISSION_RATE)
                          .quantize(Decimal("0.01")))
            for e, role, score, base, bonus, gross, sales in rows}


def _variant(settings: Settings, plan: Path, month: date,
             paid: dict[str, AgentMonth]) -> dict[str, AgentMonth]:
    from pipelines.pay.whatif import run_whatif

    result = run_whatif(settings.warehouse, settings.config, plan, month)
    return {r.employee_id: AgentMonth(r.employee_id, paid[r.employee_id].role,
                                      r.candidate_score, r.candidate_tier_base,
                                      r.candidate_bonus, r.candidate_gross,
                                      paid[r.employee_id].commission)
            for r in result.rows}


def run_shop(root: Path, index: int, seed: int, study: date, plan: Path, agents: int,
             scale: float, luck: Luck | None = None) -> ShopRun:
    """Generate shop `index` (seed `seed`) under `root`, run its three months around the study
    month `study` through the pipeline and read what each paid."""
    from dagster import DagsterInstance

    from pipelines.orchestration.jobs import monthly_job
    from pipelines.orchestration.partitions import month_end
    from pipelines.orchestration.runner import backfill_days, run_range

    months = study_months(study)
    shop = root / f"shop{index:02d}"
    settings = Settings(landing=shop / "landing", warehouse=shop / "warehouse.duckdb",
                        config=shop / "config", publish=shop / "publish")
    manifests = [generate(f"{m:%Y-%m}", settings.landing, agents=agents, seed=seed,
                          scale=scale, luck=luck, team_month=f"{months[0]:%Y-%m}")
                 for m in months]
    shutil.rmtree(settings.landing / "adjustments")
    settings.config.mkdir(parents=True)
    shutil.copy(plan, settings.config / "plan.yaml")
    shutil.copy(settings.landing / "_roster.csv", settings.config / "roster.csv")
    (settings.config / "calendar.yaml").write_text(_calendar(manifests), encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        backfill_days(settings, months[0], month_end(months[-1]), instance)
        run_range(settings, monthly_job, months[0].isoformat(), months[-1].isoformat(),
                  instance)
    paid = {m: _paid(settings, m) for m in months}
    candidate = shop / "variant_plan.yaml"
    write_variant_plan(plan, candidate)
    variant = {m: _variant(settings, candidate, m, paid[m]) for m in months[1:]}
    return ShopRun(
        index, seed, months,
        {e["employee_id"]: e["skill"] for e in manifests[0]["employees"]},
        {m: {e["employee_id"]: e["luck"] for e in manifest["employees"]}
         for m, manifest in zip(months, manifests, strict=True)},
        paid, variant)


def run_study(root: Path, shops: int, seed: int, study: date, plan: Path, agents: int,
              scale: float, luck: Luck | None = None,
              on_shop: Callable[[ShopRun], None] | None = None) -> list[ShopRun]:
    """Shops 1..`shops`, shop k with seed `seed + k - 1`, one after the other under `root`."""
    runs = []
    for index in range(1, shops + 1):
        runs.append(run_shop(root, index, seed + index - 1, study, plan, agents, scale, luck))
        if on_shop:
            on_shop(runs[-1])
    return runs
