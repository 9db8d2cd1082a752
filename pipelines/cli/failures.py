"""How `kefu` fails: a refused or failed run as one red line and exit 1, the traces of a
failure written to a log beside the warehouse (`<warehouse folder>/logs/kefu-<timestamp>.log`)
instead of onto the screen, and the preflight checks a run command makes as it starts."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer

from pipelines.cli.console import console
from pipelines.config.settings import Settings


@contextmanager
def failures_in_one_line() -> Iterator[None]:
    """A run refused or failed (bad configuration, landing root, a step's error) is printed as
    its own message, in red, and the command exits 1; a failed run's traces go to a log."""
    from pipelines.config.rules import ConfigError
    from pipelines.ingest.landing import LandingZoneError
    from pipelines.orchestration.preflight import BackfillFailed

    try:
        yield
    except (BackfillFailed, ConfigError, LandingZoneError) as failure:
        report_failure(str(failure), failure.trace if isinstance(failure, BackfillFailed) else "")
        raise typer.Exit(1) from failure


def report_failure(message: str, trace: str) -> None:
    """`message` in red, then, if there is a `trace`, the path of the log it is written to: the
    stacks are for whoever fixes a bug, not for the ops lead reading the message."""
    console.print(message, style="red", soft_wrap=True, markup=False, highlight=False)
    if trace:
        console.print(f"the full error is in {write_log(trace)}", soft_wrap=True, markup=False,
                      highlight=False)


LOGS_KEPT = 50


def write_log(trace: str) -> Path:
    """Append `trace` to `<warehouse folder>/logs/kefu-<timestamp>.log` (data/logs by default):
    beside the shop's data it is about, so that it follows KEFU_WAREHOUSE as the lock file and
    the what-if scratch file do, and a test's or a second shop's logs stay apart. The newest
    LOGS_KEPT logs are kept."""
    folder = Settings.from_env().warehouse.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    path = folder / f"kefu-{now:%Y%m%d-%H%M%S}.log"
    with path.open("a", encoding="utf-8") as log:  # two failures in one second: one log
        log.write(f"{now:%Y-%m-%d %H:%M:%S} {shlex.join(sys.argv)}\n\n{trace}\n")
    # a nightly that fails every night for a year must not fill the disk: the newest are kept
    for old in sorted(folder.glob("kefu-*.log"), reverse=True)[LOGS_KEPT:]:
        old.unlink(missing_ok=True)
    return path


def start_run(settings: Settings) -> None:
    """`pipelines.orchestration.preflight` as a command starts, before it imports Dagster."""
    from pipelines.orchestration.preflight import preflight

    with failures_in_one_line():
        preflight(settings)
