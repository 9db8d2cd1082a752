"""The file formats of the landing zone (SPEC section 4), written the way Taobao tools write them.

Every writer returns the number of data rows it wrote; writers that can plant a bad row also
return that row's 1-based physical line (header = line 1). No written field holds a line break,
so physical lines and CSV records coincide.
"""

import csv
import json
import random
from datetime import datetime
from pathlib import Path

import xlsxwriter

from .clock import DAY, Month
from .orders import CLOSED, PAID, REFUND_OK, REFUND_PENDING, SHIPPED, SUCCESS, WAIT_PAY, Order
from .shop import AGENT, AUTO, BUYER, FROM_MOBILE, OFFLINE, SYSTEM, Segment
from .staff import Account
from .vocab import (
    ADDRESSES,
    AUTO_ACCOUNT,
    BUYER_NOTES,
    CARRIERS,
    GIVEN,
    PRODUCTS,
    RATING_LABELS,
    REFUND_REASONS,
    SHOP,
    SURNAMES,
)

ORDER_HEADER = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
    "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
    "集分宝抵扣", "是否是O2O交易", "退款金额", "预约门店",
]
REFUND_HEADER = [
    "订单编号", "退款编号", "支付宝交易号", "订单付款时间", "商品编码", "退款完结时间",
    "买家实际支付金额", "宝贝标题", "买家退款金额", "手工退款/系统退款", "是否需要退货",
    "退款的申请时间", "超时时间", "退款状态", "货物状态", "买家退款原因", "买家退款说明",
    "责任方", "售中或售后", "完结时间", "部分退款/全部退款",
]
CHAT_HEADER = ["时间", "客服 ", "买家", "发送方 ", "内容"]
RATING_HEADER = ["评价时间", "客服", "买家", "评价结果"]
ROSTER_HEADER = [
    "employee_id", "name", "account", "level", "role", "effective_from", "effective_to",
]
ADJUSTMENT_HEADER = ["employee_id", "kind", "amount", "reason"]

ORDER_STATUS = {
    WAIT_PAY: "等待买家付款",
    PAID: "买家已付款，等待卖家发货",
    SHIPPED: "卖家已发货，等待买家确认",
    SUCCESS: "交易成功",
    CLOSED: "交易关闭",
}
REFUND_STATUS = ("退款成功", "退款关闭", "买家已经申请退款，等待卖家同意")
CSV_SENDER = {BUYER: "买家", AGENT: "客服", AUTO: "店小蜜", SYSTEM: "系统"}
JSON_SENDER = {BUYER: "buyer", AGENT: "agent", AUTO: "auto", SYSTEM: "system"}
EMPTY = '=""'
# xlsx metadata carries a creation time; a fixed one keeps the same seed byte-identical.
XLSX_CREATED = datetime(2026, 1, 1)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _money_mixed(cents: int, roll: float) -> str:
    """The paid amount in the shapes real exports show: 399.00, ￥399.00, 399, 1,197.00."""
    if roll < 0.1:
        return f"￥{_money(cents)}"
    if roll < 0.2 and cents % 100 == 0:
        return str(cents // 100)
    if roll < 0.4:
        return f"{cents // 100:,}.{cents % 100:02d}"
    return _money(cents)


def _csv_day(root: Path, source: str, month: Month, d: int, name: str) -> Path:
    folder = root / source / month.iso_dates[d]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


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
    csv_rows.sort(key=_first)
    json_rows.sort(key=_first)
    written = len(csv_rows) + len(json_rows)
    bad_line = None
    pos = len(csv_rows) if bad_at is None else int(len(csv_rows) * bad_at)
    ts = month.ts
    path = _csv_day(root, "chats", month, d, f"聊天记录_{stamp}.csv")
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

    path = _csv_day(root, "chats", month, d, f"chats_{stamp}.jsonl")
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
        path = _csv_day(root, "chats", month, d, acct.name.replace(":", "_") + ".txt")
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


def _order_row(month: Month, order: Order, end: int, roll: float,
               amount: str | None = None) -> list[str]:
    status, refunded = order.state(end)
    title, _, _ = PRODUCTS[order.product]
    c = order.cosmetic
    phone = f"1{3 + c % 7}{c % 10}{(c >> 4) % 100_000_000:08d}"
    province, city, district, street, postcode = ADDRESSES[(c >> 8) % len(ADDRESSES)]
    stamp = month.ts_excel if roll > 0.95 else month.ts
    paid = order.paid if 0 <= order.paid < end else -1
    shipped = 0 <= order.shipped < end
    carrier, prefix = CARRIERS[(c >> 12) % len(CARRIERS)]
    total = _money(order.amount)
    return [
        f'="{order.order_id}"',
        order.buyer,
        f"{phone[:3]}****{phone[-4:]}",
        total,
        "0.00",
        "0",
        total,
        "0",
        amount or _money_mixed(order.amount, roll),
        "0",
        ORDER_STATUS[status],
        BUYER_NOTES[(c >> 3) % len(BUYER_NOTES)] or EMPTY,
        SURNAMES[(c >> 5) % len(SURNAMES)] + GIVEN[(c >> 11) % len(GIVEN)],
        f"{province} {city} {district} {street}{(c >> 15) % 300 + 1}号({postcode})",
        "快递",
        "",
        f"'{phone}",
        stamp(order.created),
        stamp(paid) if paid >= 0 else ("" if c % 2 else EMPTY),
        title,
        "1",
        f'="{prefix}{order.order_id[-12:]}"' if shipped else EMPTY,
        carrier if shipped else "",
        "",
        str(order.quantity),
        "0",
        SHOP,
        ("买家未付款" if paid < 0 else "退款") if status == CLOSED else "未关闭",
        "0元",
        "0元",
        "",
        "手机订单" if c % 5 else "",
        "",
        EMPTY,
        "否",
        "否",
        "否",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        _money(refunded),
        "",
    ]


def write_orders(root: Path, month: Month, d: int, orders: list[Order], rng: random.Random,
                 bad: Order | None) -> tuple[int, int | None]:
    """The seller-center export of day `d`: every order created or changed that day, as of its
    end. `bad` is an extra order written with a negative paid amount."""
    end = (d + 1) * DAY
    rand = rng.random
    rows = [_order_row(month, o, end, rand()) for o in orders]
    bad_line = None
    if bad is not None:
        pos = int(len(rows) * rand())
        rows.insert(pos, _order_row(month, bad, end, 0.5, amount="-59.00"))
        bad_line = pos + 2
    stamp = month.iso_dates[d].replace("-", "")
    path = _csv_day(root, "orders", month, d, f"ExportOrderList{stamp}2359.csv")
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(ORDER_HEADER)
        writer.writerows(rows)
    return len(rows), bad_line


def _refund_row(month: Month, order: Order, end: int, order_id: str | None = None) -> list[str]:
    refund = order.refund
    assert refund is not None
    status = refund.status(end)
    reason, note, party = REFUND_REASONS[refund.reason]
    title, _, code = PRODUCTS[order.product]
    finished = month.ts(refund.resolved) if status != REFUND_PENDING else ""
    goods = ("买家已退货" if status == REFUND_OK else "买家已收到货") if refund.after_shipping \
        else "买家未收到货"
    return [
        f'="{order.order_id if order_id is None else order_id}"',
        f'="{refund.refund_id}"',
        f"'{month.iso_dates[order.paid // DAY].replace('-', '')}2200{order.order_id[-16:]}",
        month.ts(order.paid),
        code,
        finished,
        _money(order.amount),
        title,
        _money(refund.amount),
        "系统退款" if order.cosmetic % 3 else "手工退款",
        "是" if refund.after_shipping else "否",
        month.ts(refund.applied),
        month.ts(refund.applied + 3 * DAY),
        REFUND_STATUS[status],
        goods,
        reason,
        note,
        party,
        "售后" if refund.after_shipping else "售中",
        finished,
        "全部退款" if refund.amount == order.amount else "部分退款",
    ]


def write_refunds(root: Path, month: Month, d: int, orders: list[Order], rng: random.Random,
                  bad: Order | None) -> tuple[int, int | None]:
    """Refunds applied on day `d` or resolved on it; `bad` is written without its order id."""
    end = (d + 1) * DAY
    rows = [_refund_row(month, o, end) for o in orders]
    bad_line = None
    if bad is not None:
        pos = int(len(rows) * rng.random())
        rows.insert(pos, _refund_row(month, bad, end, order_id=""))
        bad_line = pos + 2
    stamp = month.iso_dates[d].replace("-", "")
    path = _csv_day(root, "refunds", month, d, f"RefundList{stamp}.csv")
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(REFUND_HEADER)
        writer.writerows(rows)
    return len(rows), bad_line


def write_ratings(root: Path, month: Month, d: int, ratings: list[tuple[int, int, str, int]],
                  accounts: list[Account]) -> int:
    stamp = month.iso_dates[d].replace("-", "")
    path = _csv_day(root, "ratings", month, d, f"服务评价_{stamp}.xlsx")
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": XLSX_CREATED})
    sheet = workbook.add_worksheet("服务评价")
    for col, name in enumerate(RATING_HEADER):
        sheet.write_string(0, col, name)
    for row, (t, acct, buyer, score) in enumerate(sorted(ratings, key=_first), 1):
        sheet.write_string(row, 0, month.ts(t))
        sheet.write_string(row, 1, accounts[acct].name)
        sheet.write_string(row, 2, buyer)
        sheet.write_string(row, 3, RATING_LABELS[score - 1])
    workbook.close()
    return len(ratings)


def write_plain_csv(path: Path, header: list[str], rows: list[list[str]]) -> int:
    """UTF-8 without BOM, LF: the files people edit by hand (roster, adjustments)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def write_manifest(path: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


def _first(row: tuple) -> int:
    return row[0]


def _block_start(seg: Segment) -> int:
    return seg.messages[0][0]
