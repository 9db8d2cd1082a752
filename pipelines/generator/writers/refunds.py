"""The refund export of a day (RefundList*.csv, GBK): the refunds applied or resolved that
day."""

import csv
import random
from pathlib import Path

from ..clock import DAY, Month
from ..orders import REFUND_OK, REFUND_PENDING, Order
from ..vocab import PRODUCTS, REFUND_REASONS
from .common import csv_day, money

REFUND_HEADER = [
    "订单编号", "退款编号", "支付宝交易号", "订单付款时间", "商品编码", "退款完结时间",
    "买家实际支付金额", "宝贝标题", "买家退款金额", "手工退款/系统退款", "是否需要退货",
    "退款的申请时间", "超时时间", "退款状态", "货物状态", "买家退款原因", "买家退款说明",
    "责任方", "售中或售后", "完结时间", "部分退款/全部退款",
]
REFUND_STATUS = ("退款成功", "退款关闭", "买家已经申请退款，等待卖家同意")


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
        money(order.amount),
        title,
        money(refund.amount),
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
    path = csv_day(root, "refunds", month, d, f"RefundList{stamp}.csv")
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(REFUND_HEADER)
        writer.writerows(rows)
    return len(rows), bad_line
