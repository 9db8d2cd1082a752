"""The chat transcript layouts shops land, told apart by their lines, each read to the messages
the 千牛 workbench copy of the same chats gives.

A file's layout is the one most of its first lines open a message as (`_recognise`, one Polars
pass counting each layout's pattern). Its lines are then rewritten as 千牛 copy lines
(`chat_layout_lines`) and read by `transcript.parse_transcripts`, a day's files in one frame,
so who the buyer is, which account serves them, transfers and auto replies are worked out in
one place, whatever the layout; the messages keep the file's own line numbers. A text file in
no layout known, or one without times, fails its day naming the file and the layouts known. A
chats table (CSV, xlsx) whose cells hold whole conversations (the 网页版 export) is read the
same way, a row a conversation (`conversation_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipelines.ingest.chat_layout_lines import (
    GLUED,
    INSTANT,
    LINE_COLUMNS,
    SPACED,
    STRIPPED,
    TIME,
    TIME_LINE,
    WANGWANG,
    WEB_NOISE,
    Note,
    instant,
    nick_line,
    qianniu,
    wangwang,
    web,
)
from pipelines.ingest.errors import IngestError, read_each
from pipelines.ingest.transcript import (
    OPENER,
    SYSTEM_LINE,
    TRANSFER,
    WHITESPACE,
    TranscriptRows,
    file_account,
    parse_transcripts,
)

# A file's layout shows in its first lines; scanning all of a large transcript for six
# patterns would cost a fifth of its parsing.
DETECT_LINES = 5000


@dataclass(frozen=True)
class Layout:
    name: str  # raw.ingest_files.file_format says `txt:<name>` (plain `txt` for the 千牛 copy)
    label: str
    example: str
    rewrite: Callable[[pl.DataFrame], tuple[pl.DataFrame, list[Note]]]


LAYOUTS = {layout.name: layout for layout in (
    Layout("qianniu", "千牛 workbench copy", "tb_小林 2026-10-8 9:05:03, the message under it",
           qianniu),
    Layout("qianniu_glued", "千牛 copy with the nick glued to the time",
           "旗舰店:小美2026-10-8 9:05:40", partial(qianniu, glued=True)),
    Layout("nick_line", "千牛 copy with the nick and the time on two lines",
           "tb_小林, 2026-10-8 9:05:03, the message", nick_line),
    Layout("wangwang", "旺旺 message manager export",
           "tb_小林(2026-10-08 09:05:03): 这个包有黑色吗", wangwang),
    Layout("instant", "older 即时消息 export", "2026-10-08 09:05:03 tb_小林: 这个包有黑色吗",
           instant),
    Layout("web", "网页版 full text", "2026-10-08 09:05:03, the message, tb_小林", web),
)}
KNOWN = "; ".join(f"{layout.label} ({layout.example})" for layout in LAYOUTS.values())
CLOCK = r"\d{1,2}:\d{2}"
NICK_COLON = r"^[^:：]{1,64}[:：]."


@dataclass
class LayoutRows:
    layout: Layout
    table: pa.Table  # transcript.COLUMNS and __line, a file's own line; a table's columns too
    rejects: list[Note]

    def file_format(self, base: str) -> str:
        return base if self.layout.name == "qianniu" else f"{base}:{self.layout.name}"


def _recognise(frame: pl.DataFrame) -> Layout | str:
    """The layout of the lines, or why none is: the one whose message lines most of the first
    lines are (the 千牛 copy first among equals); a time line opens a 网页版 message where the
    first line of text is one, and follows the nick otherwise."""
    s = pl.col("s")
    text = (s != "") & ~s.str.contains(SYSTEM_LINE)
    noise = pl.any_horizontal(*(s.str.starts_with(n) for n in WEB_NOISE))
    sample = frame.head(DETECT_LINES).select(STRIPPED.alias("s"))
    counts = sample.select(
        spaced=s.str.contains(SPACED).sum(), glued=s.str.contains(GLUED).sum(),
        time_line=s.str.contains(TIME_LINE).sum(), wangwang=s.str.contains(WANGWANG).sum(),
        instant=s.str.contains(INSTANT).sum(), text=text.sum(), clock=s.str.contains(CLOCK).sum(),
        nick_colon=(text & s.str.contains(NICK_COLON)).sum(),
    ).row(0, named=True)
    counts["qianniu"] = counts["spaced"] + counts["glued"]  # no line is both
    best = max(("qianniu", "time_line", "wangwang", "instant"), key=lambda name: counts[name])
    if counts[best] == 0:
        if counts["text"] == 0:  # blank, or system lines alone: a day with no messages
            return LAYOUTS["qianniu"]
        if counts["clock"] == 0 and 2 * counts["nick_colon"] >= counts["text"]:
            return ("a transcript without times (a `nick:content` line per message): no wait "
                    "can be measured without times; export it with its times, in one of the "
                    f"layouts known: {KNOWN}")
        return f"no line of it opens a message as a chat layout known does: {KNOWN}"
    if best == "qianniu":  # a few glued times among spaced openers are an agent's text
        return LAYOUTS["qianniu_glued" if counts["glued"] > counts["spaced"] else "qianniu"]
    if best == "time_line":
        first = sample.filter(text & ~noise & ~s.str.contains(TRANSFER)).head(1)["s"]
        return LAYOUTS["web" if first.str.contains(TIME_LINE).any() else "nick_line"]
    return LAYOUTS[best]


def _read(files: list[tuple[Layout, pl.DataFrame, list[Note], str | None]],
          bots: tuple[str, ...]) -> list[LayoutRows]:
    """The messages of each file's rewritten lines (its layout, lines, notes and the account
    its name gives), read in one frame, numbered by the file's own lines."""
    reads = parse_transcripts([(lines["line"].to_arrow(), account)
                               for _, lines, _, account in files], bots)
    read: list[LayoutRows] = []
    for (layout, lines, notes, _), rows in zip(files, reads, strict=True):
        numbers = lines["number"]
        messages = rows.frame.with_columns(__line=numbers.gather(rows.frame["__line"] - 1))
        at = numbers.gather([number - 1 for number, _, _ in rows.rejects]).to_list()
        rejects = [(line, raw, reason) for line, (_, raw, reason) in zip(at, rows.rejects,
                                                                         strict=True)]
        read.append(LayoutRows(layout, TranscriptRows(messages).table(), [*rejects, *notes]))
    return read


def transcript_rows(files: Sequence[tuple[Path, pa.Array]],
                    bots: tuple[str, ...]) -> list[LayoutRows | IngestError]:
    """Each text transcript's messages, whatever its layout (`readers.line_array` lines), the
    files read together; `bots` the shop's bot sub-account names. A file in no layout known is
    its IngestError, naming the layouts known."""
    rewritten: list[tuple[Layout, pl.DataFrame, list[Note], str | None] | IngestError] = []
    for path, lines in files:
        frame = (pl.DataFrame({"line": pl.Series("line", lines, dtype=pl.String)})
                 .with_row_index("row")
                 .with_columns(number=pl.col("row").cast(pl.Int64) + 1, conversation=pl.lit(0)))
        layout = _recognise(frame)
        if isinstance(layout, str):
            rewritten.append(IngestError(path, layout))
        else:
            rewritten.append((layout, *layout.rewrite(frame), file_account(path)))
    return read_each(rewritten, lambda known: _read(known, bots))


def conversation_rows(path: Path, table: pa.Table, bots: tuple[str, ...]) -> LayoutRows | None:
    """A chats table whose cells hold whole conversations, a row each (the 网页版 export): the
    column holding them read as one transcript, each message keeping its row's other columns
    (in `record`: none is read as a message's field, so `message_id` is empty). None when no
    column holds conversations in a layout known."""
    data = pl.from_arrow(table)
    assert isinstance(data, pl.DataFrame)
    texts = [c for c, kind in data.schema.items() if c != "__line" and kind == pl.String]
    held = data.select(*((pl.col(c).str.contains("\n", literal=True)
                          & pl.col(c).str.contains(TIME)).sum().alias(c) for c in texts))
    column = max(texts, key=lambda c: held[c][0], default=None)
    if column is None or held[column][0] == 0:
        return None
    frame = (data.select(conversation=pl.int_range(pl.len()), number=pl.col("__line"),
                         line=pl.col(column).fill_null("").str.split("\n"))
             .explode("line")
             .with_columns(pl.col("line").str.strip_suffix("\r"))
             .with_row_index("row"))
    layout = _recognise(frame)
    if isinstance(layout, str):
        return None
    lines, notes = layout.rewrite(frame)
    lines, strays = _conversations_apart(lines)
    read = _read([(layout, lines, [*notes, *strays], file_account(path))], bots)[0]
    messages = (pl.from_arrow(read.table)
                .join(data.drop(column), on="__line", how="left", maintain_order="left")
                .with_columns(message_id=pl.lit(None, dtype=pl.String)))
    return LayoutRows(layout, messages.to_arrow(), read.rejects)


def _conversations_apart(lines: pl.DataFrame) -> tuple[pl.DataFrame, list[Note]]:
    """Text before a conversation's first message is no part of the message before it (the
    previous row's last): it is rejected as the 千牛 parser rejects text before the first."""
    s = pl.col("line").str.strip_chars(WHITESPACE)
    started = s.str.contains(OPENER).cast(pl.Int64).cum_sum().over("conversation") > 0
    lines = lines.with_columns(stray=~started & (s != "") & ~s.str.contains(SYSTEM_LINE)
                               & ~s.str.contains(TRANSFER))
    notes = [(number, line, "text outside any message") for number, line in
             lines.filter(pl.col("stray")).select("number", "line").iter_rows()]
    return lines.filter(~pl.col("stray")).select(LINE_COLUMNS), notes
