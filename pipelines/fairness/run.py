"""`kefu fairness` end to end: the shops (`study.py`), their figures (`measures.py`), the JSON and
the HTML report (`report.py`)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pipelines.config.plan import load_plan
from pipelines.fairness.measures import summarise
from pipelines.fairness.report import write_html, write_json
from pipelines.fairness.study import (
    COMMISSION_RATE,
    ShopRun,
    run_study,
    study_months,
    variant_pool_months,
)
from pipelines.generator.luck import Luck


@dataclass(frozen=True)
class Study:
    """What `kefu fairness` was asked for."""

    plan: Path
    study: date
    shops: int = 8
    agents: int = 12
    seed: int = 1
    scale: float = 1.0
    luck: Luck = field(default_factory=Luck)


def run_fairness(study: Study, report: Path, json_path: Path, workdir: Path | None = None,
                 on_shop: Callable[[ShopRun], None] | None = None) -> dict[str, Any]:
    """Run the study, write `json_path` and `report`; return the figures. The shops' landing
    zones and warehouses go under `workdir` (kept), else a temporary folder (removed)."""
    version = load_plan(study.plan).version_for(study_months(study.study)[0])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kefu-fairness-") as scratch:
        root = workdir or Path(scratch)
        runs = run_study(root, study.shops, study.seed, study.study, study.plan, study.agents,
                         study.scale, study.luck, on_shop)
    figures, agents = summarise(runs)
    months = study_months(study.study)
    figures = {
        "plan": str(study.plan),
        "agents": study.agents, "seed": study.seed, "scale": study.scale,
        "months": dict(zip(("first", "study", "retest"), (f"{m:%Y-%m}" for m in months),
                           strict=True)),
        "commission_rate": COMMISSION_RATE,
        "variant_pool_months": variant_pool_months(
            yaml.safe_load(study.plan.read_text(encoding="utf-8"))),
        "luck": study.luck.as_dict(),
        "seconds": round(time.monotonic() - started, 1),
        **figures,
        "agents_measured": [{**vars(a), "flipped": a.flipped,
                             "variant_flipped": a.variant_flipped} for a in agents],
    }
    write_json(json_path, figures)
    edges = sorted(t.min_score for t in version.bonus_tiers if t.min_score > 0)
    write_html(report, figures, agents, edges)
    return figures
