"""A batch of one source's files on their way into the raw layer: read (`read_file`, in a
reading thread), staged into one temporary table, checked by `sql/ingest/check_<source>.sql` in
one statement, then recorded file by file and written by one insert (`Batch`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.errors import IngestError
from pipelines.ingest.landing import Skipped, read_landing_files
from pipelines.ingest.readers import FileRows
from pipelines.ingest.sources import Source
from pipelines.warehouse.database import run_sql


@dataclass
class DayLoad:
    source: str
    day: date
    files_read: int = 0
    files_duplicate: int = 0
    files_skipped: int = 0  # companion exports (sources.Companion), recorded and not read
    rows_loaded: int = 0
    rows_rejected: int = 0
    file_names: list[str] = field(default_factory=list)
    missing: bool = False  # no folder or no files: the day's rows were left as they were
    # other days whose raw rows this load changed: a file moved away from them, or a copy of it
    # in an earlier day folder taking over (their derived partitions are out of date)
    days_changed: set[date] = field(default_factory=set)


def read_files(source: Source, landing: Path, day: date, paths: list[Path],
               bots: tuple[str, ...]) -> list[StagedFile]:
    """Read files of one day, together where their format gains by it (transcripts); no
    warehouse needed: it runs in a reading thread ahead of the loading."""
    data = [path.read_bytes() for path in paths]
    staged: list[StagedFile] = []
    for path, body, landed in zip(paths, data, read_landing_files(
            source, list(zip(paths, data, strict=True)), bots), strict=True):
        file = StagedFile(-1, day, path.relative_to(landing).as_posix(), path,
                          hashlib.sha256(body).hexdigest())
        if isinstance(landed, IngestError):
            file.error = landed
        elif isinstance(landed, Skipped):
            file.skipped = landed.note
        else:
            file.rows, file.mapping = landed
        staged.append(file)
    return staged


def read_file(source: Source, landing: Path, day: date, path: Path,
              bots: tuple[str, ...]) -> StagedFile:
    """One file, read as `read_files` reads it."""
    return read_files(source, landing, day, [path], bots)[0]


@dataclass
class StagedFile:
    index: int
    day: date
    relative: str
    path: Path
    sha: str
    rows: FileRows | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    error: IngestError | None = None  # the file could not be read: raised when its day loads
    skipped: str | None = None  # why a companion export holds none of the source's rows


class Batch:
    """Files of one source, read into one temporary table as they come (`stage`), checked by
    `sql/ingest/check_<source>.sql` in one statement for all of them (`check`; planning it cost
    ~25 ms a file), then recorded file by file in the order their days load (`record`), the
    recorded files' good rows written by one insert (`write_recorded`). `bots` are the shop's
    bot sub-account names (config/bots.yaml): their chat messages are auto-replies."""

    _tables = 0

    def __init__(self, source: Source, run_id: str, bots: tuple[str, ...]) -> None:
        Batch._tables += 1
        self.source, self.run_id, self.bots = source, run_id, bots
        self.table = f"landing_batch_{Batch._tables}"
        self.checked = f"landing_checked_{Batch._tables}"
        self.files: dict[Path, StagedFile] = {}
        self.counts: dict[int, tuple[int, list[tuple[int, str]]]] = {}
        self.recorded: dict[date, list[StagedFile]] = {}

    def staged(self, path: Path) -> StagedFile:
        return self.files[path]

    def stage(self, staged: StagedFile) -> None:
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
        layouts: dict[tuple, list[StagedFile]] = {}
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
            run_sql(con, f"ingest/check_{self.source.name}.sql", bots=list(self.bots))
            con.execute(f"ALTER TABLE landing_checked RENAME TO {self.checked}")
        finally:
            con.execute("DROP VIEW IF EXISTS landing_rows")
            con.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.counts = {index: (total, rejected or []) for index, total, rejected in con.execute(
            "SELECT file_index, count(*), list((line_number, reject_reason) "
            f"ORDER BY line_number) FILTER (WHERE reject_reason IS NOT NULL) FROM {self.checked} "
            "GROUP BY file_index").fetchall()}
        # a file none of whose rows the check rejected needs neither its rows nor its text again:
        # let them go, so that the batch read ahead is the only one held whole
        for staged in self.files.values():
            if staged.rows is not None and not self.counts.get(staged.index, (0, []))[1]:
                staged.rows = staged.rows.without_rows()

    def record(self, con: duckdb.DuckDBPyConnection, staged: StagedFile, result: DayLoad) -> None:
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
        record_file(con, self.source.name, staged.day, staged.relative, staged.sha,
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


def _rejected(con: duckdb.DuckDBPyConnection, staged: StagedFile,
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


def record_file(con: duckdb.DuckDBPyConnection, source: str, day: date, relative: str, sha: str,
                 encoding: str | None, file_format: str, status: str, duplicate_of: str | None,
                 counts: tuple[int, int, int], run_id: str,
                 canonical_headers: str | None = None,
                 record_headers: list[str] | None = None, note: str | None = None) -> None:
    con.execute(
        "INSERT INTO raw.ingest_files (source, partition_day, file_path, sha256, encoding, "
        "file_format, status, duplicate_of, rows_read, rows_loaded, rows_rejected, "
        "load_run_id, loaded_at, canonical_headers, record_headers, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
        [source, day, relative, sha, encoding, file_format, status, duplicate_of, *counts, run_id,
         canonical_headers, record_headers, note],
    )


def record_skipped(con: duckdb.DuckDBPyConnection, source: str, staged: StagedFile,
                   run_id: str) -> None:
    """A companion export: recorded with why it was skipped, no row of it read."""
    record_file(con, source, staged.day, staged.relative, staged.sha, None,
                staged.path.suffix.lstrip("."), "skipped", None, (0, 0, 0), run_id,
                note=staged.skipped)
