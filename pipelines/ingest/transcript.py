"""千牛 workbench transcripts (`.txt`): one file per sub-account, copied from the chat window.

A line `<nick> YYYY-M-D H:MM:SS` opens a message and the lines under it are its content. Nicks
with a colon are sub-accounts (店铺:名字); the configured bot accounts (config/bots.yaml: 服务助手,
店小蜜, ...), or content marked [自动回复], are auto-replies; any other nick is a buyer. A copied
transcript keeps each conversation together, so an agent's message goes to the buyer who spoke
last, and a buyer's message to the account serving them: the file's own account (the one that
speaks most) unless a transfer line (`由 服务助手 转交给 店铺:名字`, spaced or not, with or without
a `原因：【…】` or a time after it) handed the buyer on; a transfer naming a bare sub-account
(`转交给 wjiao`) names one of the file's own shop. A transfer line is never a message, even where
it stands as a buyer's opener. Recalls, origin notes and read-state tokens are not messages.

Set-based, with Polars, no loop over lines: each line is classified by regular expression
(opener, transfer, system line, content); a running count of openers numbers the message each
content line belongs to; the buyer is the last buyer nick forward-filled, and the serving account
the last one set (by an agent's message, a transfer, or a new buyer handing back to the owner)
forward-filled. The patterns are Python's (`str.strip`, `\\s`), spelled out for Rust's regex.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.config.bots import DEFAULT_BOTS

# Python's whitespace (str.isspace, what str.strip and re's \s take): Rust's \s and Polars'
# strip_chars() leave out \x1c..\x1f, so the set is spelled out.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_S = "[" + WHITESPACE + "]"
_NS = "[^" + WHITESPACE + "]"
_TS = r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}"
OPENER = rf"^(?<nick>{_NS}.*?){_S}+(?<ts>{_TS})$"
TRANSFER = (rf"^由{_S}*.+?{_S}*转交给{_S}*(?<account>{_NS}+?){_S}*(?:原因[:：].*?)?"
            rf"(?:{_S}+{_TS})?$")
SYSTEM_LINE = r"^(.+ 撤回了一条消息|当前用户来自.*|原因：.*|已读|未读|发送中)$"
AUTO_MARKS = ("[自动回复]", "【自动回复】")
COLUMNS = ("sent_at", "agent", "buyer", "sender", "content")


@dataclass
class TranscriptRows:
    frame: pl.DataFrame  # COLUMNS and __line, one row per message, in file order
    rejects: list[tuple[int, str, str]] = field(default_factory=list)

    def table(self) -> pa.Table:
        return self.frame.select([*COLUMNS, "__line"]).to_arrow().cast(pa.schema(
            [*((c, pa.string()) for c in COLUMNS), ("__line", pa.int64())]))


def file_account(path: Path) -> str | None:
    """The sub-account a transcript's file name gives (`旗舰店_小美.txt`, or `旗舰店:小美.txt`
    where the file system allows it), if it names one."""
    shop, sep, name = path.stem.replace("：", ":").replace(":", "_").partition("_")
    return f"{shop}:{name}" if sep and shop and name else None


def parse_transcript(lines: pa.Array | list[str], file_account: str | None = None,
                     bots: tuple[str, ...] = DEFAULT_BOTS) -> TranscriptRows:
    """The messages of a transcript given as its lines (split on `\n` only, so a U+2028 in a
    message is part of it: `readers.line_array`). The file's own account is the one that
    speaks most (the first to speak among equals) and is no bot (a sub-account whose name
    contains one of `bots`); where no account speaks (only buyers wrote), the one its file name
    gives."""
    return parse_transcripts([(lines, file_account)], bots)[0]


def parse_transcripts(files: Sequence[tuple[pa.Array | list[str], str | None]],
                      bots: tuple[str, ...] = DEFAULT_BOTS) -> list[TranscriptRows]:
    """`parse_transcript` of each of `files` (its lines and the account its name gives), read in
    one frame: a day's transcripts are dozens of small files, and each Polars step has a cost of
    its own whatever the rows (a day's 32 files: 0.5 s one by one). Everything a file's
    messages depend on stays within the file (`over("file")`)."""
    sizes = [len(lines) for lines, _ in files]
    starts = np.cumsum([0, *sizes[:-1]]) if sizes else np.zeros(0, np.int64)
    line = pl.concat([pl.Series("line", lines, dtype=pl.String) for lines, _ in files]) \
        if files else pl.Series("line", [], dtype=pl.String)
    stripped = pl.col("line").str.strip_chars(WHITESPACE)
    opened = pl.col("is_opener").cast(pl.Int64).cum_sum()
    frame = (
        pl.DataFrame({
            "file": np.repeat(np.arange(len(files), dtype=np.int32), sizes),
            "number": np.arange(len(line), dtype=np.int64) - np.repeat(starts, sizes) + 1,
            "line": line})
        .with_columns(stripped.alias("stripped"))
        .with_columns(
            pl.col("stripped").str.extract_groups(OPENER).alias("opener"),
            pl.col("stripped").str.extract(TRANSFER, 1).alias("transfer"),
            pl.col("stripped").str.contains(SYSTEM_LINE).alias("system"),
        )
        .unnest("opener")
        .with_columns(is_opener=pl.col("nick").is_not_null() & pl.col("transfer").is_null())
        # openers so far, in all the files before too: each message's number, unique across
        # files; the message a line belongs to is that count once its own file has opened one
        # (0 = before any message of the file)
        .with_columns(opened=opened)
        .with_columns(message=pl.when(pl.col("is_opener").cast(pl.Int64).cum_sum().over("file")
                                      > 0).then(pl.col("opened")).otherwise(0))
    )
    transfer = pl.col("transfer").is_not_null()
    content = ~pl.col("is_opener") & ~transfer & ~pl.col("system")
    outside = frame.filter(content & (pl.col("message") == 0) & (pl.col("stripped") != ""))
    rejects: list[list[tuple[int, str, str]]] = [[] for _ in files]
    for file, n, text in outside.select("file", "number", "line").iter_rows():
        rejects[file].append((n, text, "text outside any message"))
    bodies = (frame.filter(content & (pl.col("message") > 0))
              .group_by("message", maintain_order=True)
              .agg(pl.col("line").str.strip_chars_end(WHITESPACE).str.join("\n").alias("lines")))
    # a transfer line hands the buyer on at the next message of its file (the last such line
    # before it)
    transfers = (frame.filter(transfer)
                 .group_by("file", "opened", maintain_order=True)
                 .agg(pl.col("transfer").last().alias("transferred_to"))
                 .select("file", (pl.col("opened") + 1).alias("message"), "transferred_to"))
    nick = pl.col("nick")
    is_account = nick.str.contains("[:：]")
    name = nick.str.replace("^[^:：]*[:：]", "")
    auto_name = pl.any_horizontal(pl.lit(False),
                                  *(name.str.contains(b, literal=True) for b in bots))
    messages = (
        frame.filter(pl.col("is_opener"))
        .select("file", "message", "number", "nick", "ts")
        .join(bodies, on="message", how="left")
        .join(transfers, on=["file", "message"], how="left")
        .sort("message")
        .with_columns(body=pl.col("lines").fill_null("").str.strip_chars(WHITESPACE),
                      is_account=is_account, auto_name=is_account & auto_name)
        .with_columns(sender=pl.when(~pl.col("is_account")).then(pl.lit("buyer"))
                      .when(pl.col("auto_name") | pl.any_horizontal(
                          *(pl.col("body").str.starts_with(m) for m in AUTO_MARKS)))
                      .then(pl.lit("auto")).otherwise(pl.lit("agent")))
    )
    speakers = (messages.filter(pl.col("is_account") & ~pl.col("auto_name"))
                .group_by("file", "nick")
                .agg(pl.len().alias("n"), pl.col("message").min().alias("first"))
                .sort(["file", "n", "first"], descending=[False, True, False])
                .group_by("file", maintain_order=True).first())
    speaking = dict(speakers.select("file", "nick").iter_rows())
    owners = [speaking.get(file, account or "") for file, (_, account) in enumerate(files)]
    # a transfer to a bare sub-account name (转交给 wjiao) hands the buyer on within the shop
    shops = [_shop_prefix(owner) for owner in owners]
    owner = pl.col("owner")
    transferred = pl.col("transferred_to")
    moved = (pl.when(transferred.str.contains("[:：]") | pl.col("shop").is_null())
             .then(transferred).otherwise(pl.col("shop") + transferred))
    sender = pl.col("sender")
    buyer = pl.when(sender == "buyer").then(nick).forward_fill().over("file")
    messages = (
        messages.join(pl.DataFrame({"file": np.arange(len(files), dtype=np.int32),
                                    "owner": pl.Series(owners, dtype=pl.String),
                                    "shop": pl.Series(shops, dtype=pl.String)}),
                      on="file", how="left")
        .with_columns(buyer=buyer)
        .with_columns(new_buyer=(sender == "buyer")
                      & pl.col("buyer").shift(1).over("file").ne_missing(pl.col("buyer")))
        # the account serving: the last one set, by an agent's message, a transfer, or a new
        # buyer (back to the owner), in that order of precedence within a message
        .with_columns(agent=pl.when(sender == "agent").then(nick)
                      .when(moved.is_not_null()).then(moved)
                      .when(pl.col("new_buyer")).then(owner)
                      .forward_fill().over("file").fill_null(owner))
    )
    early = messages.filter(pl.col("buyer").is_null())
    for file, number, head, ts, lines_ in early.select("file", "number", "nick", "ts",
                                                       "lines").iter_rows():
        raw = f"{head} {ts}" + ("" if lines_ is None else "\n" + lines_)
        rejects[file].append((number, raw, "agent message before any buyer message"))
    rows = (messages.filter(pl.col("buyer").is_not_null())
            .select("file", pl.col("ts").alias("sent_at"), "agent", "buyer", "sender",
                    pl.col("body").alias("content"), pl.col("number").cast(pl.Int64)
                    .alias("__line")))
    by_file = rows.partition_by("file", as_dict=True, include_key=False, maintain_order=True)
    empty = rows.drop("file").clear()
    return [TranscriptRows(by_file.get((file,), empty), rejects[file])
            for file in range(len(files))]


def _shop_prefix(owner: str) -> str | None:
    """`店铺:` of an owning sub-account, for a transfer naming a bare name; None if the owner is
    no sub-account."""
    shop, colon, _ = owner.replace("：", ":").partition(":")
    return f"{shop}:" if colon else None
