"""The set-based 千牛 transcript parser (pipelines/ingest/transcript.py) against the line-by-line
one it replaced, kept here as the reference: the same messages, accounts, buyers and rejects on
random transcripts mixing every kind of line (openers of buyers, agents, robots and full-width
colons, transfers spaced or not, with a reason or a time, system lines, read tokens, blank lines,
odd whitespace), with the default bot names and others."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.config.bots import DEFAULT_BOTS
from pipelines.ingest.text import line_array
from pipelines.ingest.transcript import WHITESPACE, parse_transcript, parse_transcripts

LINES = [
    "tb_小林2019 2026-10-8 9:05:03", "tb_b 2026-10-08 10:00:00",
    "旗舰店:小美 2026-10-8 9:05:40", "旗舰店：小美 2026-10-8 9:05:41",
    "旗舰店:小丽 2026-10-8 9:06:30", "旗舰店:店小蜜 2026-10-8 9:05:05",
    "旗舰店:机器人1 2026-10-8 9:05:06", " tb_c  2026-10-8 9:07:00 ", "tb d 2026-10-8 9:07:01",
    "tb\x1ce 2026-10-8\x1c9:07:02", "tb_f\u3000 2026-10-8 9:07:03", "tb_g 2026-10-8 9:7:03",
    "由 服务助手 转交给 旗舰店:小丽", "由 服务助手 转交给 旗舰店:小美",
    "由服务助手转交给旗舰店:小丽", "由 服务助手 转交给 小美 原因：【离线留言自动分配】",
    "由服务助手转交给小丽原因：【转人工】", "旗舰店:服务助手 2026-10-8 9:05:07",
    "由\u3000服务助手\u3000转交给 旗舰店:小美 2026-10-8 9:05:20",
    "旗舰店:智能客服 2026-10-8 9:05:08",
    "旗舰店:小美 撤回了一条消息", "当前用户来自 手机淘宝", "原因：【离线留言自动分配】",
    "已读", "未读", "发送中", " 已读 ", "", "   ", "\x1c", "\u3000", "这个包有黑色吗",
    "  缩进的内容  ", "[自动回复]亲，在的", "【自动回复】稍等", "有的亲\u2028黑色现货", "内容\x1f",
    "a\rb", "2026-10-8 9:05:03",
]


TS = r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}"
OPENER = re.compile(rf"^(?P<nick>\S.*?)\s+(?P<ts>{TS})$")
TRANSFER = re.compile(rf"^由\s*.+?\s*转交给\s*(?P<account>\S+?)\s*(?:原因[:：].*?)?(?:\s+{TS})?$")
SYSTEM_LINE = re.compile(r"^(.+ 撤回了一条消息|当前用户来自.*|原因：.*|已读|未读|发送中)$")
AUTO_MARKS = ("[自动回复]", "【自动回复】")
COLUMNS = ("sent_at", "agent", "buyer", "sender", "content")


@dataclass
class Message:
    line: int
    nick: str
    sent_at: str
    content: list[str]
    transferred_to: str | None  # the account a transfer line just before this message named


@dataclass
class TranscriptRows:
    line_numbers: list[int] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    rejects: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, line: int, values: tuple[str, str, str, str, str]) -> None:
        self.line_numbers.append(line)
        for column, value in zip(COLUMNS, values, strict=True):
            self.columns[column].append(value)

    def table(self) -> pa.Table:
        arrays = {c: pa.array(v, pa.string()) for c, v in self.columns.items()}
        return pa.table({**arrays, "__line": pa.array(self.line_numbers, pa.int64())})


def _is_account(nick: str) -> bool:
    return ":" in nick or "：" in nick


def _sender(nick: str, content: str, bots: tuple[str, ...]) -> str:
    if not _is_account(nick):
        return "buyer"
    name = re.split("[:：]", nick, maxsplit=1)[1]
    if any(b in name for b in bots) or content.startswith(AUTO_MARKS):
        return "auto"
    return "agent"


def _within_shop(account: str, owner: str) -> str:
    """A transfer to a bare sub-account name names one of the owner's shop."""
    shop, colon, _ = owner.replace("：", ":").partition(":")
    return account if not colon or _is_account(account) else f"{shop}:{account}"


def _split_messages(lines: list[str], rows: TranscriptRows) -> list[Message]:
    messages: list[Message] = []
    transfer: str | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if moved := TRANSFER.match(stripped):
            transfer = moved["account"]
        elif opener := OPENER.match(stripped):
            messages.append(Message(number, opener["nick"], opener["ts"], [], transfer))
            transfer = None
        elif SYSTEM_LINE.match(stripped):
            continue
        elif messages:
            messages[-1].content.append(line.rstrip())
        elif stripped:
            rows.rejects.append((number, line, "text outside any message"))
    return messages


def _reference_file_account(path: Path) -> str | None:
    """The sub-account a transcript's file name gives (`旗舰店_小美.txt`, or `旗舰店:小美.txt`
    where the file system allows it), if it names one."""
    shop, sep, name = path.stem.replace("：", ":").replace(":", "_").partition("_")
    return f"{shop}:{name}" if sep and shop and name else None


def reference(lines: list[str], file_account: str | None = None,
              bots: tuple[str, ...] = DEFAULT_BOTS) -> TranscriptRows:
    """The messages of a transcript given as its lines (split on `\n` only, so a U+2028 in a
    message is part of it: `readers.split_lines`). The file's own account is the one that
    speaks most; where no account speaks (only buyers wrote), the one its file name gives."""
    rows = TranscriptRows()
    messages = _split_messages(lines, rows)
    speakers = Counter(m.nick for m in messages if _sender(m.nick, "", bots) == "agent")
    owner = speakers.most_common(1)[0][0] if speakers else file_account or ""
    buyer: str | None = None
    serving = owner
    for m in messages:
        body = "\n".join(m.content).strip()
        sender = _sender(m.nick, body, bots)
        if sender == "buyer" and m.nick != buyer:
            buyer, serving = m.nick, owner
        if m.transferred_to:
            serving = _within_shop(m.transferred_to, owner)
        if sender == "agent":
            serving = m.nick
        if buyer is None:
            raw = "\n".join([f"{m.nick} {m.sent_at}", *m.content])
            rows.rejects.append((m.line, raw, "agent message before any buyer message"))
            continue
        rows.add(m.line, (m.sent_at, serving, buyer, sender, body))
    return rows


def test_whitespace_is_pythons():
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@pytest.mark.parametrize("seed", range(40))
def test_the_set_based_parser_reads_transcripts_as_the_line_by_line_one(seed):
    rng = random.Random(seed)
    for _ in range(25):
        lines = [rng.choice(LINES) for _ in range(rng.randint(0, 30))]
        owner = rng.choice([None, "旗舰店:大涛"])
        bots = rng.choice([DEFAULT_BOTS, ("服务助手",), ()])
        text = "\n".join(lines) + rng.choice(["", "\n", "\r\n"])
        split = line_array(text.encode("utf-8"))
        assert split.to_pylist() == [line.removesuffix("\r") for line in
                                     (text[:-1] if text.endswith("\n") else text).split("\n")
                                     ] if text else split.to_pylist() == []
        expected = reference(split.to_pylist(), owner, bots)
        got = parse_transcript(split, owner, bots)
        assert got.table().to_pylist() == expected.table().to_pylist(), lines
        assert sorted(got.rejects) == sorted(expected.rejects), lines


@pytest.mark.parametrize("seed", range(20))
def test_transcripts_read_together_each_read_as_the_line_by_line_parser_reads_it_alone(seed):
    """A day's files in one frame: no buyer, serving account, transfer or owner crosses from
    one file into the next (a file ending on a transfer, one starting with text or an agent)."""
    rng = random.Random(seed)
    files = [([rng.choice(LINES) for _ in range(rng.randint(0, 30))],
              rng.choice([None, "旗舰店:大涛", "小店:小美"])) for _ in range(rng.randint(1, 8))]
    bots = rng.choice([DEFAULT_BOTS, ()])
    together = parse_transcripts(
        [(line_array("\n".join(lines).encode("utf-8")), account) for lines, account in files],
        bots)
    assert len(together) == len(files)
    for (lines, account), got in zip(files, together, strict=True):
        expected = reference(line_array("\n".join(lines).encode("utf-8")).to_pylist(), account,
                             bots)
        assert got.table().to_pylist() == expected.table().to_pylist(), lines
        assert sorted(got.rejects) == sorted(expected.rejects), lines


def test_an_empty_transcript_has_no_rows():
    got = parse_transcript(line_array(b""), "旗舰店:大涛")
    assert (got.table().num_rows, got.rejects) == (0, [])
