"""The shop's whole configuration (`KEFU_CONFIG`), read and validated together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.config.bots import DEFAULT_BOTS, load_bots
from pipelines.config.plan import (
    Plan,
    load_plan,
)
from pipelines.config.roster import (
    RosterRow,
    load_roster,
)
from pipelines.config.shop_calendar import (
    Calendar,
    load_calendar,
)

# --- everything together -------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """The validated files of `KEFU_CONFIG`, loaded together so a run sees one state."""

    plan: Plan
    calendar: Calendar
    roster: list[RosterRow]
    bots: tuple[str, ...] = DEFAULT_BOTS  # bot sub-account names (bots.yaml)


def load_config(config_dir: Path) -> Config:
    """Load plan.yaml, calendar.yaml, roster.csv and the optional bots.yaml from `config_dir`;
    a broken rule stops here."""
    config_dir = Path(config_dir)
    plan = load_plan(config_dir / "plan.yaml")
    return Config(plan, load_calendar(config_dir / "calendar.yaml"),
                  load_roster(config_dir / "roster.csv", plan), load_bots(config_dir / "bots.yaml"))
