"""The landing zone: where a source's day folder is, which files it holds, whether the root is
one at all, and a day's files read into text columns with their headers matched to the
source's canonical fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.ingest.chat_layouts import conversation_rows
from pipelines.ingest.errors import IngestError
from pipelines.ingest.readers import READERS, FileRows, csv_headers, read_txts
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


@dataclass(frozen=True)
class Skipped:
    """A landing file that is a companion export of the source (`sources.Companion`): none of
    its rows are the source's, and it is recorded with why."""

    note: str


def read_together(source: Source, path: Path) -> bool:
    """Whether the file is a transcript of the source, read with the day's other transcripts in
    one frame (a day's dozens of small `.txt` files), not on its own."""
    return path.suffix.lower() == ".txt" and ".txt" in source.extensions


def read_landing_files(source: Source, files: list[tuple[Path, bytes]], bots: tuple[str, ...]
                       ) -> list[tuple[FileRows, dict[str, str]] | Skipped | IngestError]:
    """Each file's rows, and which of its headers holds each canonical field; or, for a
    companion export, why it is skipped (a CSV's is told from its header line, before its rows
    are parsed); or, for a file that cannot be read, its error. The transcripts among them are
    read together, and tell the shop's agents from its bots (`bots`) by their names."""
    transcripts = iter(read_txts([(path, data) for path, data in files
                                  if read_together(source, path)], bots))
    landed: list[tuple[FileRows, dict[str, str]] | Skipped | IngestError] = []
    for path, data in files:
        try:
            if read_together(source, path):
                rows = next(transcripts)
                if isinstance(rows, IngestError):
                    raise rows
                landed.append(_matched(source, path, rows, bots))
            else:
                landed.append(_read_alone(source, path, data, bots))
        except IngestError as error:
            landed.append(error)
    return landed


def _read_alone(source: Source, path: Path, data: bytes,
                bots: tuple[str, ...]) -> tuple[FileRows, dict[str, str]] | Skipped:
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None or suffix not in source.extensions:
        raise IngestError(path, f"unsupported file type for {source.name}: {path.suffix or '?'}"
                                f" (expected one of {', '.join(source.extensions)})")
    if suffix == ".csv" and (companion := source.companion(csv_headers(path, data))):
        return Skipped(companion.note)
    return _matched(source, path, reader(path, data), bots)


def _matched(source: Source, path: Path, rows: FileRows, bots: tuple[str, ...]
             ) -> tuple[FileRows, dict[str, str]] | Skipped:
    """The rows read with which of their headers holds each canonical field."""
    mapping, missing = source.match_headers(rows.headers)
    if missing and source.name == "chats" and rows.file_format in ("csv", "xlsx"):
        rows = _conversations(path, rows, bots)
        mapping, missing = source.match_headers(rows.headers)
    # a JSONL export without objects has no keys to show: empty, it is a day with zero rows;
    # with lines, none of them could be read (`_load_rows` says so)
    no_objects = rows.file_format == "jsonl" and rows.table.num_rows == 0
    if missing and not no_objects:
        if companion := source.companion(rows.headers):
            return Skipped(companion.note)
        raise IngestError(
            path,
            f"no recognisable {source.name} header: missing {source.named(missing)}"
            f" (found: {', '.join(h.strip() for h in rows.headers) or 'nothing'})",
        )
    return rows, mapping


def _conversations(path: Path, rows: FileRows, bots: tuple[str, ...]) -> FileRows:
    """A chats table whose rows are whole conversations (the 网页版 export) as its messages; any
    other table as it is."""
    read = conversation_rows(path, rows.table, bots)
    if read is None:
        return rows
    return FileRows(read.table, rows.encoding, read.file_format(rows.file_format),
                    [*rows.rejects, *read.rejects], rows.raw_line)
