"""The chat exports of a day: a CSV and a JSONL for the accounts exported by tools, and a 千牛
workbench .txt copy per account for the others."""

import csv
import json
import random
from pathlib import Path

from ..clock import Month
from ..shop import AGENT, AUTO, BUYER, FROM_MOBILE, OFFLINE, SYSTEM, Segment
from ..staff import Account
from ..vocab import AUTO_ACCOUNT
from .common import csv_day, first

CHAT_HEADER = ["时间", "客服 ", "买家", "发送方 ", "内容"]
CSV_SENDER = {BUYER: "买家", AGENT: "客服", AUTO: "店小蜜", SYSTEM: "系统"}
JSON_SENDER = {BUYER: "buyer", AGENT: "agent", AUTO: "auto", SYSTEM: "system"}


def write_chats(root: Path, month: Month, d: int, segments: list[Segment],
                accounts: list[Account], wide_colon: int, rng: random.Random,
                bad_at: float | None) -> tuple[int, int | None]:
    """One day's chats: a CSV and a JSONL for the accounts exported by tools, one 千牛 .txt per
    account copied from the workbench. `bad_at` plants an unparseable time in the CSV at that
    fraction of its rows."""
    stamp = month.iso_dates[d].replace("-", "")
    csv_rows: list[tuple[int, str, str, str, str]] = []
    json_rows: list[tuple[int, str, str, int, str]] = []
    txt_blocks: dict[int, list[Segment]] = {}
    wide = accounts[wide_colon].name.replace(":", "：")
    for seg in segments:
        acct = accounts[seg.account]
        if acct.fmt == "csv":
            for t, sender, content in seg.messages:
                shown = wide if seg.account == wide_colon and rng.random() < 0.3 else acct.name
                csv_rows.append((t, shown, seg.buyer, CSV_SENDER[sender],
                                 content.replace("\n", " ")))
        elif acct.fmt == "jsonl":
            for t, sender, content in seg.messages:
                json_rows.append((t, acct.name, seg.buyer, sender, content))
        else:
            txt_blocks.setdefault(seg.account, []).append(seg)

    # Tool exports are sorted by time; the sort is stable, so ties keep simulation order.
    csv_rows.sort(key=first)
    json_rows.sort(key=first)
    written = len(csv_rows) + len(json_rows)
    bad_line = None
    pos = len(csv_rows) if bad_at is None else int(len(csv_rows) * bad_at)
    ts = month.ts
    path = csv_day(root, "chats", month, d, f"聊天记录_{stamp}.csv")
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CHAT_HEADER)
        writer.writerows((ts(t), a, b, s, c) for t, a, b, s, c in csv_rows[:pos])
        if bad_at is not None:
            writer.writerow((f"{month.label}-32 25:61:00", accounts[-1].name, "tb_坏时间0", "买家",
                             "在吗"))
            bad_line = pos + 2
            written += 1
        writer.writerows((ts(t), a, b, s, c) for t, a, b, s, c in csv_rows[pos:])

    path = csv_day(root, "chats", month, d, f"chats_{stamp}.jsonl")
    with path.open("w", encoding="utf-8", newline="") as fh:
        dumps = json.dumps
        fh.writelines(
            dumps({"message_id": f"{stamp}-{i:07d}", "sent_at": month.ts_iso(t), "agent": a,
                   "buyer": b, "sender": JSON_SENDER[s], "content": c}, ensure_ascii=False)
            + "\n"
            for i, (t, a, b, s, c) in enumerate(json_rows, 1))

    for index in sorted(txt_blocks):
        blocks = sorted(txt_blocks[index], key=_block_start)
        acct = accounts[index]
        text, count = _transcript(month, acct.name, blocks, rng)
        written += count
        path = csv_day(root, "chats", month, d, acct.name.replace(":", "_") + ".txt")
        path.write_bytes(text.encode("utf-8"))
    return written, bad_line


def _transcript(month: Month, account: str, blocks: list[Segment],
                rng: random.Random) -> tuple[str, int]:
    """The 千牛 copy layout: each conversation contiguous and opened by the buyer, with system
    lines and read-state tokens (which are not messages) between messages."""
    out: list[str] = []
    count = 0
    rand = rng.random
    for seg in blocks:
        pending: list[str] = []
        if seg.flags & OFFLINE:
            pending += [f"由 服务助手 转交给 {account}", "原因：【离线留言自动分配】"]
        if seg.flags & FROM_MOBILE:
            pending.append("当前用户来自 手机淘宝")
        for t, sender, content in seg.messages:
            if sender == SYSTEM:
                pending.append(content)
                continue
            nick = seg.buyer if sender == BUYER else account if sender == AGENT else AUTO_ACCOUNT
            out.append(f"{nick} {month.ts_bare(t)}")
            count += 1
            if content:
                out.extend(content.split("\n"))
            if sender == AGENT:
                roll = rand()
                if roll < 0.85:
                    out.append("已读")
                elif roll < 0.9:
                    out.append("未读")
                elif roll < 0.92:
                    out.append(f"{account} 撤回了一条消息")
            # System lines wait until the block has its opening buyer message.
            out.extend(pending)
            pending = []
    return "\r\n".join(out) + "\r\n", count


def _block_start(seg: Segment) -> int:
    return seg.messages[0][0]
