"""Reading the landing files: each source's header aliases (SPEC section 4), decoding, the CSV,
JSONL, xlsx and 千牛 transcript readers, and a source's month of files as one frame of text
columns."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .common import US, BaselineError

SOURCES = ("chats", "orders", "refunds", "ratings")
EXTENSIONS = {"chats": (".csv", ".xlsx", ".jsonl", ".txt"), "orders": (".csv", ".xlsx", ".jsonl"),
              "refunds": (".csv", ".xlsx", ".jsonl"), "ratings": (".csv", ".xlsx", ".jsonl")}
# canonical field -> header aliases (matched trimmed, case-insensitively; the canonical name is
# its own alias), as SPEC section 4 lists them
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "chats": {"sent_at": ("时间", "发送时间", "消息时间", "time"),
              "agent": ("客服", "客服账号", "子账号", "客服昵称"),
              "buyer": ("买家", "买家昵称", "顾客", "customer"),
              "sender": ("发送方", "发送者", "方向", "role"),
              "content": ("内容", "消息内容", "message"), "message_id": ("消息ID", "消息id")},
    "orders": {"order_id": ("订单编号",), "buyer": ("买家会员名",), "amount": ("买家实际支付金额",),
               "status": ("订单状态",), "created_at": ("订单创建时间",),
               "paid_at": ("订单付款时间",), "refund_amount": ("退款金额",), "shop": ("店铺名称",)},
    "refunds": {"order_id": ("订单编号",), "refund_id": ("退款编号",),
                "refund_amount": ("买家退款金额",), "applied_at": ("退款的申请时间",),
                "status": ("退款状态",), "reason": ("买家退款原因",)},
    "ratings": {"rated_at": ("评价时间",), "agent": ("客服", "客服账号", "子账号", "客服昵称"),
                "buyer": ("买家", "买家昵称", "顾客", "customer"),
                "rating": ("评价结果", "评价", "满意度", "服务评价")},
}
OPTIONAL = {"content", "message_id", "refund_amount", "shop", "reason"}


# --- reading the landing files --------------------------------------------------------------


def decode(path: Path, data: bytes) -> str:
    """UTF-8 with BOM, UTF-8, else GBK/GB18030 (Taobao's own exports): detected, not guessed."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BaselineError(f"{path}: neither UTF-8 nor GBK")


def split_lines(text: str) -> list[str]:
    """Lines split on \\n only (a U+2028 inside a message is data), without \\r\\n endings."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_csv(path: Path, data: bytes, source: str) -> pd.DataFrame:
    # Only the columns the payroll needs (an order export has 46). pyarrow as pandas' engine:
    # like kefu it skips rows with too few or too many fields (the C engine would silently pad
    # a short row), and every value stays text.
    text = decode(path, data)
    header = next(csv.reader([text.split("\n", 1)[0]]), [])
    wanted = set(match_headers(source, header).values())
    frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype="str", engine="pyarrow",
                        on_bad_lines="skip", usecols=[h for h in header if h in wanted])
    return frame.fillna("")


def read_jsonl(path: Path, data: bytes, source: str) -> pd.DataFrame:
    text = decode(path, data)
    try:
        # not engine="pyarrow": it would type ISO times as timestamps, and every value must
        # stay the text the export wrote
        frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
    except ValueError:
        # a line that is not a JSON object is rejected by kefu; read the others one by one
        rows = []
        for line in split_lines(text):
            try:
                obj = json.loads(line) if line.strip() else None
            except ValueError:
                continue
            if isinstance(obj, dict):
                rows.append(obj)
        frame = pd.DataFrame(rows)
    # json_extract_string's text of every value; a JSON null or a missing key is empty
    return frame.astype("str").where(frame.notna(), "")


def read_xlsx(path: Path, data: bytes, source: str) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(data), engine="calamine", dtype="str", na_filter=False)


TRANSCRIPT_OPENER = re.compile(
    r"^(?P<nick>\S.*?)\s+(?P<ts>\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2})$")
TRANSCRIPT_TRANSFER = re.compile(r"^由 .+ 转交给 (?P<account>\S+)$")
TRANSCRIPT_SYSTEM = re.compile(r"^(.+ 撤回了一条消息|当前用户来自.*|原因：.*|已读|未读|发送中)$")
AUTO_NAMES = ("店小蜜", "机器人", "自动回复")


def _nick_sender(nick: str, content: str) -> str:
    if ":" not in nick and "：" not in nick:
        return "buyer"  # a nick without 店铺: is a buyer
    name = re.split("[:：]", nick, maxsplit=1)[1]
    auto = any(a in name for a in AUTO_NAMES) or content.startswith(("[自动回复]", "【自动回复】"))
    return "auto" if auto else "agent"


def read_txt(path: Path, data: bytes) -> list[tuple[str, str, str, str, str]]:
    """A 千牛 workbench copy: `<nick> YYYY-M-D H:MM:SS` opens a message, lines under it are its
    content; system lines and read-state tokens are not messages. A copied transcript keeps each
    conversation together, so an agent's message goes to the buyer who spoke last and a
    buyer's to the account serving them: the file's own (the one that speaks most, else the
    file name's) unless a transfer line handed the buyer on."""
    messages: list[list[Any]] = []  # [nick, ts, content lines, transferred_to]
    transfer = None
    for line in split_lines(decode(path, data)):
        stripped = line.strip()
        if opener := TRANSCRIPT_OPENER.match(stripped):
            messages.append([opener["nick"], opener["ts"], [], transfer])
            transfer = None
        elif moved := TRANSCRIPT_TRANSFER.match(stripped):
            transfer = moved["account"]
        elif TRANSCRIPT_SYSTEM.match(stripped):
            continue
        elif messages:
            messages[-1][2].append(line.rstrip())
    speakers = Counter(m[0] for m in messages if _nick_sender(m[0], "") == "agent")
    shop, sep, name = path.stem.replace("：", ":").replace(":", "_").partition("_")
    owner = speakers.most_common(1)[0][0] if speakers else \
        (f"{shop}:{name}" if sep and shop and name else "")
    rows = []
    buyer, serving = None, owner
    for nick, ts, content, moved_to in messages:
        body = "\n".join(content).strip()
        sender = _nick_sender(nick, body)
        if sender == "buyer" and nick != buyer:
            buyer, serving = nick, owner
        serving = moved_to or serving
        if sender == "agent":
            serving = nick
        if buyer is not None:  # an agent line before any buyer is rejected by kefu
            rows.append((ts, serving, buyer, sender, body))
    return rows


READERS = {".csv": read_csv, ".jsonl": read_jsonl, ".xlsx": read_xlsx}
TRANSCRIPT_COLUMNS = ["sent_at", "agent", "buyer", "sender", "content"]


def match_headers(source: str, headers: list[str]) -> dict[str, str]:
    """canonical field -> the file's header holding it (trimmed, case-insensitive; for each
    field its own name first, then its aliases in order)."""
    by_alias: dict[str, str] = {}
    for header in headers:
        by_alias.setdefault(str(header).strip().lower(), header)
    found = {}
    for name, aliases in ALIASES[source].items():
        header = next((by_alias[a.lower()] for a in (name, *aliases) if a.lower() in by_alias),
                      None)
        if header is not None:
            found[name] = header
    return found


def canonical(source: str, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The file's columns renamed to the canonical fields; a missing optional one is empty."""
    found = match_headers(source, list(frame.columns))
    missing = [n for n in ALIASES[source] if n not in found and n not in OPTIONAL]
    if missing and len(frame.columns):
        raise BaselineError(f"{path}: no recognisable {source} header: missing "
                            f"{', '.join(missing)}")
    return pd.DataFrame({name: frame[found[name]] if name in found
                         else pd.Series(np.nan, index=frame.index, dtype="str")
                         for name in ALIASES[source]}, index=frame.index)


def read_source(landing: Path, source: str, days: list[date]) -> pd.DataFrame:
    """Every file of the month's day folders of one source, one frame of text columns, with its
    export day and, in `file`, the file's rank in (day, path) order; rows keep their order in
    the file. The same bytes in several folders are read once, from the earliest (day, path),
    as kefu's loader does (it matters: the latest export of an order wins, and a re-sent copy
    must not make an old status the latest)."""
    seen: set[str] = set()
    frames, export_days = [], []
    transcript_rows: list[tuple[str, str, str, str, str]] = []
    transcript_file: list[int] = []

    def flush_transcripts() -> None:
        if transcript_rows:
            frame = pd.DataFrame(transcript_rows, columns=TRANSCRIPT_COLUMNS, dtype="str")
            frames.append(canonical(source, frame, Path("*.txt")).assign(file=transcript_file))
            transcript_rows.clear()
            transcript_file.clear()

    for day in days:
        flush_transcripts()  # a day's worth of Python tuples at a time, not the month's
        folder = landing / source / day.isoformat()
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir()
                           if p.is_file() and not p.name.startswith(".")):
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen:
                continue
            seen.add(sha)
            suffix = path.suffix.lower()
            if suffix not in EXTENSIONS[source]:
                raise BaselineError(f"{path}: unsupported file type for {source}")
            rank = len(export_days)
            export_days.append(day)
            if suffix == ".txt":
                # a shop has a transcript per sub-account per day: one frame for all of them
                rows = read_txt(path, data)
                transcript_rows += rows
                transcript_file += [rank] * len(rows)
                continue
            frame = canonical(source, READERS[suffix](path, data, source), path)
            frames.append(frame.assign(file=rank))
    flush_transcripts()
    if not frames:
        frames.append(canonical(source, pd.DataFrame(), Path(source)).assign(file=0))
    out = pd.concat(frames, ignore_index=True).sort_values("file", kind="stable")
    day_of = pd.Series(pd.to_datetime(export_days or [days[0]]).astype(US))
    out["export_day"] = day_of.to_numpy()[out["file"].to_numpy(dtype=np.int64)]
    out["row"] = np.arange(len(out))  # file order: (export day, path, row in the file)
    return out.reset_index(drop=True)
