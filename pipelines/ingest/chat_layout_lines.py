"""Each chat layout's lines rewritten as the 千牛 copy's (`<nick> <time>` opening a message, its
content on the lines under it, `由 A 转交给 B` handing the buyer on), for `parse_transcript`.

A rewriter takes the file's lines as a frame (`row` in file order, `conversation`, `number` the
physical line, `line`) and gives back `number`, `conversation` and `line` of the
千牛 lines in order, with notes for what it leaves out on purpose (a group-chat section). Every
step is a Polars expression over all lines: no loop over lines.
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.transcript import SYSTEM_LINE, TRANSFER, WHITESPACE

Note = tuple[int, str, str]  # (line, raw text, reason), as a rejected row

_S = "[" + WHITESPACE + "]"
_NS = "[^" + WHITESPACE + "]"
TIME = r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}"
# The 千牛 copy: the nick, then the time, with whitespace between or none (`店铺:名字2026-10-8
# 10:00:05`). A glued nick ends in neither whitespace nor a colon or stop, so that an agent's
# `发货时间：2026-10-8 10:00:05` stays content.
SPACED = rf"^{_NS}.*?{_S}+{TIME}$"
GLUED = rf"^(?<nick>{_NS}|{_NS}.*?[^{WHITESPACE}:：,，。])(?<time>{TIME})$"
TIME_LINE = rf"^{TIME}$"
# `A --> B <time>`: A handed the buyer to B (a system line, never a message)
ARROW = rf"^(?<from>{_NS}.*?){_S}+-->{_S}+(?<to>{_NS}.*?){_S}*(?<time>{TIME})$"
# the 旺旺 message manager: `nick(time): content`, sections ruled off by ----- and =====
WANGWANG = (rf"^(?<nick>{_NS}.*?){_S}*[(（](?<time>{TIME})[)）]{_S}*[:：]{_S}*"
            r"(?<content>.*)$")
RULE = r"^(-{5,}|={5,})$"
# the older export: `time nick: content`. A sub-account's own colon is the nick's when another
# colon follows it (店铺:名字: 内容); a buyer's content after `nick:` keeps its colons if the
# first one is followed by a space.
INSTANT = (rf"^(?<time>{TIME}){_S}+(?<nick>[^:：{WHITESPACE}][^:：]*"
           rf"(?:[:：][^:：{WHITESPACE}][^:：]*)?)[:：]{_S}*(?<content>.*)$")
# the 网页版 full text: noise the web page writes between (or instead of) messages
WEB_NOISE = ("没有更多内容了", "请在客户端查看原始聊天记录", "用户发起转人工", "【此消息为欢迎卡片",
             "您选择了一个订单进行咨询")
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"

STRIPPED = pl.col("line").str.strip_chars(WHITESPACE)
LINE_COLUMNS = ["number", "conversation", "line"]


def qianniu(frame: pl.DataFrame, glued: bool = False) -> tuple[pl.DataFrame, list[Note]]:
    """The 千牛 copy as it is, `A --> B` headers read as transfers, and where `glued` (glued
    openers outnumber spaced ones in the file's first lines; elsewhere the scan would cost a
    tenth of the parsing for nothing) a glued nick given its space."""
    if glued:
        frame = frame.with_columns(STRIPPED.alias("stripped"))
        frame = frame.with_columns(line=pl.when(pl.col("stripped").str.contains(GLUED)).then(
            pl.col("stripped").str.replace(GLUED, "${nick} ${time}")).otherwise(pl.col("line")))
    if frame["line"].str.contains("-->", literal=True).any():
        frame = frame.with_columns(STRIPPED.alias("stripped"))
        arrow = pl.col("stripped").str.contains(ARROW)
        frame = frame.with_columns(line=pl.when(arrow).then(
            pl.col("stripped").str.replace(ARROW, "由 ${from} 转交给 ${to}"))
            .otherwise(pl.col("line")))
    return frame.select(LINE_COLUMNS), []


def nick_line(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Note]]:
    """The nick alone on a line, the time on the next: the two make the opener, on the nick's
    line. A time line after a blank line or another time line names no nick and is content."""
    frame = frame.with_columns(STRIPPED.alias("stripped"))
    time_line = pl.col("stripped").str.contains(TIME_LINE)
    before = pl.col("stripped").shift(1).over("conversation")
    joined = time_line & (before.fill_null("") != "") & ~time_line.shift(1).over(
        "conversation").fill_null(True)
    frame = (frame.with_columns(joined=joined)
             .with_columns(line=pl.when(pl.col("joined").shift(-1).over("conversation")
                                        .fill_null(False))
                           .then(pl.col("stripped") + " "
                                 + pl.col("stripped").shift(-1).over("conversation"))
                           .otherwise(pl.col("line")))
             .filter(~pl.col("joined")))
    return qianniu(frame)


def _two_lines() -> pl.Expr:
    """A one-line message (nick, time, content) as the opener and its first content line; any
    other line as it is."""
    return pl.when(pl.col("nick").is_not_null()).then(pl.concat_list(
        pl.col("nick") + " " + pl.col("time"), pl.col("content"))).otherwise(
        pl.concat_list(pl.col("line")))


def wangwang(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Note]]:
    """The 旺旺 message manager: a message per `nick(time): content` line, content going on
    under it. Rules (-----, =====) and the lines between a rule and the next message (section
    titles such as 单聊, the two parties' names) are layout, not text. A section whose title,
    the first line after a rule, is 群聊 is a group chat, where no buyer is served: it is cut
    off up to the next 单聊 title, with one note saying so, not a reject per line."""
    s = pl.col("stripped")
    frame = (frame.with_columns(STRIPPED.alias("stripped"))
             .with_columns(s.str.extract_groups(WANGWANG).alias("m")).unnest("m"))
    message = pl.col("nick").is_not_null()
    rule = s.str.contains(RULE)
    text = s != ""
    # the last non-blank line before this one was a rule, or there was none: a section title
    after_rule = pl.when(text).then(rule).shift(1).forward_fill().fill_null(True)
    title = text & ~rule & ~message & after_rule
    kind = (pl.when(title & s.str.starts_with("群聊")).then(pl.lit("group"))
            .when(title & s.str.starts_with("单聊")).then(pl.lit("single"))
            .forward_fill().fill_null("single"))
    layout = pl.when(message).then(False).when(rule | title).then(True)
    frame = frame.with_columns(cut=kind == "group", layout=layout.forward_fill().fill_null(False))
    notes = _cut_notes(frame)
    rows = (frame.filter(~pl.col("cut") & ~pl.col("layout"))
            .with_columns(line=_two_lines()).explode("line"))
    return rows.select(LINE_COLUMNS), notes


def _cut_notes(frame: pl.DataFrame) -> list[Note]:
    """One note per group-chat section cut off: its first line, its title, its extent."""
    cut = pl.col("cut")
    sections = (frame.with_columns(section=cut.ne_missing(cut.shift(1)).cum_sum())
                .filter(pl.col("cut"))
                .group_by("section", maintain_order=True)
                .agg(pl.col("number").first().alias("first"), pl.col("number").last().alias("last"),
                     pl.col("line").filter(pl.col("stripped") != "").first().alias("title")))
    return [(first, title, f"group chat (群聊) section, lines {first}-{last}, not loaded: a group "
                           "chat serves no buyer")
            for first, last, title in sections.select("first", "last", "title").iter_rows()]


def instant(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Note]]:
    """The older export: a message per `time nick: content` line, content going on under it;
    the `即时消息` header is layout."""
    frame = (frame.with_columns(STRIPPED.alias("stripped"))
             .with_columns(pl.col("stripped").str.extract_groups(INSTANT).alias("m"))
             .unnest("m")
             .filter(~pl.col("stripped").str.starts_with("即时消息"))
             .with_columns(line=_two_lines()).explode("line"))
    return frame.select(LINE_COLUMNS), []


def web(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Note]]:
    """The 网页版 full text: each message its time line, its content, then its sender on the
    last line before the next time line (or the conversation's end); the web page's own notes
    are system lines and control characters (`\\x03`) are dropped. A time line with no sender
    after it is noted, not read as content."""
    frame = (frame.with_columns(line=pl.col("line").str.replace_all(CONTROL, ""))
             .with_columns(STRIPPED.alias("stripped")))
    s = pl.col("stripped")
    noise = pl.any_horizontal(*(s.str.starts_with(n) for n in WEB_NOISE))
    time_line = s.str.contains(TIME_LINE)
    frame = (frame.filter(~noise)
             .with_columns(time_line=time_line)
             .with_columns(message=pl.col("time_line").cast(pl.Int64).cum_sum().over(
                 "conversation")))
    said = ~pl.col("time_line") & (s != "") & ~s.str.contains(SYSTEM_LINE) \
        & ~s.str.contains(TRANSFER) & (pl.col("message") > 0)
    within = ["conversation", "message"]
    frame = (frame.with_columns(sender_row=pl.when(said).then(pl.col("row")).max().over(within))
             .with_columns(sender=s.filter(pl.col("row") == pl.col("sender_row")).first()
                           .over(within)))
    orphan = frame.filter(pl.col("time_line") & pl.col("sender").is_null())
    notes = [(number, line, "a time with no message or sender after it")
             for number, line in orphan.select("number", "line").iter_rows()]
    rows = (frame.filter(~(pl.col("time_line") & pl.col("sender").is_null())
                         & pl.col("row").ne_missing(pl.col("sender_row")))
            .with_columns(line=pl.when(pl.col("time_line"))
                          .then(pl.col("sender") + " " + s).otherwise(pl.col("line"))))
    return rows.select(LINE_COLUMNS), notes
