"""千牛 workbench transcripts (`.txt`): one file per sub-account, copied from the chat window.

A line `<nick> YYYY-M-D H:MM:SS` opens a message and the lines under it are its content. Nicks
with a colon are sub-accounts (店铺:名字); 店小蜜 and robot accounts, or content marked
[自动回复], are auto-replies; any other nick is a buyer. A copied transcript keeps each
conversation together, so an agent's message goes to the buyer who spoke last, and a buyer's
message to the account serving them: the file's own account (the one that speaks most) unless a
transfer line (`由 服务助手 转交给 店铺:名字`) handed the buyer on. Recalls, origin notes and
read-state tokens are not messages. Two linear passes over the lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

OPENER = re.compile(r"^(?P<nick>\S.*?)\s+(?P<ts>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2})$")
TRANSFER = re.compile(r"^由 .+ 转交给 (?P<account>\S+)$")
SYSTEM_LINE = re.compile(r"^(.+ 撤回了一条消息|当前用户来自.*|原因：.*|已读|未读|发送中)$")
AUTO_NAMES = ("店小蜜", "机器人", "自动回复")
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


def _sender(nick: str, content: str) -> str:
    if not _is_account(nick):
        return "buyer"
    name = re.split("[:：]", nick, maxsplit=1)[1]
    if any(a in name for a in AUTO_NAMES) or content.startswith(AUTO_MARKS):
        return "auto"
    return "agent"


def _split_messages(lines: list[str], rows: TranscriptRows) -> list[Message]:
    messages: list[Message] = []
    transfer: str | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if opener := OPENER.match(stripped):
            messages.append(Message(number, opener["nick"], opener["ts"], [], transfer))
            transfer = None
        elif moved := TRANSFER.match(stripped):
            transfer = moved["account"]
        elif SYSTEM_LINE.match(stripped):
            continue
        elif messages:
            messages[-1].content.append(line.rstrip())
        elif stripped:
            rows.rejects.append((number, line, "text outside any message"))
    return messages


def file_account(path: Path) -> str | None:
    """The sub-account a transcript's file name gives (`旗舰店_小美.txt`, or `旗舰店:小美.txt`
    where the file system allows it), if it names one."""
    shop, sep, name = path.stem.replace("：", ":").replace(":", "_").partition("_")
    return f"{shop}:{name}" if sep and shop and name else None


def parse_transcript(lines: list[str], file_account: str | None = None) -> TranscriptRows:
    """The messages of a transcript given as its lines (split on `\n` only, so a U+2028 in a
    message is part of it: `readers.split_lines`). The file's own account is the one that
    speaks most; where no account speaks (only buyers wrote), the one its file name gives."""
    rows = TranscriptRows()
    messages = _split_messages(lines, rows)
    speakers = Counter(m.nick for m in messages if _sender(m.nick, "") == "agent")
    owner = speakers.most_common(1)[0][0] if speakers else file_account or ""
    buyer: str | None = None
    serving = owner
    for m in messages:
        body = "\n".join(m.content).strip()
        sender = _sender(m.nick, body)
        if sender == "buyer" and m.nick != buyer:
            buyer, serving = m.nick, owner
        serving = m.transferred_to or serving
        if sender == "agent":
            serving = m.nick
        if buyer is None:
            raw = "\n".join([f"{m.nick} {m.sent_at}", *m.content])
            rows.rejects.append((m.line, raw, "agent message before any buyer message"))
            continue
        rows.add(m.line, (m.sent_at, serving, buyer, sender, body))
    return rows
