"""Load one source's day folder into the raw layer, as one transaction.

For each file: sha256, read it (`readers`), map its headers onto the source's canonical fields,
let `sql/ingest/check_<source>.sql` say which rows cannot be loaded and why, then write the good
rows to `raw.<source>`, the others to `raw.rejected_rows`, and the reconciliation to
`raw.ingest_files`. The day's old rows are deleted first in the same transaction, so a re-run
replaces the partition and a file that cannot be read (or none of whose rows can) leaves it
exactly as it was. A day whose folder is missing or holds no files is a *missing* export: its
rows are left as they are, never replaced by nothing. A companion export (an
ExportOrderDetailList beside the ExportOrderList, `sources.Companion`) is recorded as skipped and
not read; a folder holding nothing else is a missing export too.

The same bytes are loaded once: where several day folders hold them, in the earliest day folder
(then by path), whatever order the days run in; the other copies are recorded as duplicates of
it. A file moved from one day's folder to another loads in its new day, and its rows leave the
old day, in the transaction of whichever of the two days runs (see `_settle`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config.bots import DEFAULT_BOTS
from pipelines.ingest.batch import (
    Batch,
    DayLoad,
    StagedFile,
    read_file,
    read_files,
    record_file,
    record_skipped,
)
from pipelines.ingest.errors import IngestError
from pipelines.ingest.landing import day_folder, landing_files, read_together
from pipelines.ingest.sources import SOURCES, Source
from pipelines.warehouse.database import transaction

READERS = 2  # threads reading files ahead of the loading


def load_day(con: duckdb.DuckDBPyConnection, landing: Path, source_name: str, day: date,
             run_id: str, bots: tuple[str, ...] = DEFAULT_BOTS) -> DayLoad:
    """Replace the day's partition of `raw.<source>` with what its folder holds now; a folder
    that is missing or holds no files leaves the partition as it is (DayLoad.missing)."""
    return load_days(con, landing, source_name, [day], run_id, bots=bots)[0]


def load_days(con: duckdb.DuckDBPyConnection, landing: Path, source_name: str,
              days: list[date], run_id: str,
              on_day: Callable[[DayLoad], None] | None = None,
              bots: tuple[str, ...] = DEFAULT_BOTS) -> list[DayLoad]:
    """`load_day` for each of `days` in order, with the reading, the checks and the writing
    done set-based for as many days at once as `BATCH_BYTES` of files allow, each such group of
    days one transaction. A file that cannot be read fails its day: the days before it stay
    loaded, it and the days after it are left as they were (the error is raised when its day is
    reached). Chat messages of the `bots` sub-accounts (config/bots.yaml) load as `auto`."""
    source = SOURCES[source_name]
    loads: list[DayLoad] = []
    # Two threads read the files ahead (the next batch's while this one is checked and
    # written): the readers (pyarrow, Polars, a scratch DuckDB) release the GIL, so both cores
    # work. One thread left the cores idle a third of the time: a large shop's week of chats
    # and orders loads in 12.9 s with two, 15.4 s with one (farm-bench, paired medians).
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="kefu-read") as reader:
        def read_ahead(group: list[tuple[date, list[Path]]]) -> list[Future[list[StagedFile]]]:
            return [reader.submit(read_files, source, landing, day, paths, bots)
                    for day, files in group for paths in _read_jobs(source, files)]

        groups = list(_day_groups(landing, source_name, days))
        ahead = read_ahead(groups[0]) if groups else []
        for number, group in enumerate(groups):
            current = ahead
            ahead = read_ahead(groups[number + 1]) if number + 1 < len(groups) else []
            loads += _load_group(con, landing, source, group, current, run_id, on_day, bots)
    return loads


def _read_jobs(source: Source, files: list[Path]) -> list[list[Path]]:
    """A day's files as the reading threads take them: its transcripts together, read in one
    frame (a large shop's 32 a day: 0.8 s one by one, 0.35 s together), every other file
    alone, so that two threads can share a day."""
    together = [path for path in files if read_together(source, path)]
    return [*([together] if together else []),
            *([path] for path in files if not read_together(source, path))]


def _load_group(con: duckdb.DuckDBPyConnection, landing: Path, source: Source,
                group: list[tuple[date, list[Path]]], read: list[Future[list[StagedFile]]],
                run_id: str, on_day: Callable[[DayLoad], None] | None,
                bots: tuple[str, ...]) -> list[DayLoad]:
    """The group's days in one transaction, their good rows written by one insert: DuckDB
    writes an insert of more than a row group (122,880 rows) straight into the database file,
    compressed, where smaller ones go through the WAL first and are written again at the
    checkpoint (a large shop's day of orders: 75,000 rows of 560 bytes of `record` each; eight
    days of them took 4.4 s and wrote 312 MB day by day, 1.2 s and 124 MB at once). When a day
    fails, the group is rolled back and its days are loaded again one transaction each, up to
    the failing day, which raises: the days before it load, as day by day."""
    batch = Batch(source, run_id, bots)
    try:
        for files in read:
            for staged in files.result():
                batch.stage(staged)
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
                   days: list[tuple[date, list[Path]]], run_id: str, batch: Batch,
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


# Files read, checked and written together, in one transaction: a small shop's month at once, a
# large shop's three days. Their rows sit in one temporary table, and the next batch is read
# meanwhile. Each insert leaves its table a partial row group, and the checkpoint rewrites
# neighbouring partial ones to merge them: a large month's orders in 64 MB batches took 42.8 s
# to load and 11.6 s to checkpoint, in 96 MB ones 37.0 s and 5.0 s, in 128 MB ones 30.9 s and
# 3.2 s; but with 128 MB the large month's backfill peaked at 2074 MiB, over the 2 GiB bound
# (1740 MiB with 96 MB).
BATCH_BYTES = 96 * 1024 * 1024


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
                    files: list[Path], run_id: str, batch: Batch) -> DayLoad:
    result = DayLoad(source.name, day)
    if not files:
        result.missing = True
        return result
    if all(batch.staged(path).skipped is not None for path in files):
        _record_companions_alone(con, source, day, files, run_id, result, batch)
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
            _settle(con, landing, source, sha, None, run_id, result, batch.bots)
    result.days_changed.discard(day)
    return result


def _record_companions_alone(con: duckdb.DuckDBPyConnection, source: Source, day: date,
                             files: list[Path], run_id: str, result: DayLoad,
                             batch: Batch) -> None:
    """A folder holding companion exports alone (an ExportOrderDetailList without its
    ExportOrderList) holds no export of the source: a missing export, whose loaded rows stay as
    they are; the companions are recorded as skipped, in place of the ones recorded before."""
    result.missing = True
    with transaction(con):
        con.execute("DELETE FROM raw.ingest_files WHERE source = ? AND partition_day = ? "
                    "AND status = 'skipped'", [source.name, day])
        for path in files:
            record_skipped(con, source.name, batch.staged(path), run_id)
            result.files_skipped += 1


def _day_shas(con: duckdb.DuckDBPyConnection, source: str, day: date) -> set[str]:
    return {sha for (sha,) in con.execute(
        "SELECT sha256 FROM raw.ingest_files WHERE source = ? AND partition_day = ?",
        [source, day]).fetchall()}


def _load_file(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, day: date,
               path: Path, run_id: str, result: DayLoad, batch: Batch) -> None:
    staged = batch.staged(path)
    if staged.skipped is not None:
        record_skipped(con, source.name, staged, run_id)
        result.files_skipped += 1
        return
    relative = path.relative_to(landing).as_posix()
    here = (day, relative)
    canonical = _settle(con, landing, source, staged.sha, here, run_id, result, batch.bots)
    if canonical != here:
        record_file(con, source.name, day, relative, staged.sha, None,
                     path.suffix.lstrip("."), "duplicate", canonical[1], (0, 0, 0), run_id)
        result.files_duplicate += 1
        return
    batch.record(con, staged, result)


def _settle(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, sha: str,
            here: tuple[date, str] | None, run_id: str, result: DayLoad,
            bots: tuple[str, ...]) -> tuple[date, str] | None:
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
        record_file(con, source.name, day, held, sha, None, Path(held).suffix.lstrip("."),
                     "duplicate", canonical[1], (0, 0, 0), run_id)
    if canonical != here and not canonical_loaded:
        day, path = canonical
        alone = Batch(source, run_id, bots)
        try:
            alone.stage(read_file(source, landing, day, landing / path, bots))
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
