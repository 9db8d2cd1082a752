"""How ingest fails: a file that cannot be read fails its day, naming the file."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file that cannot be read at all: its partition fails and nothing of it is loaded."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
