"""The one rich console every part of `kefu` prints through: the commands, the progress bars,
the summaries, the refusals and the failures. It writes to whatever `sys.stdout` is when it
prints (so typer's CliRunner captures it), and is 120 columns wide off a terminal so that logs
and CI get whole tables."""

from __future__ import annotations

import sys

from rich.console import Console

console = Console(width=None if sys.stdout.isatty() else 120)  # logs and CI get whole tables
