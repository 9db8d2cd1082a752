"""Load one source's day folder into the raw layer, as one transaction.

For each file: sha256, read it (`readers`), map its headers onto the source's canonical fields,
let `sql/ingest/check_<source>.sql` say which rows cannot be loaded and why, then write the good
rows to `raw.<source>`, the others to `raw.rejected_rows`, and the reconciliation to
`raw.ingest_files`. The day's old rows are deleted first in the same transaction, so a re-run
replaces the partition and a file that cannot be read (or none of whose rows can) leaves it
exactly as it was. A day whose folder is missing or holds no files is a *missing* export: its
rows are left as they are, never replaced by nothing.

The same bytes are loaded once: where several day folders hold them, in the earliest day folder
(then by path), whatever order the days run in; the other copies are recorded as duplicates of
it. A file moved from one day's folder to another loads in its new day, and its rows leave the
old day, in the transaction of whichever of the two days runs (see `_settle`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.readers import READERS, FileRows, IngestError
from pipelines.ingest.sources import SOURCES, Source
from pipelines.warehouse import run_sql, transaction


class LandingZoneError(IngestError):
    """The landing root itself is wrong (no such folder, or none of the source folders in it):
    a run stops before it writes anything."""

    def __init__(self, path: Path, problem: str) -> None:
        Exception.__init__(self, f"landing zone {path} {problem}")
        self.path = path
        self.problem = problem


@dataclass
class DayLoad:
    source: str
    day: date
    files_read: int = 0
    files_duplicate: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    file_names: list[str] = field(default_factory=list)
    missing: bool = False  # no folder or no files: the day's rows were left as they were
    # other days whose raw rows this load changed: a file moved away from them, or a copy of it
    # in an earlier day folder taking over (their derived partitions are out of date)
    days_changed: set[date] = field(default_factory=set)


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


def read_landing_file(source: Source, path: Path,
                      data: bytes) -> tuple[FileRows, dict[str, str]]:
    """The file's rows, and which of its headers holds each canonical field."""
    reader = READERS.get(path.suffix.lower())
    if reader is None or path.suffix.lower() not in source.extensions:
        raise IngestError(path, f"unsupported file type for {source.name}: {path.suffix or '?'}"
                                f" (expected one of {', '.join(source.extensions)})")
    rows = reader(path, data)
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


def load_day(con: duckdb.DuckDBPyConnection, landing: Path, source_name: str, day: date,
             run_id: str) -> DayLoad:
    """Replace the day's partition of `raw.<source>` with what its folder holds now; a folder
    that is missing or holds no files leaves the partition as it is (DayLoad.missing)."""
    source = SOURCES[source_name]
    result = DayLoad(source_name, day)
    files = landing_files(landing, source_name, day)
    if not files:
        result.missing = True
        return result
    with transaction(con):
        before = _day_shas(con, source_name, day, "status = 'loaded'")
        con.execute(f"DELETE FROM raw.{source_name} WHERE partition_day = ?", [day])
        for table in ("raw.rejected_rows", "raw.ingest_files"):
            con.execute(f"DELETE FROM {table} WHERE source = ? AND partition_day = ?",
                        [source_name, day])
        batch = _Batch(source, day, run_id)
        for path in files:
            _load_file(con, landing, source, day, path, run_id, result, batch)
        batch.flush(con, result)
        # bytes this day loaded and no longer holds: a copy recorded in another day takes over
        for sha in sorted(before - _day_shas(con, source_name, day, "true")):
            _settle(con, landing, source, sha, None, run_id, result)
    result.days_changed.discard(day)
    return result


def _day_shas(con: duckdb.DuckDBPyConnection, source: str, day: date, where: str) -> set[str]:
    return {sha for (sha,) in con.execute(
        f"SELECT sha256 FROM raw.ingest_files WHERE source = ? AND partition_day = ? AND {where}",
        [source, day]).fetchall()}


def _load_file(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, day: date,
               path: Path, run_id: str, result: DayLoad, batch: _Batch) -> None:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    relative = path.relative_to(landing).as_posix()
    here = (day, relative)
    canonical = _settle(con, landing, source, sha, here, run_id, result)
    if canonical != here:
        _record_file(con, source.name, day, relative, sha, None, path.suffix.lstrip("."),
                     "duplicate", canonical[1], (0, 0, 0), run_id)
        result.files_duplicate += 1
        return
    batch.add(con, landing, path, data, sha)


def _settle(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, sha: str,
            here: tuple[date, str] | None, run_id: str,
            result: DayLoad) -> tuple[date, str] | None:
    """Where bytes `sha` load: the earliest (day, path) of the copies present now, among the
    ones `raw.ingest_files` knows and `here` (the file being loaded, not loaded yet). Every other
    recorded copy is brought in line in this transaction: one loaded where it no longer is, or
    later than the earliest copy, loses its rows (raw.<source>, raw.rejected_rows,
    raw.ingest_files) and, if still present, becomes a duplicate of the earliest; a recorded
    duplicate points at the earliest, or goes if its file is gone. The earliest copy, when it is
    not `here` and not loaded yet, is loaded in its own day. Returns that copy, or None when no
    copy is present (then nothing is changed: a file gone from the landing keeps its rows)."""
    recorded = con.execute(
        "SELECT partition_day, file_path, status FROM raw.ingest_files "
        "WHERE source = ? AND sha256 = ? ORDER BY partition_day, file_path",
        [source.name, sha],
    ).fetchall()
    holders: dict[tuple[date, str], str | None] = {}
    for day, path, _ in recorded:
        if here is not None and day == here[0]:
            holders[(day, path)] = path  # read in this transaction: it is there
        elif (day, path) not in holders:
            holders[(day, path)] = _holder(landing, source.name, day, path, sha)
    present = {(day, held) for (day, _), held in holders.items() if held is not None}
    if here is not None:
        present.add(here)
    if not present:
        return None
    canonical = min(present)
    canonical_loaded = False
    for day, path, status in recorded:
        if (day, path) == canonical and status == "loaded":
            canonical_loaded = True
            continue
        _remove_file(con, source.name, day, path)
        if status == "loaded":
            result.days_changed.add(day)
    for day, held in sorted(present - {canonical, here}):
        _record_file(con, source.name, day, held, sha, None, Path(held).suffix.lstrip("."),
                     "duplicate", canonical[1], (0, 0, 0), run_id)
    if canonical != here and not canonical_loaded:
        day, path = canonical
        data = (landing / path).read_bytes()
        alone = _Batch(source, day, run_id)
        alone.add(con, landing, landing / path, data, sha)
        alone.flush(con, DayLoad(source.name, day))
        result.days_changed.add(day)
    return canonical


def _holder(landing: Path, source: str, day: date, recorded: str, sha: str) -> str | None:
    """The landing-relative path of a file with bytes `sha` in the day's folder now (the recorded
    path when it still holds them), or None."""
    candidates = [landing / recorded, *landing_files(landing, source, day)]
    for path in candidates:
        if path.is_file() and path.parent == day_folder(landing, source, day) \
                and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            return path.relative_to(landing).as_posix()
    return None


def _remove_file(con: duckdb.DuckDBPyConnection, source: str, day: date, path: str) -> None:
    """Every raw row one file left in one day's partition."""
    con.execute(f"DELETE FROM raw.{source} WHERE partition_day = ? AND source_file = ?",
                [day, path])
    for table, column in (("raw.rejected_rows", "source_file"), ("raw.ingest_files", "file_path")):
        con.execute(f"DELETE FROM {table} WHERE source = ? AND partition_day = ? "
                    f"AND {column} = ?", [source, day, path])


@dataclass
class _Staged:
    relative: str
    path: Path
    rows: FileRows
    mapping: dict[str, str]


class _Batch:
    """A day's files of one source, checked and written together: each file's rows are copied
    into one temporary table as they are read, then `sql/ingest/check_<source>.sql` runs once
    for all of them (planning it cost ~25 ms a file) and one insert writes the good rows. A
    file is recorded in raw.ingest_files when it is added, so that a copy of its bytes later in
    the folder is told a duplicate; its counts are set when the batch is written."""

    _tables = 0

    def __init__(self, source: Source, day: date, run_id: str) -> None:
        _Batch._tables += 1
        self.source, self.day, self.run_id = source, day, run_id
        self.table = f"landing_batch_{_Batch._tables}"
        self.files: list[_Staged] = []

    def add(self, con: duckdb.DuckDBPyConnection, landing: Path, path: Path, data: bytes,
            sha: str) -> None:
        rows, mapping = read_landing_file(self.source, path, data)
        relative = path.relative_to(landing).as_posix()
        if not self.files:
            fields = ", ".join(f"{f} VARCHAR" for f in self.source.field_names)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} (file_index INTEGER, "
                        f"line_number BIGINT, {fields}, record JSON)")
        con.register("landing_file", rows.table)
        try:
            con.execute(f"INSERT INTO {self.table} "
                        + _landing_rows_sql(self.source, mapping, rows.headers),
                        [len(self.files)])
        finally:
            con.unregister("landing_file")
        _record_file(con, self.source.name, self.day, relative, sha, rows.encoding,
                     rows.file_format, "loaded", None, (0, 0, 0), self.run_id,
                     json.dumps({h: f for f, h in mapping.items()}, ensure_ascii=False))
        self.files.append(_Staged(relative, path, rows, mapping))

    def flush(self, con: duckdb.DuckDBPyConnection, result: DayLoad) -> None:
        """Check every staged row, write the good ones to raw.<source> and the others to
        raw.rejected_rows, and set each file's counts; a file none of whose rows could be
        read fails the day."""
        if not self.files:
            return
        source = self.source
        con.execute(f"CREATE OR REPLACE TEMP VIEW landing_rows AS FROM {self.table}")
        try:
            run_sql(con, f"ingest/check_{source.name}.sql")
        finally:
            con.execute("DROP VIEW IF EXISTS landing_rows")
            con.execute(f"DROP TABLE IF EXISTS {self.table}")
        found = {index: (total, rejected or []) for index, total, rejected in con.execute(
            "SELECT file_index, count(*), list((line_number, reject_reason) "
            "ORDER BY line_number) FILTER (WHERE reject_reason IS NOT NULL) "
            "FROM landing_checked GROUP BY file_index").fetchall()}
        rejected_rows: list[tuple[str, int, str | None, str]] = []
        for index, staged in enumerate(self.files):
            total, rejected = found.get(index, (0, []))
            rejects = sorted([*staged.rows.rejects, *_rejected(con, staged, rejected)])
            loaded = total - len(rejected)
            # Every row rejected says the layout is not what we read (a shifted column, a time
            # format we do not know): the file fails its day. One rejected row alone says no
            # more than that row is bad, so it is quarantined like any other (the sample
            # generator plants such a file: a bad refund on a day with no other refund).
            if loaded == 0 and len(rejects) > 1:
                line, _, reason = rejects[0]
                headers = ", ".join(h.strip() for h in staged.rows.headers) or "nothing"
                raise IngestError(staged.path, f"none of its {len(rejects)} rows could be read "
                                               f"(first reason, line {line}: {reason}); "
                                               f"expected {source.layout()}; found: {headers}")
            rejected_rows += [(staged.relative, *r) for r in rejects]
            con.execute("UPDATE raw.ingest_files SET rows_read = ?, rows_loaded = ?, "
                        "rows_rejected = ? WHERE source = ? AND partition_day = ? "
                        "AND file_path = ?",
                        [total + len(staged.rows.rejects), loaded, len(rejects), source.name,
                         self.day, staged.relative])
            result.files_read += 1
            result.rows_loaded += loaded
            result.rows_rejected += len(rejects)
            result.file_names.append(staged.relative)
        con.register("batch_files", pa.table({
            "file_index": pa.array(range(len(self.files)), pa.int32()),
            "source_file": pa.array([f.relative for f in self.files], pa.string())}))
        # no ORDER BY: whoever needs the rows in order reads them with one
        fields = ", ".join([*source.field_names, *source.parsed])
        try:
            con.execute(
                f"INSERT INTO raw.{source.name} (partition_day, source_file, line_number, "
                f"load_run_id, {fields}, record) SELECT ?, f.source_file, c.line_number, ?, "
                f"{', '.join(f'c.{name}' for name in [*source.field_names, *source.parsed])}, "
                "c.record FROM landing_checked AS c JOIN batch_files AS f USING (file_index) "
                "WHERE c.reject_reason IS NULL",
                [self.day, self.run_id],
            )
        finally:
            con.unregister("batch_files")
        if rejected_rows:
            con.register("rejects", pa.table({
                "source_file": pa.array([r[0] for r in rejected_rows], pa.string()),
                "line_number": pa.array([r[1] for r in rejected_rows], pa.int64()),
                "raw_text": pa.array([r[2] for r in rejected_rows], pa.string()),
                "reason": pa.array([r[3] for r in rejected_rows], pa.string()),
            }))
            try:
                con.execute("INSERT INTO raw.rejected_rows SELECT ?, ?, source_file, "
                            "line_number, raw_text, reason, ? FROM rejects",
                            [source.name, self.day, self.run_id])
            finally:
                con.unregister("rejects")
        self.files = []


def _rejected(con: duckdb.DuckDBPyConnection, staged: _Staged,
              rejected: list[tuple[int, str]]) -> list[tuple[int, str | None, str]]:
    """The check's rejected rows of one file with their text as written (or, where the line
    cannot be told, all its columns as JSON, looked up for the rejected lines alone)."""
    checked_out = [(line, staged.rows.raw_line(line), reason) for line, reason in rejected]
    unknown = [line for line, raw, _ in checked_out if raw is None]
    if not unknown:
        return checked_out
    con.register("landing_file", staged.rows.table)
    try:
        whole = dict(con.execute(
            f"SELECT __line, CAST({_json_of(staged.rows.headers)} AS VARCHAR) "
            "FROM landing_file WHERE __line IN (SELECT unnest(?))", [unknown]).fetchall())
    finally:
        con.unregister("landing_file")
    return [(line, whole.get(line) if raw is None else raw, reason)
            for line, raw, reason in checked_out]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_of(headers: list[str], prefix: str = "") -> str:
    """A JSON object of the given columns keyed by their headers (trimmed)."""
    pairs = ", ".join(f"'{h.strip().replace(chr(39), chr(39) * 2)}', {prefix}{_ident(h)}"
                      for h in headers)
    return f"CAST(json_object({pairs}) AS JSON)" if headers else "CAST('{}' AS JSON)"


def _landing_rows_sql(source: Source, mapping: dict[str, str], headers: list[str]) -> str:
    """The file's rows with each canonical field's text under its canonical name, and the other
    columns in `record`: together every column of the file (raw.ingest_files says which header
    each canonical field came from)."""
    canonical = ", ".join(
        f"{_ident(mapping[f])} AS {f}" if f in mapping else f"NULL::VARCHAR AS {f}"
        for f in source.field_names
    )
    others = [h for h in headers if h not in set(mapping.values())]
    return (f"SELECT ?, __line AS line_number, {canonical}, {_json_of(others)} AS record "
            "FROM landing_file")


def _record_file(con: duckdb.DuckDBPyConnection, source: str, day: date, relative: str, sha: str,
                 encoding: str | None, file_format: str, status: str, duplicate_of: str | None,
                 counts: tuple[int, int, int], run_id: str,
                 canonical_headers: str | None = None) -> None:
    con.execute(
        "INSERT INTO raw.ingest_files (source, partition_day, file_path, sha256, encoding, "
        "file_format, status, duplicate_of, rows_read, rows_loaded, rows_rejected, "
        "load_run_id, loaded_at, canonical_headers) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)",
        [source, day, relative, sha, encoding, file_format, status, duplicate_of, *counts, run_id,
         canonical_headers],
    )
