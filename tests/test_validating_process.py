"""The process GX validates in ends with the process that started it: a run killed part-way
(ops' Ctrl-C, a seeded kill in `make replay`) leaves no validating process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTER = """
import time
from pipelines.quality import validating
validating.warm_up()
print(*validating.validator()._processes, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return False
    state = next(line for line in status.read_text().splitlines() if line.startswith("State:"))
    return "zombie" not in state


def test_a_killed_run_leaves_no_validating_process(tmp_path: Path) -> None:
    starter = tmp_path / "starter.py"
    starter.write_text(STARTER, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(starter)], stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
                           cwd=Path(__file__).resolve().parent.parent)
    worker = int(run.stdout.readline())
    assert alive(worker)
    run.send_signal(signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 20
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(worker)
