"""The commands that simulate: `kefu generate` (a sample shop month, with the seed's luck) and
`kefu fairness` (generated shops through the pipeline: does the plan pay skill?). Registered on
the app in `commands.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli.console import console
from pipelines.cli.dates import month_days
from pipelines.cli.failures import failures_in_one_line
from pipelines.cli.render import print_generated
from pipelines.config.settings import Settings

LUCK_HELP = "(luck, pipelines/generator/luck.py; default: the seed's)"


def generate(
    month: Annotated[str, typer.Option(help="The month to simulate, YYYY-MM.")] = "2026-10",
    agents: Annotated[int, typer.Option(
        min=5, help="How many employees the shop has (5 or more: one per roster situation).")] = 12,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 7,
    scale: Annotated[float, typer.Option(help="Multiplies the traffic volume.")] = 1.0,
    out: Annotated[Path | None, typer.Option(
        help="The landing zone to write (default: KEFU_LANDING).")] = None,
    team_month: Annotated[str | None, typer.Option(
        help="The team's first month, YYYY-MM: simulate the same team (same seed) in a later "
             "month, with a month of luck of its own.")] = None,
    no_luck: Annotated[bool, typer.Option(
        "--no-luck", help="No luck on persons, talent weight 0.85, a stratified team, levels "
                          "by talent: the generator before issue 13, file for file; the "
                          "options below change it.")] = False,
    talent_weight: Annotated[float | None, typer.Option(
        help=f"How much of each skill is the shared talent, 0..1 {LUCK_HELP}.")] = None,
    stratified_team: Annotated[bool | None, typer.Option(
        "--stratified-team/--random-team",
        help=f"Draw the talents one per stratum, or at random {LUCK_HELP}.")] = None,
    levels_by_skill: Annotated[bool | None, typer.Option(
        "--levels-by-skill/--levels-at-random",
        help=f"Hand the higher levels to the higher talents {LUCK_HELP}.")] = None,
    evening_spread: Annotated[float | None, typer.Option(
        help=f"Shifts: traffic share 1 +- this by evening rota {LUCK_HELP}.")] = None,
    promo_off_share: Annotated[float | None, typer.Option(
        help=f"Shifts: an agent is off on up to this share of promotion days {LUCK_HELP}.")
    ] = None,
    decided_share: Annotated[float | None, typer.Option(
        help=f"Up to this share of an agent's buyers order whatever the agent does "
             f"{LUCK_HELP}.")] = None,
    promo_decided_share: Annotated[float | None, typer.Option(
        help=f"The share of buyers who order on their own on promotion days {LUCK_HELP}.")
    ] = None,
    premium_share: Annotated[float | None, typer.Option(
        help=f"Routing: up to this share of an agent's buyers come for the 399-yuan line "
             f"{LUCK_HELP}.")] = None,
) -> None:
    """Write a realistic sample shop month of Taobao exports into the landing zone."""
    from dataclasses import replace

    from pipelines.generator import generate as generate_shop
    from pipelines.generator.luck import Luck

    first, _ = month_days(month)
    if team_month and month_days(team_month, "--team-month")[0] > first:
        raise typer.BadParameter(f"{team_month} is after --month {month}",
                                 param_hint="--team-month")
    given = {name: value for name, value in (
        ("talent_weight", talent_weight), ("stratified_team", stratified_team),
        ("levels_by_skill", levels_by_skill), ("evening_spread", evening_spread),
        ("promo_off_share", promo_off_share), ("decided_share", decided_share),
        ("promo_decided_share", promo_decided_share), ("premium_share", premium_share))
        if value is not None}
    try:
        luck = replace(Luck.even() if no_luck else Luck(), **given)
    except ValueError as bad:
        raise typer.BadParameter(str(bad)) from bad
    out = out.absolute() if out else Settings.from_env().landing
    console.print(f"out {out}", soft_wrap=True, markup=False, highlight=False)
    with console.status(f"Simulating the shop's {month} ..."):
        manifest = generate_shop(month, out, agents=agents, seed=seed, scale=scale, luck=luck,
                                 team_month=team_month)
    print_generated(month, out, manifest)


def fairness(
    plan: Annotated[Path | None, typer.Option(
        help="The plan to study (the format of plan.yaml; default: KEFU_CONFIG/plan.yaml).")
    ] = None,
    month: Annotated[str, typer.Option(
        help="The study month, YYYY-MM; the month before it is the team's first, the month "
             "after it the retest.")] = "2026-10",
    shops: Annotated[int, typer.Option(min=1, help="How many shops to generate.")] = 8,
    agents: Annotated[int, typer.Option(min=5, help="Employees per shop.")] = 12,
    seed: Annotated[int, typer.Option(help="Shop k has seed SEED + k - 1.")] = 1,
    scale: Annotated[float, typer.Option(
        min=0.01, help="Traffic volume per shop (1.0: kefu generate's shop).")] = 1.0,
    no_luck: Annotated[bool, typer.Option(
        "--no-luck", help="Study the generator without luck on persons (`kefu generate "
                          "--no-luck`).")] = False,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Where to write the figures (default: data/fairness/fairness.json).")
    ] = None,
    report: Annotated[Path | None, typer.Option(
        help="Where to write the HTML report (default: data/fairness/report.html).")] = None,
    workdir: Annotated[Path | None, typer.Option(
        help="Keep the shops' landing zones and warehouses here (default: a temporary "
             "folder, removed).")] = None,
) -> None:
    """Does the plan pay skill? Generate SHOPS shop teams (true skills known) through three
    months each, run them through the pipeline, and report the Spearman of true skill with the
    KPI score, bonus and gross pay and with a flat sales commission, and the tier flips of a
    retest month; with pool_months toggled beside."""
    from pipelines.config.settings import project_path
    from pipelines.fairness.report import summary_tables
    from pipelines.fairness.run import Study, run_fairness
    from pipelines.fairness.study import study_months
    from pipelines.generator.luck import Luck
    from pipelines.orchestration.partitions import monthly_partitions

    study, _ = month_days(month)
    retest = study_months(study)[-1]
    if retest.isoformat() > monthly_partitions.get_last_partition_key():
        raise typer.BadParameter(f"the retest month {retest:%Y-%m} is not over yet; study an "
                                 "earlier month", param_hint="--month")
    if workdir and workdir.exists() and any(workdir.iterdir()):
        raise typer.BadParameter(f"{workdir} is not empty; give a new or empty folder",
                                 param_hint="--workdir")
    plan = plan.absolute() if plan else Settings.from_env().config / "plan.yaml"
    report = report.absolute() if report else project_path("data/fairness/report.html")
    json_out = json_out.absolute() if json_out else report.with_name("fairness.json")
    setup = Study(plan, study, shops, agents, seed, scale, Luck.even() if no_luck else Luck())
    with failures_in_one_line(), console.status(f"Running {shops} shop(s) ...") as status:
        figures = run_fairness(setup, report, json_out, workdir and workdir.absolute(),
                               on_shop=lambda run: status.update(
                                   f"Ran shop {run.index} of {shops} ..."))
    for table in summary_tables(figures):
        console.print(table)
    console.print(f"{shops} shop(s) in {figures['seconds']} s   report {report}   json "
                  f"{json_out}", soft_wrap=True)
