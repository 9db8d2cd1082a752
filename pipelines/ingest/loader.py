"""Load one source's day folder into the raw layer, as one transaction.

For each file: sha256 (a file already loaded is recorded as a duplicate, not loaded again),
read it (`readers`), map its headers onto the source's canonical fields, let
`sql/ingest/check_<source>.sql` say which rows cannot be loaded and why, then write the good rows
to `raw.<source>`, the others to `raw.rejected_rows`, and the reconciliation to
`raw.ingest_files`. The day's old rows are deleted first in the same transaction, so a re-run
replaces the partition and a file that cannot be read leaves it exactly as it was.
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


@dataclass
class DayLoad:
    source: str
    day: date
    files_read: int = 0
    files_duplicate: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    file_names: list[str] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.files_read + self.files_duplicate == 0


def day_folder(landing: Path, source: str, day: date) -> Path:
    return landing / source / day.isoformat()


def landing_files(landing: Path, source: str, day: date) -> list[Path]:
    folder = day_folder(landing, source, day)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def read_landing_file(source: Source, path: Path,
                      data: bytes) -> tuple[FileRows, dict[str, str]]:
    """The file's rows, and which of its headers holds each canonical field."""
    reader = READERS.get(path.suffix.lower())
    if reader is None or path.suffix.lower() not in source.extensions:
        raise IngestError(path, f"unsupported file type for {source.name}: {path.suffix or '?'}"
                                f" (expected one of {', '.join(source.extensions)})")
    rows = reader(path, data)
    mapping, missing = source.match_headers(rows.headers)
    empty_jsonl = rows.file_format == "jsonl" and rows.table.num_rows == 0 and not rows.rejects
    if missing and not empty_jsonl:  # an empty JSONL export has no keys to show, and no rows
        raise IngestError(
            path,
            f"no recognisable {source.name} header: missing {', '.join(missing)}"
            f" (found: {', '.join(h.strip() for h in rows.headers) or 'nothing'})",
        )
    return rows, mapping


def load_day(con: duckdb.DuckDBPyConnection, landing: Path, source_name: str, day: date,
             run_id: str) -> DayLoad:
    """Replace the day's partition of `raw.<source>` with what its folder holds now."""
    source = SOURCES[source_name]
    result = DayLoad(source_name, day)
    with transaction(con):
        con.execute(f"DELETE FROM raw.{source_name} WHERE partition_day = ?", [day])
        for table in ("raw.rejected_rows", "raw.ingest_files"):
            con.execute(f"DELETE FROM {table} WHERE source = ? AND partition_day = ?",
                        [source_name, day])
        for path in landing_files(landing, source_name, day):
            _load_file(con, landing, source, day, path, run_id, result)
    return result


def _load_file(con: duckdb.DuckDBPyConnection, landing: Path, source: Source, day: date,
               path: Path, run_id: str, result: DayLoad) -> None:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    relative = path.relative_to(landing).as_posix()
    earlier = con.execute(
        "SELECT file_path FROM raw.ingest_files WHERE source = ? AND sha256 = ? "
        "AND status = 'loaded' LIMIT 1",
        [source.name, sha],
    ).fetchall()
    if earlier:
        _record_file(con, source.name, day, relative, sha, None, path.suffix.lstrip("."),
                     "duplicate", earlier[0][0], (0, 0, 0), run_id)
        result.files_duplicate += 1
        return
    rows, mapping = read_landing_file(source, path, data)
    # landing_rows is a view over the file's Arrow table: the check SQL materializes the rows
    # once, with their reasons, as landing_checked. A rejected row keeps its line as written
    # (or, where the line cannot be told, all its columns as JSON).
    con.register("landing_file", rows.table)
    try:
        con.execute(_landing_rows_sql(source, mapping, rows.headers))
        run_sql(con, f"ingest/check_{source.name}.sql")
        checked_out = con.execute(
            f"SELECT c.line_number, CAST({_json_of(rows.headers, 'f.')} AS VARCHAR), "
            "c.reject_reason FROM landing_checked AS c "
            "JOIN landing_file AS f ON f.__line = c.line_number "
            "WHERE c.reject_reason IS NOT NULL ORDER BY c.line_number"
        ).fetchall()
    finally:
        con.execute("DROP VIEW IF EXISTS landing_rows")
        con.unregister("landing_file")
    fields = ", ".join(source.field_names)
    con.execute(
        f"INSERT INTO raw.{source.name} (partition_day, source_file, line_number, load_run_id, "
        f"{fields}, record) SELECT ?, ?, line_number, ?, {fields}, record "
        "FROM landing_checked WHERE reject_reason IS NULL ORDER BY line_number",
        [day, relative, run_id],
    )
    rejects = [*rows.rejects, *((line, rows.raw_line(line) or whole_row, reason)
                                for line, whole_row, reason in checked_out)]
    if rejects:
        con.register("rejects", pa.table({
            "line_number": pa.array([r[0] for r in rejects], pa.int64()),
            "raw_text": pa.array([r[1] for r in rejects], pa.string()),
            "reason": pa.array([r[2] for r in rejects], pa.string()),
        }))
        con.execute(
            "INSERT INTO raw.rejected_rows SELECT ?, ?, ?, line_number, raw_text, reason, ? "
            "FROM rejects ORDER BY line_number",
            [source.name, day, relative, run_id],
        )
        con.unregister("rejects")
    total = con.execute("SELECT count(*) FROM landing_checked").fetchall()[0][0]
    loaded = total - len(checked_out)
    counts = (total + len(rows.rejects), loaded, len(rejects))
    _record_file(con, source.name, day, relative, sha, rows.encoding, rows.file_format,
                 "loaded", None, counts, run_id,
                 json.dumps({h: f for f, h in mapping.items()}, ensure_ascii=False))
    result.files_read += 1
    result.rows_loaded += loaded
    result.rows_rejected += len(rejects)
    result.file_names.append(relative)


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
    return (f"CREATE OR REPLACE TEMP VIEW landing_rows AS SELECT __line AS line_number, "
            f"{canonical}, {_json_of(others)} AS record FROM landing_file")


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
