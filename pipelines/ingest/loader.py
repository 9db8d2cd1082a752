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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.readers import READERS, FileRows, IngestError
from pipelines.ingest.sources import SOURCES, Source
from pipelines.warehouse.database import run_sql, transaction


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
    return load_days(con, landing, source_name, [day], run_id)[0]


def load_days(con: duckdb.DuckDBPyConnection, landing: Path, source_name: str,
              days: list[date], run_id: str,
              on_day: Callable[[DayLoad], None] | None = None) -> list[DayLoad]:
    """`load_day` for each of `days` in order, with the reading, the checks and the writing
    done set-based for as many days at once as `BATCH_BYTES` of files allow, each such group of
    days one transaction. A file that cannot be read fails its day: the days before it stay
    loaded, it and the days after it are left as they were (the error is raised when its day is
    reached)."""
    source = SOURCES[source_name]
    loads: list[DayLoad] = []
    # One thread reads the files ahead (the next batch's while this one is checked and
    # written): the readers (pyarrow, Polars, a scratch DuckDB) release the GIL, so both cores
    # work.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-read") as reader:
        def read_ahead(group: list[tuple[date, list[Path]]]) -> list[Future[_Staged]]:
            return [reader.submit(read_file, source, landing, day, path)
                    for day, files in group for path in files]

        groups = list(_day_groups(landing, source_name, days))
        ahead = read_ahead(groups[0]) if groups else []
        for number, group in enumerate(groups):
            current = ahead
            ahead = read_ahead(groups[number + 1]) if number + 1 < len(groups) else []
            loads += _load_group(con, landing, source, group, current, run_id, on_day)
    return loads


def _load_group(con: duckdb.DuckDBPyConnection, landing: Path, source: Source,
                group: list[tuple[date, list[Path]]], read: list[Future[_Staged]], run_id: str,
                on_day: Callable[[DayLoad], None] | None) -> list[DayLoad]:
    """The group's days in one transaction, their good rows written by one insert: DuckDB
    writes an insert of more than a row group (122,880 rows) straight into the database file,
    compressed, where smaller ones go through the WAL first and are written again at the
    checkpoint (a large shop's day of orders: 75,000 rows of 560 bytes of `record` each; eight
    days of them took 4.4 s and wrote 312 MB day by day, 1.2 s and 124 MB at once). When a day
    fails, the group is rolled back and its days are loaded again one transaction each, up to
    the failing day, which raises: the days before it load, as day by day."""
    batch = _Batch(source, run_id)
    try:
        for staged in read:
            batch.stage(staged.result())
        batch.check(con)
        try:
            return _load_together(con, landing, source, group, run_id, batch, on_day)
        except IngestError:
            batch.recorded.clear()
            return [load for day_files in group for load in
                    _load_together(con, landing, source, [day_files], run_id, batch, on_day)]
    finally:
        batch.close(con)


def _load_together(con: duckdb.DuckDBPyConnection, landing: Path, source: Source,
                   days: list[tuple[date, list[Path]]], run_id: str, batch: _Batch,
                   on_day: Callable[[DayLoad], None] | None) -> list[DayLoad]:
    """`days` of a checked batch in one transaction, their good rows in one insert."""
    with transaction(con):
        loads = [_load_day_files(con, landing, source, day, files, run_id, batch)
                 for day, files in days]
        batch.write_recorded(con)
    for load in loads:
        if on_day is not None:
            on_day(load)
    return loads


# Files read and checked together (their rows sit in one temporary table, and each file's bytes
# stay at hand for the text of its rejected rows): a small shop's month at once, a large shop's
# day or two.
BATCH_BYTES = 64 * 1024 * 1024


def _day_groups(landing: Path, source: str, days: list[date]
                ) -> Iterator[list[tuple[date, list[Path]]]]:
    group: list[tuple[date, list[Path]]] = []
    size = 0
    for day in days:
        files = landing_files(landing, source, day)
        day_size = sum(path.stat().st_size for path in files)
        if group and size + day_size > BATCH_BYTES:
            yield group
            group, size = [], 0
        group.append((day, files))
        size += day_size
    if group:
        yield group


def _load_day_files(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, day: date,
                    files: list[Path], run_id: str, batch: _Batch) -> DayLoad:
    result = DayLoad(source.name, day)
    if not files:
        result.missing = True
        return result
    with transaction(con):
        recorded = dict(con.execute(
            "SELECT sha256, bool_or(status = 'loaded') FROM raw.ingest_files "
            "WHERE source = ? AND partition_day = ? GROUP BY sha256",
            [source.name, day]).fetchall())
        before = {sha for sha, loaded in recorded.items() if loaded}
        # every raw and rejected row of a day has its file recorded: a day with none has
        # nothing to replace (a first load)
        if recorded:
            con.execute(f"DELETE FROM raw.{source.name} WHERE partition_day = ?", [day])
            for table in ("raw.rejected_rows", "raw.ingest_files"):
                con.execute(f"DELETE FROM {table} WHERE source = ? AND partition_day = ?",
                            [source.name, day])
        for path in files:
            _load_file(con, landing, source, day, path, run_id, result, batch)
        # bytes this day loaded and no longer holds: a copy recorded in another day takes over
        for sha in sorted(before - _day_shas(con, source.name, day) if before else ()):
            _settle(con, landing, source, sha, None, run_id, result)
    result.days_changed.discard(day)
    return result


def _day_shas(con: duckdb.DuckDBPyConnection, source: str, day: date) -> set[str]:
    return {sha for (sha,) in con.execute(
        "SELECT sha256 FROM raw.ingest_files WHERE source = ? AND partition_day = ?",
        [source, day]).fetchall()}


def _load_file(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, day: date,
               path: Path, run_id: str, result: DayLoad, batch: _Batch) -> None:
    staged = batch.staged(path)
    relative = path.relative_to(landing).as_posix()
    here = (day, relative)
    canonical = _settle(con, landing, source, staged.sha, here, run_id, result)
    if canonical != here:
        _record_file(con, source.name, day, relative, staged.sha, None,
                     path.suffix.lstrip("."), "duplicate", canonical[1], (0, 0, 0), run_id)
        result.files_duplicate += 1
        return
    batch.record(con, staged, result)


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
        alone = _Batch(source, run_id)
        try:
            alone.stage(read_file(source, landing, day, landing / path))
            alone.check(con)
            alone.record(con, alone.staged(landing / path), DayLoad(source.name, day))
            alone.write_recorded(con)
        finally:
            alone.close(con)
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


def read_file(source: Source, landing: Path, day: date, path: Path) -> _Staged:
    """Read one file (no warehouse needed: it runs in a reading thread ahead of the loading)."""
    data = path.read_bytes()
    staged = _Staged(-1, day, path.relative_to(landing).as_posix(), path,
                     hashlib.sha256(data).hexdigest())
    try:
        staged.rows, staged.mapping = read_landing_file(source, path, data)
    except IngestError as error:
        staged.error = error
    return staged


@dataclass
class _Staged:
    index: int
    day: date
    relative: str
    path: Path
    sha: str
    rows: FileRows | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    error: IngestError | None = None  # the file could not be read: raised when its day loads


class _Batch:
    """Files of one source, read into one temporary table as they come (`stage`), checked by
    `sql/ingest/check_<source>.sql` in one statement for all of them (`check`; planning it cost
    ~25 ms a file), then recorded file by file in the order their days load (`record`), the
    recorded files' good rows written by one insert (`write_recorded`)."""

    _tables = 0

    def __init__(self, source: Source, run_id: str) -> None:
        _Batch._tables += 1
        self.source, self.run_id = source, run_id
        self.table = f"landing_batch_{_Batch._tables}"
        self.checked = f"landing_checked_{_Batch._tables}"
        self.files: dict[Path, _Staged] = {}
        self.counts: dict[int, tuple[int, list[tuple[int, str]]]] = {}
        self.recorded: dict[date, list[_Staged]] = {}

    def staged(self, path: Path) -> _Staged:
        return self.files[path]

    def stage(self, staged: _Staged) -> None:
        """Take a file read by `read_file` into the batch (its rows reach the batch's table
        with `check`)."""
        staged.index = len(self.files)
        self.files[staged.path] = staged

    def _insert_staged(self, con: duckdb.DuckDBPyConnection) -> None:
        """The staged files' rows into the batch's table: one insert per layout (the same
        headers mapped the same way), not one per file (each insert cost ~5 ms, and a small
        shop's month has ~200 files)."""
        fields = ", ".join(f"{f} VARCHAR" for f in self.source.field_names)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {self.table} (file_index INTEGER, "
                    f"line_number BIGINT, {fields}, record VARCHAR[])")
        layouts: dict[tuple, list[_Staged]] = {}
        for staged in self.files.values():
            if staged.rows is not None:
                layout = (tuple(staged.rows.table.schema), tuple(sorted(staged.mapping.items())))
                layouts.setdefault(layout, []).append(staged)
        for files in layouts.values():
            con.register("landing_file", pa.concat_tables([
                f.rows.table.append_column("__file_index", pa.array(
                    [f.index] * f.rows.table.num_rows, pa.int32())) for f in files]))
            try:
                con.execute(f"INSERT INTO {self.table} " + _landing_rows_sql(
                    self.source, files[0].mapping, files[0].rows.headers))
            finally:
                con.unregister("landing_file")

    def check(self, con: duckdb.DuckDBPyConnection) -> None:
        if not self.files:
            return
        self._insert_staged(con)
        con.execute(f"CREATE OR REPLACE TEMP VIEW landing_rows AS FROM {self.table}")
        try:
            run_sql(con, f"ingest/check_{self.source.name}.sql")
            con.execute(f"ALTER TABLE landing_checked RENAME TO {self.checked}")
        finally:
            con.execute("DROP VIEW IF EXISTS landing_rows")
            con.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.counts = {index: (total, rejected or []) for index, total, rejected in con.execute(
            "SELECT file_index, count(*), list((line_number, reject_reason) "
            f"ORDER BY line_number) FILTER (WHERE reject_reason IS NOT NULL) FROM {self.checked} "
            "GROUP BY file_index").fetchall()}

    def record(self, con: duckdb.DuckDBPyConnection, staged: _Staged, result: DayLoad) -> None:
        """The file loads in its day: its rejects are written and its counts recorded; a file
        none of whose rows could be read fails the day."""
        if staged.error is not None:
            raise staged.error
        rows = staged.rows
        assert rows is not None
        total, rejected = self.counts.get(staged.index, (0, []))
        rejects = sorted([*rows.rejects, *_rejected(con, staged, rejected)])
        loaded = total - len(rejected)
        # Every row rejected says the layout is not what we read (a shifted column, a time
        # format we do not know): the file fails its day. One rejected row alone says no more
        # than that row is bad, so it is quarantined like any other (the sample generator
        # plants such a file: a bad refund on a day with no other refund).
        if loaded == 0 and len(rejects) > 1:
            line, _, reason = rejects[0]
            headers = ", ".join(h.strip() for h in rows.headers) or "nothing"
            raise IngestError(staged.path, f"none of its {len(rejects)} rows could be read "
                                           f"(first reason, line {line}: {reason}); expected "
                                           f"{self.source.layout()}; found: {headers}")
        if rejects:
            con.register("rejects", pa.table({
                "line_number": pa.array([r[0] for r in rejects], pa.int64()),
                "raw_text": pa.array([r[1] for r in rejects], pa.string()),
                "reason": pa.array([r[2] for r in rejects], pa.string()),
            }))
            try:
                con.execute("INSERT INTO raw.rejected_rows SELECT ?, ?, ?, line_number, "
                            "raw_text, reason, ? FROM rejects",
                            [self.source.name, staged.day, staged.relative, self.run_id])
            finally:
                con.unregister("rejects")
        _record_file(con, self.source.name, staged.day, staged.relative, staged.sha,
                     rows.encoding, rows.file_format, "loaded", None,
                     (total + len(rows.rejects), loaded, len(rejects)), self.run_id,
                     json.dumps({h: f for f, h in staged.mapping.items()}, ensure_ascii=False),
                     [h.strip() for h in _other_headers(staged.mapping, rows.headers)])
        self.recorded.setdefault(staged.day, []).append(staged)
        result.files_read += 1
        result.rows_loaded += loaded
        result.rows_rejected += len(rejects)
        result.file_names.append(staged.relative)

    def write_recorded(self, con: duckdb.DuckDBPyConnection) -> None:
        """The good rows of the recorded files that are still their days' loaded copies, in one
        insert (no ORDER BY: whoever needs the rows in order reads them with one)."""
        files = [f for day_files in self.recorded.values() for f in day_files]
        self.recorded.clear()
        if not files:
            return
        source = self.source
        con.register("batch_files", pa.table({
            "file_index": pa.array([f.index for f in files], pa.int32()),
            "partition_day": pa.array([f.day for f in files], pa.date32()),
            "source_file": pa.array([f.relative for f in files], pa.string())}))
        columns = [*source.field_names, *source.parsed]
        try:
            con.execute(
                f"INSERT INTO raw.{source.name} (partition_day, source_file, line_number, "
                f"load_run_id, {', '.join(columns)}, record) SELECT f.partition_day, "
                f"f.source_file, c.line_number, ?, {', '.join(f'c.{name}' for name in columns)}, "
                f"c.record FROM {self.checked} AS c JOIN batch_files AS f USING (file_index) "
                "WHERE c.reject_reason IS NULL AND EXISTS (SELECT 1 FROM raw.ingest_files AS i "
                "WHERE i.source = ? AND i.status = 'loaded' AND i.partition_day = f.partition_day "
                "AND i.file_path = f.source_file)",
                [self.run_id, source.name],
            )
        finally:
            con.unregister("batch_files")

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"DROP TABLE IF EXISTS {self.table}")
        con.execute(f"DROP TABLE IF EXISTS {self.checked}")


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


def _json_of(headers: list[str]) -> str:
    """A JSON object of the given columns keyed by their headers (trimmed)."""
    pairs = ", ".join(f"'{h.strip().replace(chr(39), chr(39) * 2)}', {_ident(h)}"
                      for h in headers)
    return f"CAST(json_object({pairs}) AS JSON)" if headers else "CAST('{}' AS JSON)"


def _landing_rows_sql(source: Source, mapping: dict[str, str], headers: list[str]) -> str:
    """The file's rows with each canonical field's text under its canonical name, and the values
    of the other columns in `record`, in the order of `_record_headers`: together every column
    of the file (raw.ingest_files says which header each canonical field came from)."""
    canonical = ", ".join(
        f"{_ident(mapping[f])} AS {f}" if f in mapping else f"NULL::VARCHAR AS {f}"
        for f in source.field_names
    )
    others = ", ".join(_ident(h) for h in _other_headers(mapping, headers))
    return (f"SELECT __file_index, __line AS line_number, {canonical}, "
            f"CAST([{others}] AS VARCHAR[]) AS record FROM landing_file")


def _other_headers(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """The file's headers that hold no canonical field: the columns of `record`."""
    return [h for h in headers if h not in set(mapping.values())]


def _record_file(con: duckdb.DuckDBPyConnection, source: str, day: date, relative: str, sha: str,
                 encoding: str | None, file_format: str, status: str, duplicate_of: str | None,
                 counts: tuple[int, int, int], run_id: str,
                 canonical_headers: str | None = None,
                 record_headers: list[str] | None = None) -> None:
    con.execute(
        "INSERT INTO raw.ingest_files (source, partition_day, file_path, sha256, encoding, "
        "file_format, status, duplicate_of, rows_read, rows_loaded, rows_rejected, "
        "load_run_id, loaded_at, canonical_headers, record_headers) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?)",
        [source, day, relative, sha, encoding, file_format, status, duplicate_of, *counts, run_id,
         canonical_headers, record_headers],
    )
