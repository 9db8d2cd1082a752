"""The fairness study's outputs: the JSON of its figures and one offline HTML report whose plots
(matplotlib, drawn as SVG) are inline: pay against true skill, the KPI's rho beside the
commission's per shop, and the tier flips between the study and the retest month."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure
from rich.table import Table

from pipelines.fairness.measures import Agent

KPI_TARGET, COMMISSION_TARGET = 0.9, 0.5
# text stays text in the SVG; the same figures give the same bytes
matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9,
                            "svg.hashsalt": "kefu-fairness"})


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def pay_against_skill(agents: Sequence[Agent]) -> str:
    """Presale agents of every shop: the KPI bonus and the commission against true skill."""
    presale = [a for a in agents if a.role == "presale"]
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots(1, 2, sharex=True)
    for ax, measure, label in ((axes[0], "bonus", "KPI bonus (CNY)"),
                               (axes[1], "commission", "flat commission (CNY)")):
        ax.scatter([a.true_skill for a in presale], [a.value(measure) for a in presale],
                   c=[a.shop for a in presale], cmap="tab10", s=16)
        ax.set_xlabel("true skill (standard units)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_title("KPI plan: bonus against true skill")
    axes[1].set_title("flat sales commission against true skill")
    return _svg(figure)


def rho_per_shop(shops: Sequence[dict[str, Any]]) -> str:
    """Per shop, Spearman of true skill with the KPI score and with the commission."""
    figure = Figure(figsize=(9, 3))
    ax = figure.subplots()
    x = range(len(shops))
    for offset, measure, label in ((-0.2, "kpi_spearman", "KPI score"),
                                   (0.2, "commission_spearman", "flat commission")):
        ax.bar([i + offset for i in x], [s[measure] or 0 for s in shops], width=0.4,
               label=label)
    ax.axhline(KPI_TARGET, ls="--", lw=1, c="C0")
    ax.axhline(COMMISSION_TARGET, ls="--", lw=1, c="C1")
    ax.axhline(0, lw=0.8, c="black")
    ax.set_xticks(list(x), [f"shop {s['shop']}" for s in shops])
    ax.set_ylim(-1, 1)
    ax.set_ylabel("Spearman with true skill")
    ax.legend(loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    return _svg(figure)


def tier_flips(agents: Sequence[Agent], edges: Sequence[Decimal], variant: str) -> str:
    """Study-month KPI against retest-month KPI, tier edges drawn, flipped tiers in red: under
    the plan and under the variant."""
    figure = Figure(figsize=(9, 3.8))
    axes = figure.subplots(1, 2, sharey=True)
    for ax, title, study, retest, flipped in (
            (axes[0], "plan", "kpi", "retest_kpi", "flipped"),
            (axes[1], variant, "variant_kpi", "variant_retest_kpi", "variant_flipped")):
        scored = [a for a in agents
                  if a.value(study) is not None and a.value(retest) is not None]
        ax.scatter([a.value(study) for a in scored], [a.value(retest) for a in scored],
                   c=["C3" if getattr(a, flipped) else "C0" for a in scored], s=14)
        for edge in edges:
            ax.axvline(float(edge), ls="--", lw=0.8, c="grey")
            ax.axhline(float(edge), ls="--", lw=0.8, c="grey")
        ax.axline((50, 50), slope=1, lw=0.6, c="black")
        flips = sum(getattr(a, flipped) for a in scored)
        ax.set_title(f"{title}: {flips} of {len(scored)} tiers flip (red)")
        ax.set_xlabel("KPI score, study month")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("KPI score, retest month")
    return _svg(figure)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def write_json(path: Path, figures: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=_plain) + "\n",
                    encoding="utf-8")


def write_html(path: Path, figures: dict[str, Any], agents: Sequence[Agent],
               edges: Sequence[Decimal]) -> None:
    """The report: the figures as tables, the plots inline, one file that opens offline."""
    env = Environment(loader=PackageLoader("pipelines.fairness", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    variant = f"pool_months {figures['variant_pool_months']}"
    html = env.get_template("fairness.html.j2").render(
        f=figures, variant=variant, kpi_target=KPI_TARGET, commission_target=COMMISSION_TARGET,
        plots={"pay": pay_against_skill(agents), "rho": rho_per_shop(figures["shops"]),
               "flips": tier_flips(agents, edges, variant)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")


def summary_tables(figures: dict[str, Any]) -> list[Table]:
    """What `kefu fairness` prints: per shop and on average, then per role with the retest."""
    def shown(value: float | None, places: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{places}f}"

    measures = (("kpi", "KPI"), ("bonus", "bonus"), ("gross", "gross"),
                ("commission", "commission"),
                ("variant_kpi", f"KPI, pool_months {figures['variant_pool_months']}"))
    shops = Table(title=f"Spearman of true skill with pay, presale, {figures['months']['study']}")
    for column in ("shop", "seed", "agents", *(label for _, label in measures), "tier flips"):
        shops.add_column(column, justify="right")
    for s in figures["shops"]:
        shops.add_row(str(s["shop"]), str(s["seed"]), str(s["agents"]),
                      *(shown(s[f"{m}_spearman"]) for m, _ in measures), str(s["tier_flips"]))
    shops.add_row("mean", "", "", *(shown(figures["mean"][f"{m}_spearman"]) for m, _ in measures),
                  f"{figures['retest']['tier_flip_rate']:.1%}", end_section=True)
    roles = Table(title=f"Per role; retest {figures['months']['study']} -> "
                        f"{figures['months']['retest']} (luck alone)")
    variant = f"pool_months {figures['variant_pool_months']}"
    for column in ("role", "agents", "KPI", "commission", "tier flips", f"flips, {variant}",
                   "KPI moved", f"moved, {variant}", "KPI spread", "bonus moved",
                   "moved >= 500"):
        roles.add_column(column, justify="right")
    for role, r in sorted(figures["roles"].items()):
        t = r["retest"]
        if not t["agents"]:
            continue
        roles.add_row(role, str(r["agents"]), shown(r["kpi_spearman_mean"]),
                      shown(r["commission_spearman_mean"]), f"{t['tier_flip_rate']:.1%}",
                      f"{t['variant_tier_flip_rate']:.1%}", shown(t["kpi_moved_mean"], 2),
                      shown(t["variant_kpi_moved_mean"], 2), shown(r["kpi_spread_mean"], 2),
                      shown(t["bonus_moved_mean"], 0), str(t["bonus_moved_500_or_more"]))
    return [shops, roles]
