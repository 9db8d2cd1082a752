"""The seller-center order export of a day (ExportOrderList*.csv, GBK): every order created or
changed that day, its 46 columns filled the way the seller center fills them."""

import csv
import random
from pathlib import Path

from ..clock import DAY, Month
from ..orders import CLOSED, PAID, SHIPPED, SUCCESS, WAIT_PAY, Order
from ..vocab import ADDRESSES, BUYER_NOTES, CARRIERS, GIVEN, PRODUCTS, SHOP, SURNAMES
from .common import csv_day, money

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
ORDER_STATUS = {
    WAIT_PAY: "等待买家付款",
    PAID: "买家已付款，等待卖家发货",
    SHIPPED: "卖家已发货，等待买家确认",
    SUCCESS: "交易成功",
    CLOSED: "交易关闭",
}
EMPTY = '=""'


def _money_mixed(cents: int, roll: float) -> str:
    """The paid amount in the shapes real exports show: 399.00, ￥399.00, 399, 1,197.00."""
    if roll < 0.1:
        return f"￥{money(cents)}"
    if roll < 0.2 and cents % 100 == 0:
        return str(cents // 100)
    if roll < 0.4:
        return f"{cents // 100:,}.{cents % 100:02d}"
    return money(cents)


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
    total = money(order.amount)
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
        money(refunded),
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
    path = csv_day(root, "orders", month, d, f"ExportOrderList{stamp}2359.csv")
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(ORDER_HEADER)
        writer.writerows(rows)
    return len(rows), bad_line
