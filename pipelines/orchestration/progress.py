"""A hook through which assets report per-day progress to whoever runs them in-process.

The `kefu` CLI listens to draw its progress bars; under `dagster dev` nobody listens and the
assets' own log lines tell the story.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, str, int | None], None]  # (step, what was just done, rows it wrote)
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    _listeners.append(listener)


def forget(listener: Listener) -> None:
    _listeners.remove(listener)


def report(step: str, done: str, rows: int | None = None) -> None:
    for listener in _listeners:
        listener(step, done, rows)
