"""The benchmark's baseline: the month's payroll as a competent shop analyst would compute it
in one pandas script, from the same landing files and config as kefu-payroll.

It is not part of the product and shares no code with it (no `pipelines.*` or `assets.*`
import, no DuckDB, no Polars): it re-implements SPEC sections 4-7 the way kefu applies them, so
`make bench` can time the two side by side and `compare()` can show they pay the same to the
cent. Where kefu's rule is a choice rather than the spec's words, the comment says which file
of kefu it mirrors.

    python -m pipelines.bench.baseline_pandas --landing data/landing --config config \
        --month 2026-10 --out payroll.csv [--lines kpi_lines.csv]

Like `kefu backfill --month`, it reads the day folders of that month only: an order's latest
export within the month wins, and the 15-day after-sale look-back sees the month's exports.
Money is integer cents until the pay lines, which are exact `Decimal`/`Fraction`, rounded
half-up to the cent line by line.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from calendar import monthrange
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

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

SENDERS = {"buyer": "buyer", "买家": "buyer", "顾客": "buyer", "agent": "agent", "客服": "agent",
           "auto": "auto", "自动回复": "auto", "机器人": "auto", "店小蜜": "auto",
           "system": "system", "系统": "system"}
# same-second messages sort buyer, auto, agent, system, so a same-second reply answers
SENDER_RANK = {"buyer": 0, "auto": 1, "agent": 2, "system": 3}
SELLER_CENTER_STATUSES = (
    "等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认",
    "卖家已发货，等待买家确认收货并付款", "买家已签收", "交易成功", "交易关闭", "交易被淘宝关闭",
)
# the API enums some tools write, mapped onto the seller-center wording
ORDER_STATUS = {
    "WAIT_BUYER_PAY": "等待买家付款", "WAIT_SELLER_SEND_GOODS": "买家已付款，等待卖家发货",
    "WAIT_BUYER_CONFIRM_GOODS": "卖家已发货，等待买家确认", "TRADE_FINISHED": "交易成功",
    "TRADE_CLOSED": "交易关闭", "TRADE_CLOSED_BY_TAOBAO": "交易被淘宝关闭",
    **{s: s for s in SELLER_CENTER_STATUSES},
}
RATINGS = {"很满意": 5, "非常满意": 5, "满意": 4, "一般": 3, "不满意": 2, "很不满意": 1,
           "非常不满意": 1, "5": 5, "4": 4, "3": 3, "2": 2, "1": 1}
# marts.agent_monthly_metrics' numerator, denominator and sample for each KPI metric
METRICS = {"inquiry_conversion": ("converted_buyers", "inquiry_buyers", "inquiry_buyers"),
           "avg_response_seconds": ("answered_wait_seconds", "answered_waits", "answered_waits"),
           "first_response_seconds": ("first_response_seconds_total", "first_responses",
                                      "first_responses"),
           "reply_rate": ("received_buyers", "consulted_buyers", "consulted_buyers"),
           "satisfaction": ("satisfied_ratings", "ratings", "ratings"),
           "refund_rate": ("refunded_cents", "refund_base_cents", "credited_orders"),
           "slow_response_rate": ("slow_responses", "slow_base", "slow_base"),
           "qa_ratio": ("agent_messages", "buyer_messages", "buyer_messages")}
MONEY_COLUMNS = {"refunded_cents", "refund_base_cents"}
INQUIRY_LOOKBACK = pd.Timedelta(days=15)  # a paid order this recent makes the chat after-sale
# DuckDB's regex \s: Python's \s would also eat U+3000 and friends
RE2_SPACE = "[\t\n\f\r ]"
US = "datetime64[us]"  # one resolution for every time and day column, so merges line up


class BaselineError(Exception):
    """A file the pipeline would refuse too (unreadable, no header, a bad adjustment)."""


# --- config ---------------------------------------------------------------------------------


def _dec(value: Any) -> Decimal:
    """YAML floats through their text: 0.2 must be Decimal('0.2'), not the binary float."""
    return Decimal(str(value))


@dataclass(frozen=True)
class Plan:
    id: str
    window_days: int
    session_gap: pd.Timedelta
    slow_seconds: int
    service_start: int          # seconds after midnight, inclusive
    service_end: int            # exclusive
    promo_excluded: frozenset[str]
    levels: dict[str, Decimal]
    kpi: dict[str, list[dict[str, Any]]]
    tiers: list[tuple[Decimal, Decimal]]  # (min_score, base), highest first
    prorate: bool


def _clock(text: str) -> int:
    h, m = (int(x) for x in text.strip().split(":"))
    return h * 3600 + m * 60


def load_plan(path: Path, first: date) -> Plan:
    """The version in force on the month's first day (the latest effective_from on or before)."""
    versions = yaml.safe_load(path.read_text(encoding="utf-8-sig"))["versions"]
    in_force = [v for v in versions if date.fromisoformat(str(v["effective_from"])) <= first]
    if not in_force:
        raise BaselineError(f"{path}: no plan version in force on {first}")
    v = max(in_force, key=lambda v: date.fromisoformat(str(v["effective_from"])))
    start, end = v["service_hours"].split("-")
    kpi = {role: [{"metric": line["metric"], "weight": _dec(line["weight"]),
                   "worst": _dec(line["worst"]), "best": _dec(line["best"]),
                   "min_sample": int(line.get("min_sample", 0))} for line in lines]
           for role, lines in v["kpi"].items()}
    tiers = sorted(((_dec(t["min_score"]), _dec(t["base"])) for t in v["bonus_tiers"]),
                   reverse=True)
    return Plan(str(v["id"]), int(v["attribution"]["window_days"]),
                pd.Timedelta(minutes=int(v["session_gap_minutes"])),
                int(v["slow_response_seconds"]), _clock(start), _clock(end),
                frozenset(v.get("promo_days_excluded_from") or []),
                {str(k): _dec(x) for k, x in v["levels"].items()}, kpi, tiers,
                bool(v["prorate"]))


def promo_days(path: Path) -> set[date]:
    """Every promotion day of calendar.yaml (`promotions:` or a bare list of periods)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) if path.exists() else None
    periods = data.get("promotions", []) if isinstance(data, dict) else (data or [])
    days: set[date] = set()
    for p in periods:
        a, b = date.fromisoformat(str(p["from"])), date.fromisoformat(str(p["to"]))
        days.update(a + timedelta(days=i) for i in range((b - a).days + 1))
    return days


def load_roster(path: Path) -> pd.DataFrame:
    roster = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    roster.columns = [c.strip() for c in roster.columns]
    roster = roster.apply(lambda col: col.str.strip())
    roster = roster[(roster != "").any(axis=1)]
    # the roster's 主账号:子账号 may be typed with the full-width colon
    roster["account"] = roster["account"].str.replace("：", ":").str.strip()
    roster["effective_from"] = pd.to_datetime(roster["effective_from"], format="%Y-%m-%d") \
        .astype(US)
    # an open end (empty) is any day after the month
    roster["effective_to"] = pd.to_datetime(roster["effective_to"].replace("", "2200-01-01"),
                                            format="%Y-%m-%d").astype(US)
    return roster


def held_by_day(roster: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """(day, roster row) for every roster row in force that day: who holds which account."""
    grid = roster.merge(pd.DataFrame({"day": days.astype(US)}), how="cross")
    return grid[(grid["day"] >= grid["effective_from"]) & (grid["day"] <= grid["effective_to"])]


def load_adjustments(landing: Path, month: str, roster: pd.DataFrame, first: date,
                     last: date) -> pd.DataFrame:
    """adjustments/<month>/*.csv, validated as kefu validates them: a bad row stops the run."""
    folder = landing / "adjustments" / month
    files = sorted(p for p in folder.iterdir() if p.is_file()
                   and not p.name.startswith((".", "~$"))) if folder.is_dir() else []
    frames = []
    for path in files:
        if path.suffix.lower() != ".csv":
            raise BaselineError(f"{path}: not a .csv file")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.columns = [c.strip() for c in frame.columns]
        if sorted(frame.columns) != ["amount", "employee_id", "kind", "reason"]:
            raise BaselineError(f"{path}: line 1: header must be employee_id,kind,amount,reason")
        frame = frame.apply(lambda col: col.str.strip())
        frames.append(frame[(frame != "").any(axis=1)])
    if not frames:
        return pd.DataFrame({"employee_id": [], "kind": [], "amount": []})
    adj = pd.concat(frames, ignore_index=True)
    on_roster = set(roster.loc[(roster["effective_from"] <= pd.Timestamp(last))
                               & (roster["effective_to"] >= pd.Timestamp(first)), "employee_id"])
    bad = ~adj["employee_id"].isin(on_roster) | ~adj["kind"].isin(["qa_points", "pay"]) \
        | ~adj["amount"].str.fullmatch(r"[+-]?\d+(\.\d{1,2}0*)?") | (adj["reason"] == "")
    if bad.any():
        raise BaselineError(f"adjustments/{month}: bad rows:\n{adj[bad].to_string()}")
    adj["amount"] = adj["amount"].map(lambda s: Decimal(s).quantize(Decimal("0.01")))
    return adj


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


# --- value parsers (sql/macros.sql's rules, on whole columns) --------------------------------


def text(s: pd.Series) -> pd.Series:
    """Excel-proofed text: ="123" and '123 are how Taobao stops Excel mangling ids; ="" and
    blank are missing. Trimmed of spaces only, as DuckDB's trim."""
    # pandas' str dtype (Arrow-backed) throughout: its string kernels run in C, and merge keys
    # from different frames share one type. Its regular expressions run on RE2 (as DuckDB's
    # do) or, for str.extract, on Python's re: the patterns here mean the same on both.
    s = s.astype("str")
    out = s.str.strip(" ")
    proofed = (s.str.contains('="', regex=False) | s.str.contains("'", regex=False)) \
        .fillna(False).astype(bool)
    if proofed.any():
        p = out[proofed].str.replace(r'^="(.*)"$', r"\1", n=1, regex=True) \
            .str.replace(r"^'", "", n=1, regex=True).str.strip(" ")
        out = out.where(~proofed, p)
    return out.where(out != "")


def money_cents(s: pd.Series) -> pd.Series:
    """1299 / 1,299.00 / ¥1299.00 / 1299.00元 -> cents (Int64); more than 2 decimals is
    unreadable rather than silently rounded."""
    digits = text(s).str.replace(f"[¥￥元,]|{RE2_SPACE}", "", regex=True)
    digits = digits.where(digits.str.fullmatch(r"-?[0-9]{1,16}(\.[0-9]{1,2})?").fillna(False))
    # whole units and cents as integers apart: no float ever holds the amount
    parts = digits.str.lstrip("-").str.split(".", n=1, expand=True).reindex(columns=[0, 1])
    cents = pd.to_numeric(parts[0]).astype("Int64") * 100 \
        + pd.to_numeric(parts[1].str.ljust(2, "0")).astype("Int64").fillna(0)
    return cents.where(~digits.str.startswith("-").fillna(False), -cents)


_TS = (r"^(\d{4})([-/])(\d{1,2})[-/](\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
       r"|T(\d{1,2}):(\d{1,2}):(\d{1,2}))$")
_TS_OFFSET = (r"^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})"
              r"(?:([+-])(\d{2}):?(\d{2})|Z)$")
SHANGHAI = pd.Timedelta(hours=8)  # no DST since 1991


def timestamps(s: pd.Series) -> pd.Series:
    """Shop-local wall time: `2026-10-01 10:48:12`, `2026/10/1 10:48`, `...T10:48:12`, and an
    explicit offset converted to Asia/Shanghai. NaT when unreadable."""
    t = text(s)
    # the common shape first, at C speed; the rest through the full rule
    out = pd.to_datetime(t, format="%Y-%m-%d %H:%M:%S", errors="coerce").astype(US)
    rest = out.isna() & t.notna()
    if not rest.any():
        return out
    # then the JSON exports' ISO time with an offset, also at C speed
    zoned_fast = pd.to_datetime(t[rest], format="%Y-%m-%dT%H:%M:%S%z", errors="coerce",
                                utc=True)
    zoned_fast = (zoned_fast.dt.tz_localize(None) + SHANGHAI).astype(US)
    out.loc[zoned_fast.index] = zoned_fast
    rest = out.isna() & t.notna()
    if not rest.any():
        return out
    r = t[rest]
    offset = r.str.contains(r"(?:[+-][0-9]{2}:?[0-9]{2}|Z)$", regex=True)
    plain, zoned = r[~offset].str.extract(_TS), r[offset].str.extract(_TS_OFFSET)

    def build(y: pd.Series, mo: pd.Series, d: pd.Series, h: pd.Series, mi: pd.Series,
              sec: pd.Series) -> pd.Series:
        parts = pd.DataFrame({"year": y, "month": mo, "day": d, "hour": h, "minute": mi,
                              "second": sec}).apply(pd.to_numeric)
        ok = (parts["hour"] < 24) & (parts["minute"] < 60) & (parts["second"] < 60)
        return pd.to_datetime(parts.where(ok), errors="coerce").astype(US)

    if len(plain):
        tee = plain[7].notna()
        # one separator throughout (RE2 has no backreference), and the T form with dashes
        same_sep = r[~offset].str.count("/").isin([0, 2])
        plain = plain.where(same_sep & ~(tee & (plain[1] == "/")))
        built = build(plain[0], plain[2], plain[3], plain[4].where(~tee, plain[7]),
                      plain[5].where(~tee, plain[8]),
                      plain[6].where(~tee, plain[9]).fillna("0"))
        out.loc[built.index] = built
    if len(zoned):
        local = build(*(zoned[i] for i in range(6)))
        sign = zoned[6].map({"+": 1, "-": -1}).fillna(0)
        shift = pd.to_timedelta(sign * (pd.to_numeric(zoned[7]).fillna(0) * 60
                                        + pd.to_numeric(zoned[8]).fillna(0)), unit="min")
        out.loc[local.index] = local - shift + SHANGHAI
    return out


def accounts(s: pd.Series) -> pd.Series:
    """店铺:名字, the full-width colon the same account; spaces around the (first) colon go."""
    a = text(s).str.replace("：", ":", regex=False) \
        .str.replace(f"{RE2_SPACE}*:{RE2_SPACE}*", ":", n=1, regex=True)
    return a.where(a != "")


# --- staging: typed, checked, de-duplicated --------------------------------------------------


def stage_chats(raw: pd.DataFrame) -> pd.DataFrame:
    sent_at = timestamps(raw["sent_at"])
    agent, buyer = accounts(raw["agent"]), text(raw["buyer"])
    sender = text(raw["sender"]).str.lower().map(SENDERS)
    # sql/ingest/check_chats.sql: these rows go to raw.rejected_rows
    ok = sent_at.notna() & agent.notna() & buyer.notna() & sender.notna()
    m = pd.DataFrame({"sent_at": sent_at, "agent": agent, "buyer": buyer, "sender": sender,
                      "content": raw["content"].astype("str").str.strip(" ").fillna(""),
                      "message_id": text(raw["message_id"]), "export_day": raw["export_day"],
                      "file": raw["file"]})[ok]
    # sql/staging/chat_messages.sql: a message is its message_id, else (time, account, buyer,
    # sender, content, ordinal in its file); the same message landed in several files or on
    # several export days counts once.
    # kefu hashes those fields into one key; comparing the columns themselves is the same test.
    fields = ["sent_at", "agent", "buyer", "sender", "content"]
    has_id = m["message_id"].notna()
    key = m[fields].assign(ordinal=m.groupby(["export_day", "file", *fields],
                                             sort=False).cumcount())
    key = key.mask(has_id, axis=0).assign(message_id=m["message_id"])
    # what the metrics need of a message; the rest only told copies apart
    return m.loc[~key.duplicated(keep="first"), ["sent_at", "agent", "buyer", "sender"]]


def stage_orders(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_orders.sql, then sql/staging/orders.sql: one row per order, from the
    latest export day it appeared in (the last row of it there)."""
    order_id, buyer = text(raw["order_id"]), text(raw["buyer"])
    amount, status = money_cents(raw["amount"]), text(raw["status"]).map(ORDER_STATUS)
    created, paid_text = timestamps(raw["created_at"]), text(raw["paid_at"])
    paid = timestamps(raw["paid_at"])
    refund_text, refund = text(raw["refund_amount"]), money_cents(raw["refund_amount"])
    ok = (order_id.str.fullmatch("[0-9]+").fillna(False).astype(bool) & buyer.notna()
          & amount.notna() & (amount >= 0).fillna(False) & status.notna() & created.notna()
          & (paid_text.isna() | paid.notna()) & (refund_text.isna() | refund.notna())
          & (refund.fillna(0) >= 0))
    o = pd.DataFrame({"order_id": order_id, "buyer": buyer, "amount": amount,
                      "created_at": created, "paid_at": paid, "row": raw["row"]})[ok]
    return o.sort_values("row").drop_duplicates("order_id", keep="last")


def stage_refunds(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_refunds.sql, sql/staging/refunds.sql: the latest row per refund id;
    only 退款成功 is a refund."""
    order_id, refund_id = text(raw["order_id"]), text(raw["refund_id"])
    amount, status = money_cents(raw["refund_amount"]), text(raw["status"])
    ok = (order_id.notna() & refund_id.notna() & amount.notna() & (amount >= 0).fillna(False)
          & timestamps(raw["applied_at"]).notna() & status.notna())
    r = pd.DataFrame({"refund_id": refund_id, "order_id": order_id, "refund_cents": amount,
                      "refunded": status == "退款成功", "row": raw["row"]})[ok]
    return r.sort_values("row").drop_duplicates("refund_id", keep="last")


def stage_ratings(raw: pd.DataFrame) -> pd.DataFrame:
    """sql/ingest/check_ratings.sql; a rating (time, account, buyer, result) exported on several
    days or in several files counts once (sql/readers.sql)."""
    r = pd.DataFrame({"rated_at": timestamps(raw["rated_at"]), "agent": accounts(raw["agent"]),
                      "buyer": text(raw["buyer"]), "rating": text(raw["rating"]).map(RATINGS)})
    return r.dropna().drop_duplicates()


# --- metrics ---------------------------------------------------------------------------------


def waits(m: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """One row per buyer wait (sql/intermediate/chat_waits.sql): sessions per day, account and
    buyer split at gaps over session_gap_minutes; a wait starts at the first buyer message after
    the last human reply and ends at the next human reply (auto and system never answer)."""
    m = m.assign(rank=m["sender"].map(SENDER_RANK), agent_code=pd.factorize(m["agent"])[0],
                 buyer_code=pd.factorize(m["buyer"])[0])
    m = m.sort_values(["day", "agent_code", "buyer_code", "sent_at", "rank"], kind="stable")
    conv = m[["day", "agent_code", "buyer_code"]]
    new_conv = (conv != conv.shift()).any(axis=1).to_numpy()
    gap = (m["sent_at"].diff() > plan.session_gap).to_numpy()
    new_session = new_conv | gap
    session = np.cumsum(new_session)
    is_agent = (m["sender"] == "agent").to_numpy()
    is_buyer = (m["sender"] == "buyer").to_numpy()
    # a new wait after each human reply: the reply closes the wait it is part of
    new_wait = new_session | np.concatenate([[True], is_agent[:-1]])
    wait = np.cumsum(new_wait)
    frame = pd.DataFrame({"wait": wait, "session": session, "sent_at": m["sent_at"].to_numpy(),
                          "day": m["day"].to_numpy(), "agent": m["agent"].to_numpy()})
    buyer_part = frame[is_buyer].groupby("wait").agg(
        session=("session", "first"), day=("day", "first"), agent=("agent", "first"),
        start=("sent_at", "min"))
    answered = frame[is_agent].groupby("wait")["sent_at"].min().rename("answered_at")
    w = buyer_part.join(answered)
    w["seconds"] = (w["answered_at"] - w["start"]).dt.total_seconds()
    w["first"] = ~w["session"].duplicated()  # waits are in session order: first of each
    clock = (w["start"] - w["start"].dt.floor("D")).dt.total_seconds()
    w["counted"] = (clock >= plan.service_start) & (clock < plan.service_end)
    return w.reset_index(drop=True)


def attribution(messages: pd.DataFrame, orders: pd.DataFrame, first: date, last: date,
                plan: Plan) -> pd.DataFrame:
    """下单优先判定 (sql/intermediate/order_attribution.sql): each order created on the month's
    days and the window after them goes to the account of the buyer's last human reply at or
    before it, if it falls on that reply's day or one of window_days after; two accounts
    replying in the same second: the alphabetically first."""
    replies = messages[messages["sender"] == "agent"].groupby(["buyer", "sent_at"], as_index=False,
                                                              sort=False)["agent"].min()
    created_day = orders["created_at"].dt.floor("D")
    o = orders[(created_day >= pd.Timestamp(first))
               & (created_day <= pd.Timestamp(last) + pd.Timedelta(days=plan.window_days))]
    o = pd.merge_asof(o.sort_values("created_at"),
                      replies.rename(columns={"sent_at": "reply_at"}).sort_values("reply_at"),
                      left_on="created_at", right_on="reply_at", by="buyer",
                      direction="backward", allow_exact_matches=True)
    credit_day = o["reply_at"].dt.floor("D")
    in_window = o["created_at"].dt.floor("D") <= credit_day + pd.Timedelta(days=plan.window_days)
    return o.assign(credit_day=credit_day.where(in_window), account=o["agent"].where(in_window))


def daily_metrics(landing: Path, config: Path, month: str) -> tuple[pd.DataFrame, Plan]:
    """marts.agent_daily_metrics: one row per day and employee on the roster that day."""
    first = date.fromisoformat(f"{month}-01")
    last = first.replace(day=monthrange(first.year, first.month)[1])
    days = [first + timedelta(days=i) for i in range(last.day)]
    plan = load_plan(config / "plan.yaml", first)
    roster = load_roster(config / "roster.csv")
    held = held_by_day(roster, pd.DatetimeIndex(days))
    # an employee's level and role on a day: of the roster row that started last
    employees = held.sort_values("effective_from").groupby(["day", "employee_id"]).last() \
        .reset_index()[["day", "employee_id", "name", "level", "role"]]
    owner = held[["day", "account", "employee_id"]].rename(columns={"account": "agent"})

    messages = stage_chats(read_source(landing, "chats", days))
    orders = stage_orders(read_source(landing, "orders", days))
    refunds = stage_refunds(read_source(landing, "refunds", days))
    ratings = stage_ratings(read_source(landing, "ratings", days))

    messages["day"] = messages["sent_at"].dt.floor("D")
    month_messages = messages[(messages["day"] >= pd.Timestamp(first))
                              & (messages["day"] <= pd.Timestamp(last))]
    keys = ["day", "employee_id"]

    # waits, on the sub-account they were waited on, then the employee holding it that day
    w = waits(month_messages, plan).merge(owner, on=["day", "agent"])
    counted = w[w["counted"]]
    answered = counted[counted["answered_at"].notna()]
    firsts = answered[answered["first"]]
    wait_counts = pd.concat([
        answered.groupby(keys).size().rename("answered_waits"),
        answered.groupby(keys)["seconds"].sum().rename("answered_wait_seconds"),
        firsts.groupby(keys).size().rename("first_responses"),
        firsts.groupby(keys)["seconds"].sum().rename("first_response_seconds_total"),
        answered[answered["seconds"] > plan.slow_seconds].groupby(keys).size()
        .rename("slow_responses"),
    ], axis=1)

    mm = month_messages.merge(owner, on=["day", "agent"])
    mm["is_buyer"] = mm["sender"] == "buyer"
    mm["is_agent"] = mm["sender"] == "agent"
    message_counts = mm.groupby(keys)[["is_agent", "is_buyer"]].sum().rename(
        columns={"is_agent": "agent_messages", "is_buyer": "buyer_messages"})

    # buyers who wrote to the employee that day; received = got a human reply that day
    buyers = mm.groupby([*keys, "buyer"]).agg(buyer_messages=("is_buyer", "sum"),
                                              replies=("is_agent", "sum")).reset_index()
    buyers = buyers[buyers["buyer_messages"] > 0]
    first_seen = mm[mm["is_buyer"]].groupby([*keys, "buyer"])["sent_at"].min() \
        .rename("first_message_at")
    buyers = buyers.join(first_seen, on=[*keys, "buyer"])
    received = buyers[buyers["replies"] > 0].sort_values("first_message_at")
    # an inquiry unless the buyer had a paid order in the 15 days before their first message
    paid = orders.loc[orders["paid_at"].notna(), ["buyer", "paid_at"]].sort_values("paid_at")
    received = pd.merge_asof(received, paid, left_on="first_message_at", right_on="paid_at",
                             by="buyer", direction="backward", allow_exact_matches=False)
    received["inquiry"] = ~(received["paid_at"] >= received["first_message_at"]
                            - INQUIRY_LOOKBACK)

    refunded = refunds[refunds["refunded"]].groupby("order_id")["refund_cents"].sum()
    credited = attribution(messages, orders, first, last, plan)
    credited = credited[credited["paid_at"].notna() & credited["credit_day"].notna()]
    credited = credited.merge(owner.rename(columns={"agent": "account", "day": "credit_day"}),
                              on=["credit_day", "account"]).rename(columns={"credit_day": "day"})
    credited = credited[(credited["day"] >= pd.Timestamp(first))
                        & (credited["day"] <= pd.Timestamp(last))]
    credited["refunded_cents"] = credited["order_id"].map(refunded).fillna(0).astype("int64")
    sales = credited.groupby(keys).agg(credited_orders=("order_id", "size"),
                                       sales_cents=("amount", "sum"),
                                       refunded_cents=("refunded_cents", "sum"))
    converted = received[received["inquiry"]].merge(
        credited[[*keys, "buyer"]].drop_duplicates(), on=[*keys, "buyer"])
    buyer_counts = pd.concat([
        buyers.groupby(keys).size().rename("consulted_buyers"),
        received.groupby(keys).size().rename("received_buyers"),
        received.groupby(keys)["inquiry"].sum().rename("inquiry_buyers"),
        converted.groupby(keys).size().rename("converted_buyers"),
    ], axis=1)

    ratings["day"] = ratings["rated_at"].dt.floor("D")
    rated = ratings.merge(owner, on=["day", "agent"])
    rated["satisfied"] = rated["rating"] >= 4
    rating_counts = rated.groupby(keys).agg(ratings=("rating", "size"),
                                            satisfied_ratings=("satisfied", "sum"))

    daily = employees.set_index(keys).join(
        [buyer_counts, message_counts, wait_counts, sales, rating_counts])
    numeric = [c for c in daily.columns if c not in ("name", "level", "role")]
    daily[numeric] = daily[numeric].fillna(0).astype("int64")
    daily = daily.reset_index()
    daily["promo"] = daily["day"].dt.date.isin(promo_days(config / "calendar.yaml"))
    return daily, plan


def monthly_metrics(daily: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """marts.agent_monthly_metrics: the month's summed numerators and denominators, promotion
    days left out of the metrics the plan lists; level and role of the last employed day."""
    d = daily.sort_values("day")
    per_metric = {"reply_rate": ["consulted_buyers", "received_buyers"],
                  "avg_response_seconds": ["answered_waits", "answered_wait_seconds"],
                  "first_response_seconds": ["first_responses", "first_response_seconds_total"],
                  "slow_response_rate": ["slow_responses", "slow_base"],
                  "qa_ratio": ["agent_messages", "buyer_messages"],
                  "inquiry_conversion": ["inquiry_buyers", "converted_buyers"],
                  "refund_rate": ["refunded_cents", "refund_base_cents"],
                  "satisfaction": ["ratings", "satisfied_ratings"]}
    d = d.assign(slow_base=d["answered_waits"], refund_base_cents=d["sales_cents"])
    for metric, columns in per_metric.items():
        if metric in plan.promo_excluded:
            d.loc[d["promo"], columns] = 0
    g = d.groupby("employee_id")
    sums = g[[c for cols in per_metric.values() for c in cols] + ["credited_orders"]].sum()
    return sums.join(g[["name", "level", "role"]].last()).join(g.size().rename("days_employed"))


# --- KPI and pay (exact) ---------------------------------------------------------------------


def half_up(value: Fraction, places: int) -> Decimal:
    """Round half away from zero to `places` decimals, exactly."""
    scaled = abs(value) * 10**places
    units = int(scaled + Fraction(1, 2))
    return (Decimal(units if value >= 0 else -units).scaleb(-places)).quantize(
        Decimal(1).scaleb(-places))


def score(row: pd.Series, plan: Plan, qa_points: Decimal) -> tuple[Decimal | None,
                                                                   list[dict[str, Any]]]:
    """SPEC 7 as pipelines/pay/scoring.py applies it: N/A lines (no data, or sample under
    min_sample) leave the others' weights scaled up to 100; each line's points rounded half-up
    to 4 decimals; score = points + qa_points, clamped to [0, 100], rounded to 2 decimals."""
    lines = []
    for line in plan.kpi[row["role"]]:
        num_col, den_col, sample_col = METRICS[line["metric"]]
        num, den = Fraction(int(row[num_col])), Fraction(int(row[den_col]))
        value = num / den if den else None  # money columns are cents: the ratio is the same
        na = value is None or int(row[sample_col]) < line["min_sample"]
        scale = Decimal("0.01") if num_col in MONEY_COLUMNS else Decimal(1)
        lines.append({"metric": line["metric"], "numerator": Decimal(int(row[num_col])) * scale,
                      "denominator": Decimal(int(row[den_col])) * scale,
                      "sample": int(row[sample_col]), "value": value, "na": na, "line": line})
    weight = sum((Fraction(x["line"]["weight"]) for x in lines if not x["na"]), Fraction(0))
    total = Decimal(0)
    for x in lines:
        x["points"] = None
        if not x["na"]:
            worst, best = Fraction(x["line"]["worst"]), Fraction(x["line"]["best"])
            share = min(max((x["value"] - worst) / (best - worst), Fraction(0)), Fraction(1))
            x["points"] = half_up(Fraction(x["line"]["weight"]) * 100 / weight * share, 4)
            total += x["points"]
    out = [{k: v for k, v in x.items() if k not in ("line", "value", "na")}
           | {"status": "n/a" if x["na"] else "scored"} for x in lines]
    if not weight:
        return None, out  # no line had data: no score, no bonus (flagged for review)
    raw = min(max(total + qa_points, Decimal(0)), Decimal(100))
    return raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), out


def payroll(landing: Path, config: Path, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's payroll (one row per employee on the roster any day of it) and its KPI lines
    (numerator, denominator, sample, points per employee and metric)."""
    first = date.fromisoformat(f"{month}-01")
    days_in_month = monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    daily, plan = daily_metrics(landing, config, month)
    monthly = monthly_metrics(daily, plan)
    adj = load_adjustments(landing, month, load_roster(config / "roster.csv"), first, last)
    qa = adj[adj["kind"] == "qa_points"].groupby("employee_id")["amount"].sum()
    pay_adj = adj[adj["kind"] == "pay"].groupby("employee_id")["amount"].sum()
    levels = daily.groupby(["employee_id", "level"]).size()
    rows, kpi_rows = [], []
    for employee, row in monthly.sort_index().iterrows():  # one per employee, not per message
        kpi, lines = score(row, plan, qa.get(employee, Decimal(0)))
        kpi_rows += [{"employee_id": employee, **x} for x in lines]
        days = int(row["days_employed"])

        def share(n: int) -> Fraction:
            return Fraction(n, days_in_month) if plan.prorate else Fraction(1)

        # one base line per level held in the month, prorated by the days it was held
        base = sum((half_up(Fraction(plan.levels[level]) * share(int(n)), 2)
                    for level, n in levels[employee].items()), Decimal("0.00"))
        tier = next((t for t in plan.tiers if kpi is not None and t[0] <= kpi), None)
        bonus = Decimal("0.00") if tier is None else \
            half_up(Fraction(tier[1]) * Fraction(kpi) / 100 * share(days), 2)
        extra = pay_adj.get(employee, Decimal("0.00"))
        rows.append({"employee_id": employee, "name": row["name"], "month": first.isoformat(),
                     "level": row["level"], "role": row["role"], "days_employed": days,
                     "base_salary": base, "kpi_score": kpi,
                     "tier_base": None if tier is None else tier[1], "bonus": bonus,
                     "adjustments": extra, "gross_pay": base + bonus + extra,
                     "plan_version": plan.id})
    return pd.DataFrame(rows), pd.DataFrame(kpi_rows)


# --- comparison with kefu's warehouse --------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal as exact decimals; both missing is equal."""
    empty_a = a is None or (isinstance(a, float) and np.isnan(a)) or a == ""
    empty_b = b is None or (isinstance(b, float) and np.isnan(b)) or b == ""
    if empty_a or empty_b:
        return empty_a and empty_b
    return Decimal(str(a)) == Decimal(str(b))


def compare(payroll_csv: Path, warehouse: Path, lines_csv: Path | None = None
            ) -> tuple[int, int, list[str]]:
    """(employees matching kefu's marts.payroll to the cent on kpi_score, bonus and gross_pay,
    employees in either, mismatch descriptions). With `lines_csv` (the --lines output), each
    KPI line's numerator, denominator and points are compared with marts.kpi_lines too, and an
    employee with a differing line does not match."""
    import duckdb  # only here: the baseline itself never touches DuckDB

    ours = pd.read_csv(payroll_csv, dtype=str, keep_default_na=False).set_index("employee_id")
    month = ours["month"].iloc[0] if len(ours) else None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        theirs = {r[0]: r[1:] for r in con.execute(
            "SELECT employee_id, kpi_score, bonus, gross_pay FROM marts.payroll "
            "WHERE month = CAST(? AS DATE)", [month]).fetchall()}
        kefu_lines = {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT employee_id, metric, numerator, denominator, points FROM marts.kpi_lines "
            "WHERE month = CAST(? AS DATE)", [month]).fetchall()} if lines_csv else {}
    finally:
        con.close()
    problems: list[str] = []
    bad: set[str] = set()
    everyone = sorted(set(theirs) | set(ours.index))
    for employee in everyone:
        if employee not in theirs or employee not in ours.index:
            bad.add(employee)
            problems.append(f"{employee}: only in {'ours' if employee in ours.index else 'kefu'}")
            continue
        for column, value in zip(("kpi_score", "bonus", "gross_pay"), theirs[employee],
                                 strict=True):
            if not _same(ours.at[employee, column], value):
                bad.add(employee)
                problems.append(f"{employee} {column}: ours {ours.at[employee, column]!r}, "
                                f"kefu {value}")
    if lines_csv:
        mine = pd.read_csv(lines_csv, dtype=str, keep_default_na=False)
        ours_lines = {(r.employee_id, r.metric): (r.numerator, r.denominator, r.points)
                      for r in mine.itertuples()}
        for key in sorted(set(kefu_lines) | set(ours_lines)):
            a, b = ours_lines.get(key), kefu_lines.get(key)
            if a is None or b is None:
                problems.append(f"{key[0]} {key[1]}: line only in {'ours' if a else 'kefu'}")
                bad.add(key[0])
                continue
            for name, x, y in zip(("numerator", "denominator", "points"), a, b, strict=True):
                if not _same(x, y):
                    problems.append(f"{key[0]} {key[1]} {name}: ours {x}, kefu {y}")
                    bad.add(key[0])
    return len(everyone) - len(bad), len(everyone), problems


# --- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--out", type=Path, required=True, help="payroll CSV to write")
    parser.add_argument("--lines", type=Path, help="also write the KPI lines to this CSV")
    parser.add_argument("--compare", type=Path, metavar="WAREHOUSE",
                        help="compare the result with kefu's DuckDB warehouse")
    args = parser.parse_args(argv)
    pay, lines = payroll(args.landing, args.config, args.month)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pay.to_csv(args.out, index=False)
    if args.lines:
        lines.to_csv(args.lines, index=False)
    print(f"{len(pay)} employees, gross pay {sum(pay['gross_pay'], Decimal('0.00'))} -> "
          f"{args.out}")
    if args.compare:
        matched, total, problems = compare(args.out, args.compare, args.lines)
        print(f"matches kefu: {matched}/{total}")
        for problem in problems:
            print(f"  {problem}")
        return 0 if matched == total else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
