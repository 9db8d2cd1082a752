"""Turn one landing file into an Arrow table of text columns, whatever its format and encoding.

Every value stays text here: typing is SQL's job (`sql/macros.sql`), so a bad value becomes a
rejected row with a reason instead of a crash. `__line` is the physical line of the file the row
starts on (header = line 1): a CSV record whose quoted value holds a newline spans several lines
and is numbered by its first; blank lines are counted as lines but are not rows. Lines are split
on `\n` (a `\r` before it is part of the line ending), except that a CSV also ends lines on a
lone `\r` as the CSV parser does. Rows the format itself cannot read (a CSV row with the wrong
number of fields, a JSONL line that is not JSON) come back as `rejects`.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.config.bots import DEFAULT_BOTS
from pipelines.ingest.chat_layouts import transcript_rows
from pipelines.ingest.errors import IngestError, read_each
from pipelines.ingest.text import UTF8_BOM, is_utf8, line_array, line_lookup, utf8_body


@dataclass
class FileRows:
    table: pa.Table  # the file's own columns, as text, plus __line
    encoding: str
    file_format: str
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw text, reason)
    raw_line: Callable[[int], str | None] = lambda _line: None

    @property
    def headers(self) -> list[str]:
        return [c for c in self.table.column_names if c != "__line"]

    def without_rows(self) -> FileRows:
        """The file's headers, counts and rejects without its rows and text: what a file whose
        rows are in the warehouse keeps while its batch is written."""
        return FileRows(self.table.schema.empty_table(), self.encoding, self.file_format,
                        self.rejects)


_CSV_LINE_END = re.compile(r"\r\n|\n|\r")
_BLANK_LINES = frozenset(("\n", "\r\n", "\r"))


def _one_line_per_record(body: bytes, records: int) -> bool:
    """Whether the CSV's physical lines are its records, one each (the common case), told from
    its bytes (a line break byte is never part of a UTF-8 or GB18030 character): no lone `\r`,
    no blank line, as many lines as records. Otherwise the lines are told from the text."""
    if body.count(b"\r") != body.count(b"\r\n"):
        return False
    lines = body.count(b"\n") + (0 if not body or body.endswith(b"\n") else 1)
    blank = body.startswith((b"\n", b"\r\n")) or b"\n\n" in body or b"\n\r\n" in body
    return lines == records and not blank


def _csv_record_lines(text: str, records: int) -> tuple[list[int], list[int]] | None:
    """The first and last physical line (1-based) of each of the CSV's `records` records (the
    header being the first), as the CSV parser reads them: blank lines are no records, a quoted
    value may span lines. None when Python's csv module reads a different number of records
    than the Arrow parser did (then no record can be tied to its lines)."""
    lines = io.StringIO(text, newline="").readlines()  # ends at \r\n, \n or \r, as Arrow does
    if len(lines) == records and _BLANK_LINES.isdisjoint(lines):
        every = list(range(1, records + 1))  # one line per record: no parsing
        return every, every
    starts: list[int] = []
    ends: list[int] = []
    reader = csv.reader(lines)
    before = 0
    try:
        for row in reader:
            if row:  # a blank line reads as [] and is no record
                starts.append(before + 1)
                ends.append(reader.line_num)
            before = reader.line_num
    except csv.Error:
        return None
    return (starts, ends) if len(starts) == records else None


def _csv_raw_record(text: Callable[[], str], spans: tuple[list[int], list[int]] | None
                    ) -> Callable[[int], str | None]:
    """A record's full text (every physical line of it, inner line breaks kept) by its first
    line; None for a line no record starts on. The text is decoded on the first lookup."""
    last_line = dict(zip(*spans, strict=True)) if spans else {}
    lines: list[str] = []

    def lookup(line: int) -> str | None:
        if line not in last_line:
            return None
        if not lines:
            lines.extend(io.StringIO(text(), newline="").readlines())
        record = "".join(lines[line - 1:last_line[line]])
        ending = _CSV_LINE_END.search(record, max(len(record) - 2, 0))
        return record[:ending.start()] if ending and ending.end() == len(record) else record

    return lookup


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h}#{seen[h]}")
    return out


def _csv_source(path: Path, data: bytes) -> tuple[str, bytes]:
    """The encoding and the bytes to parse: UTF-8 (a BOM left out) is parsed as it is, GBK/GB18030
    is transcoded by the CSV reader in a stream (never copied whole into Python)."""
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    if is_utf8(body):
        return ("utf-8-sig" if body is not data else "utf-8"), body
    if body is not data:
        raise IngestError(path, "unknown encoding: the bytes are neither UTF-8 nor GBK/GB18030")
    return "gb18030", data


def _csv_header(path: Path, body: bytes, codec: str) -> list[str]:
    end = body.find(b"\n")
    try:
        first = (body if end < 0 else body[:end]).decode(codec)
    except UnicodeDecodeError as exc:
        raise IngestError(path, "unknown encoding: the bytes are neither UTF-8 nor "
                                "GBK/GB18030") from exc
    return next(csv.reader([first]), [])


def csv_headers(path: Path, data: bytes) -> list[str]:
    """The CSV's header line alone, as `read_csv` reads it: what the file is can be told before
    its rows are parsed."""
    encoding, body = _csv_source(path, data)
    return _csv_header(path, body, "utf-8" if encoding.startswith("utf-8") else encoding)


def read_csv(path: Path, data: bytes) -> FileRows:
    encoding, body = _csv_source(path, data)
    codec = "utf-8" if encoding.startswith("utf-8") else encoding

    def text() -> str:
        return body.decode(codec)

    headers = _unique(_csv_header(path, body, codec))
    if not any(h.strip() for h in headers):
        raise IngestError(path, "no header line")
    invalid: list[tuple[int, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        reason = f"{row.actual_columns} fields where the header has {row.expected_columns}"
        invalid.append((row.number or -1, row.text, reason))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=headers, skip_rows=1, use_threads=False,
                                           encoding=codec),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except UnicodeDecodeError as exc:
        raise IngestError(path, "unknown encoding: the bytes are neither UTF-8 nor "
                                "GBK/GB18030") from exc
    except pa.ArrowInvalid as exc:
        raise IngestError(path, f"not a readable CSV: {exc}") from exc
    # pyarrow numbers records from the header (record 1), blank lines not counted; the skipped
    # ones hold their own numbers. Each record is then numbered by the physical line it starts
    # on, so that the line number (and the raw text of a rejected row) is the record's own even
    # after a quoted value holding a newline or a blank line.
    records = 1 + table.num_rows + len(invalid)
    taken = {number for number, _, _ in invalid}
    numbers = np.arange(2, records + 1)
    good = numbers[~np.isin(numbers, list(taken))] if taken else numbers
    if _one_line_per_record(body, records):
        every = list(range(1, records + 1))
        spans: tuple[list[int], list[int]] | None = (every, every)
    else:
        spans = _csv_record_lines(text(), records)
    # when lines cannot be told, records keep their numbers and rejects their columns (as JSON)
    first_line = np.arange(1, records + 1) if spans is None else np.array(spans[0], np.int64)
    invalid = [(int(first_line[number - 1]) if 0 < number <= records else number, raw, reason)
               for number, raw, reason in invalid]
    line_of = first_line[good[: table.num_rows] - 1]
    table = table.append_column("__line", pa.array(line_of, pa.int64()))
    return FileRows(table, encoding, "csv", invalid, _csv_raw_record(text, spans))


def read_jsonl(path: Path, data: bytes) -> FileRows:
    encoding, body = utf8_body(path, data)
    split = line_array(body)  # U+2028, U+2029 or \r inside a value is data, not a line break
    lines = pa.table({"line": split,
                      "line_number": pa.array(np.arange(1, len(split) + 1), pa.int64())})
    con = _scratch()  # JSON is parsed set-based, never line by line here
    con.register("lines", lines)
    con.execute("""
        CREATE OR REPLACE TABLE numbered AS
        SELECT line, line_number, json_valid(line) AS ok,
               CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END
                   AS is_object
        FROM lines WHERE trim(line) <> ''
    """)
    rejects = [
        (n, line, "not valid JSON" if not ok else "a JSON line must be an object")
        for n, line, ok in con.execute(
            "SELECT line_number, line, ok FROM numbered WHERE NOT is_object ORDER BY 1"
        ).fetchall()
    ]
    keys = [k for (k,) in con.execute(
        "SELECT k FROM (SELECT unnest(json_keys(line)) AS k, line_number FROM numbered "
        "WHERE is_object) GROUP BY k ORDER BY min(line_number), k"
    ).fetchall()]
    # One extraction per line for all keys: each line's JSON is parsed once, not once per key.
    paths = "[" + ", ".join(_json_path(k) for k in keys) + "]"
    columns = ", ".join(f"coalesce(v[{i}], '') AS {_ident(k)}"
                        for i, k in enumerate(keys, start=1))
    table = con.sql(
        f"SELECT {columns + ',' if columns else ''} line_number AS __line FROM ("
        f"SELECT {f'json_extract_string(line, {paths})' if keys else 'NULL'} AS v, line_number "
        "FROM numbered WHERE is_object)"
    ).to_arrow_table()
    con.execute("DROP TABLE numbered")
    con.unregister("lines")
    return FileRows(table, encoding, "jsonl", rejects, line_lookup(split))


_SCRATCH: dict[int, duckdb.DuckDBPyConnection] = {}


def _scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of this thread's own, opened once: opening one per file cost ~40 ms
    a file, most of a small JSONL export's reading."""
    key = threading.get_ident()
    if key not in _SCRATCH:
        _SCRATCH[key] = duckdb.connect()
        _SCRATCH[key].execute("SET enable_progress_bar = false")
    return _SCRATCH[key]


def _json_path(key: str) -> str:
    return "'$.\"" + key.replace("'", "''").replace('"', '\\"') + "\"'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_xlsx(path: Path, data: bytes) -> FileRows:
    try:
        frame = pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0)
    except Exception as exc:  # calamine raises its own types for every kind of broken workbook
        # its first line says what is wrong; the "Context:" lines under it stay in the trace
        problem = next(iter(str(exc).splitlines()), "") or type(exc).__name__
        raise IngestError(path, f"not a readable .xlsx workbook ({problem})") from exc
    frame = frame.with_columns(pl.all().fill_null("")).with_row_index("__line", offset=2)
    table = frame.with_columns(pl.col("__line").cast(pl.Int64)).to_arrow()
    return FileRows(table.select([*frame.columns[1:], "__line"]), "xlsx", "xlsx")


def read_txts(files: Sequence[tuple[Path, bytes]],
              bots: tuple[str, ...] = DEFAULT_BOTS) -> list[FileRows | IngestError]:
    """Text transcripts, read together (`chat_layouts.transcript_rows`); each file that cannot be
    read is its IngestError."""
    decoded: list[tuple[Path, str, pa.Array] | IngestError] = []
    for path, data in files:
        try:
            encoding, body = utf8_body(path, data)
        except IngestError as error:
            decoded.append(error)
            continue
        decoded.append((path, encoding, line_array(body)))

    def read_all(known: list[tuple[Path, str, pa.Array]]) -> list[FileRows | IngestError]:
        reads = transcript_rows([(path, lines) for path, _, lines in known], bots)
        return [read if isinstance(read, IngestError) else
                FileRows(read.table, encoding, read.file_format("txt"), read.rejects,
                         line_lookup(lines))
                for (_, encoding, lines), read in zip(known, reads, strict=True)]

    return read_each(decoded, read_all)


READERS: dict[str, Callable[[Path, bytes], FileRows]] = {
    ".csv": read_csv,
    ".jsonl": read_jsonl,
    ".xlsx": read_xlsx,
}  # transcripts (`.txt`) are read a day's files together: `read_txts`
