"""What every run checks before it starts, and how a run fails, in a module without Dagster: the
CLI's commands run `preflight` as they start, before they import Dagster, so that the GX import
overlaps theirs."""

from __future__ import annotations

from pipelines.config.settings import Settings
from pipelines.config.shop import load_config
from pipelines.ingest.landing import check_landing_root
from pipelines.quality import validating


def preflight(settings: Settings) -> None:
    """Stop a run before it starts on a bad plan or roster (`ConfigError` naming the file, the
    field and the rule) or a `KEFU_LANDING` that is no landing (`LandingZoneError` naming the
    path); then start the validating process, whose GX import (about 4 s) goes on while the run
    is set up. Only then, so that a refused run does not wait for that import before it exits.
    Commands call it as they start, before they import Dagster; every run calls it again."""
    load_config(settings.config)
    check_landing_root(settings.landing)
    validating.warm_up()


class BackfillFailed(Exception):
    """A run that failed (`pipelines.orchestration.runner.run_range`): the message carries each
    failed step's own error, in a line or a few; `trace` the whole of each, with its stacks."""

    def __init__(self, message: str, trace: str) -> None:
        super().__init__(message)
        self.trace = trace
