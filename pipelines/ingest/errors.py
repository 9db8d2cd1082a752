"""How ingest fails: a file that cannot be read fails its day, naming the file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

Item = TypeVar("Item")
Read = TypeVar("Read")


class IngestError(Exception):
    """A file that cannot be read at all: its partition fails and nothing of it is loaded."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def read_each(items: Sequence[Item | IngestError],
              read_all: Callable[[list[Item]], list[Read | IngestError]]
              ) -> list[Read | IngestError]:
    """`read_all` of the items that are no error yet (files read together), each result back in
    its item's place: a file that cannot be read is its error, the others are read."""
    reads = iter(read_all([i for i in items if not isinstance(i, IngestError)]))
    return [i if isinstance(i, IngestError) else next(reads) for i in items]
