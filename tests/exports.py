"""Seller-center exports as the shop downloads them, in each layout Taobao has written: the
headers of real files (2017: 46 columns, 2019: 61, 2021: 71; the refund report), and a writer
that fills a row the way the seller center does (every value quoted, ="" for an empty cell,
CRLF, GBK)."""

from __future__ import annotations

# ExportOrderList, 2017 (SPEC appendix), trailing spaces as Taobao leaves them
ORDER_LIST_2017 = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量",
    "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单",
    "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名",
    "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易",
    "退款金额", "预约门店",
]
# 2019: 支付单号 and 支付详情 after the Alipay account, new-retail columns, 确认收货时间
# ... 主订单编号
ORDER_LIST_2019 = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付单号", "支付详情", "买家应付货款",
    "买家应付邮费", "买家支付积分", "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分",
    "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机",
    "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
    "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
    "集分宝抵扣", "是否是O2O交易", "新零售交易类型", "新零售导购门店名称", "新零售导购门店id",
    "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店", "确认收货时间",
    "打款商家金额", "含应开票给个人的个人红包", "是否信用购", "体验期结束时间", "前N有礼",
    "配送类型", "主订单编号",
]
# 2021: 买家会员昵称, a date column (虚拟号过期时间) between 联系手机 and 订单创建时间,
# live-stream cash back, 预售订单, 发货时间, 商家备忘
ORDER_LIST_2021 = [
    "订单编号", "买家会员名", "买家会员昵称", "支付单号", "支付详情", "买家应付货款",
    "买家应付邮费", "买家支付积分", "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分",
    "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话", "联系手机",
    "虚拟号过期时间", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号",
    "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费",
    "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id",
    "是否上传合同照片", "是否上传小票", "是否代付", "定金排名", "修改后的sku", "修改后的收货地址",
    "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易", "新零售交易类型",
    "新零售导购门店名称", "新零售导购门店id", "新零售发货门店名称", "新零售发货门店id", "退款金额",
    "预约门店", "确认收货时间", "打款商家金额", "含应开票给个人的个人红包", "是否信用购",
    "体验期结束时间", "前N有礼", "配送类型", "直播返现状态", "返现金额", "延迟发货自动赔付金额",
    "新零售成交门店昵称", "新零售成交门店id", "新零售成交经销商id", "预售订单", "发货时间",
    "商家备忘", "主订单编号",
]
# ExportOrderDetailList, beside every ExportOrderList: one row per item
ORDER_DETAIL_LIST = [
    "订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注",
    "订单状态", "商家编码",
]
# the Tmall refund report (退款报表), its own spelling of 手工退款/系统退款 and 部分退款/全部退款
REFUND_REPORT = [
    "订单编号", "退款编号", "支付宝交易号", "订单付款时间", "商品编码", "退款完结时间",
    "买家实际支付金额", "宝贝标题", "买家退款金额", "手工退款_系统退款", "是否需要退货",
    "退款的申请时间", "超时时间", "退款状态", "货物状态", "发货物流信息", "客服介入状态",
    "卖家真实姓名", "卖家真实姓名_新", "买家退款原因", "买家退款说明", "部分退款_全部退款",
]

EMPTY = '=""'


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def export_csv(header: list[str], rows: list[dict[str, str]], trailing_comma: bool = False,
               encoding: str = "gbk") -> bytes:
    """The export's bytes: `rows` give values by header (trimmed), every other cell ="" as the
    seller center writes an empty one. `trailing_comma`: each data row ends with an extra comma
    (ExportOrderDetailList)."""
    unknown = {name for row in rows for name in row} - {h.strip() for h in header}
    assert not unknown, f"not in the header: {unknown}"
    end = "," if trailing_comma else ""
    lines = [",".join(quoted(h) for h in header)]
    lines += [",".join(quoted(row.get(h.strip(), EMPTY)) for h in header) + end for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
