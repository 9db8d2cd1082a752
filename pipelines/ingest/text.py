"""A landing file's bytes as text: its encoding told (UTF-8, with or without BOM, else
GB18030, which Taobao's tools write), and its physical lines as an Arrow array to number rows by
and to quote a rejected row as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines.ingest.errors import IngestError

UTF8_BOM = b"\xef\xbb\xbf"


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Detect the encoding Taobao used (never guess silently) and decode: (encoding, text)."""
    if data.startswith(UTF8_BOM):
        return "utf-8-sig", data[len(UTF8_BOM):].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "gb18030"):
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(path, "unknown encoding: the bytes are neither UTF-8 nor GBK/GB18030")


def utf8_body(path: Path, data: bytes) -> tuple[str, bytes]:
    """Detect the encoding as `decode` does, without decoding a UTF-8 file into Python: the
    encoding and the file's bytes as UTF-8 (a BOM left out). Arrow validates UTF-8; a GBK file is
    transcoded."""
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    if is_utf8(body):
        return ("utf-8-sig" if body is not data else "utf-8"), body
    if body is data:
        try:
            return "gb18030", data.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            pass
    raise IngestError(path, "unknown encoding: the bytes are neither UTF-8 nor GBK/GB18030")


def is_utf8(data: bytes) -> bool:
    whole = pa.Array.from_buffers(pa.large_binary(), 1, [
        None, pa.py_buffer(np.array([0, len(data)], np.int64)), pa.py_buffer(data)])
    try:
        whole.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def line_array(body: bytes) -> pa.Array:
    """The lines of UTF-8 text, split on `\n` only, without their `\n` or `\r\n` ending, as an
    Arrow array (no Python string per line). Unlike `str.splitlines`, a U+2028, U+2029,
    `\x1c`..`\x1e`, `\x85` or lone `\r` inside a line is data, not a line break; text ending with
    a line ending has no empty last line after it."""
    size = len(body)
    buffer = np.frombuffer(body, np.uint8)
    breaks = np.flatnonzero(buffer == 10)
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    ends = np.concatenate((breaks, [size])).astype(np.int64)
    if starts[-1] == size:
        starts, ends = starts[:-1], ends[:-1]
    if not len(starts):
        return pa.array([], pa.large_string())
    last = buffer[np.maximum(ends - 1, 0)] if size else np.zeros(len(ends), np.uint8)
    ends = ends - ((ends > starts) & (last == 13))
    # one array of lines and the line endings between them; the lines are every other value
    offsets = np.empty(2 * len(starts), np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    both = pa.Array.from_buffers(pa.large_string(), len(offsets) - 1,
                                 [None, pa.py_buffer(offsets), pa.py_buffer(body)])
    return both.take(pa.array(np.arange(0, len(offsets) - 1, 2)))


def line_lookup(lines: pa.Array) -> Callable[[int], str | None]:
    def lookup(line: int) -> str | None:
        return lines[line - 1].as_py() if 0 < line <= len(lines) else None

    return lookup
