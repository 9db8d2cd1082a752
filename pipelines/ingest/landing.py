"""The landing zone: where a source's day folder is, which files it holds, whether the root is
one at all, and one file read into text columns with its headers matched to the source's
canonical fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.ingest.errors import IngestError
from pipelines.ingest.readers import READERS, FileRows, read_txt
from pipelines.ingest.sources import SOURCES, Source


class LandingZoneError(IngestError):
    """The landing root itself is wrong (no such folder, or none of the source folders in it):
    a run stops before it writes anything."""

    def __init__(self, path: Path, problem: str) -> None:
        Exception.__init__(self, f"landing zone {path} {problem}")
        self.path = path
        self.problem = problem


def day_folder(landing: Path, source: str, day: date) -> Path:
    return landing / source / day.isoformat()


def landing_files(landing: Path, source: str, day: date) -> list[Path]:
    folder = day_folder(landing, source, day)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def check_landing_root(landing: Path) -> None:
    """Fail, naming the path, when the landing root does not exist or holds none of the source
    folders: a wrong `KEFU_LANDING` must not read as every export missing."""
    where = landing.absolute()
    folders = ", ".join(f"{name}/" for name in SOURCES)
    if not landing.exists():
        raise LandingZoneError(where, f"does not exist (KEFU_LANDING): expected a folder "
                                      f"holding {folders}")
    if not landing.is_dir():
        raise LandingZoneError(where, "is not a folder (KEFU_LANDING)")
    if not any((landing / name).is_dir() for name in SOURCES):
        raise LandingZoneError(where, f"holds none of {folders} (KEFU_LANDING)")


def read_landing_file(source: Source, path: Path, data: bytes,
                      bots: tuple[str, ...]) -> tuple[FileRows, dict[str, str]]:
    """The file's rows, and which of its headers holds each canonical field. A transcript tells
    the shop's agents from its bots (`bots`) by their names."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None or suffix not in source.extensions:
        raise IngestError(path, f"unsupported file type for {source.name}: {path.suffix or '?'}"
                                f" (expected one of {', '.join(source.extensions)})")
    rows = read_txt(path, data, bots) if reader is read_txt else reader(path, data)
    mapping, missing = source.match_headers(rows.headers)
    # a JSONL export without objects has no keys to show: empty, it is a day with zero rows;
    # with lines, none of them could be read (`_load_rows` says so)
    no_objects = rows.file_format == "jsonl" and rows.table.num_rows == 0
    if missing and not no_objects:
        raise IngestError(
            path,
            f"no recognisable {source.name} header: missing {', '.join(missing)}"
            f" (found: {', '.join(h.strip() for h in rows.headers) or 'nothing'})",
        )
    return rows, mapping
