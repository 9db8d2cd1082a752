"""The four exports a shop lands, their canonical fields and the headers Taobao writes for them.

Headers are matched after trimming spaces (Taobao leaves trailing ones, e.g. "订单付款时间 ");
English aliases are matched case-insensitively. The canonical name is always its own alias.
A buyer id column (`buyer_id`), where an export has one, identifies the buyer across chats,
orders and ratings better than the nick, which Taobao masks in newer exports (t******7).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    aliases: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Companion:
    """An export the shop's download holds beside the source's own, which ops drop into the same
    day folder, and which holds none of its rows: recorded as skipped, with `note`, not read."""

    name: str
    headers: frozenset[str]  # told by these headers (trimmed), all present
    note: str


@dataclass(frozen=True)
class Source:
    name: str
    fields: tuple[Field, ...]
    extensions: tuple[str, ...]
    # the typed values `sql/ingest/check_<name>.sql` computes, loaded beside the text into
    # raw.<name> (sql/schema/raw.sql) so that staging parses nothing again
    parsed: tuple[str, ...] = ()
    companions: tuple[Companion, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def layout(self) -> str:
        """The columns an export of this source must have, as an error message names them."""
        required = self.named([f.name for f in self.fields if f.required])
        optional = self.named([f.name for f in self.fields if not f.required])
        return (f"{self.name} columns {required}" + (f" (optional: {optional})" if optional else "")
                + " or their aliases")

    def match_headers(self, headers: list[str]) -> tuple[dict[str, str], list[str]]:
        """Map canonical field -> the file's header; also return the required fields not found."""
        by_alias = {}
        for header in headers:
            by_alias.setdefault(header.strip().lower(), header)
        mapping: dict[str, str] = {}
        for field in self.fields:
            for alias in (field.name, *field.aliases):
                if alias.lower() in by_alias:
                    mapping[field.name] = by_alias[alias.lower()]
                    break
        missing = [f.name for f in self.fields if f.required and f.name not in mapping]
        return mapping, missing

    def named(self, fields: list[str]) -> str:
        """Fields as a header names them, `买家会员名 (buyer), 订单状态 (status)`."""
        by_name = {f.name: f for f in self.fields}
        return ", ".join(f"{by_name[name].aliases[0]} ({name})" if by_name[name].aliases
                         else name for name in fields)

    def companion(self, headers: list[str]) -> Companion | None:
        """The companion export these headers are, if they lack a required field and hold all
        of a companion's headers."""
        if not self.match_headers(headers)[1]:
            return None
        trimmed = {h.strip() for h in headers}
        return next((c for c in self.companions if c.headers <= trimmed), None)


BUYER_ID = Field("buyer_id", ("买家ID", "buyer_open_uid", "OUID"), required=False)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "chats",
            (
                Field("sent_at", ("时间", "发送时间", "消息时间", "time")),
                Field("agent", ("客服", "客服账号", "子账号", "客服昵称")),
                Field("buyer", ("买家", "买家昵称", "顾客", "customer")),
                Field("sender", ("发送方", "发送者", "方向", "role")),
                Field("content", ("内容", "消息内容", "message"), required=False),
                Field("message_id", ("消息ID", "消息id"), required=False),
                BUYER_ID,
            ),
            (".csv", ".xlsx", ".jsonl", ".txt"),
            ("parsed_sent_at", "parsed_agent", "parsed_buyer", "parsed_sender",
             "parsed_message_id", "parsed_buyer_id"),
        ),
        Source(
            "orders",
            (
                Field("order_id", ("订单编号",)),
                Field("buyer", ("买家会员名",)),
                Field("amount", ("买家实际支付金额",)),
                Field("status", ("订单状态",)),
                Field("created_at", ("订单创建时间",)),
                Field("paid_at", ("订单付款时间",)),
                Field("refund_amount", ("退款金额",), required=False),
                Field("shop", ("店铺名称",), required=False),
                BUYER_ID,
            ),
            (".csv", ".xlsx", ".jsonl"),
            ("parsed_order_id", "parsed_buyer", "parsed_amount", "parsed_status",
             "parsed_created_at", "parsed_paid_at", "parsed_refund_amount", "parsed_shop",
             "parsed_buyer_id"),
            # every seller-center download holds ExportOrderDetailList<stamp>.csv beside
            # ExportOrderList<stamp>.csv: one row per item (订单编号, 标题, 价格, 购买数量,
            # 外部系统编号, 商品属性, 套餐信息, 备注, 订单状态, 商家编码; each data row ends in an
            # extra comma)
            (Companion("ExportOrderDetailList",
                       frozenset({"标题", "价格", "购买数量", "商品属性"}),
                       "an ExportOrderDetailList (one row per item), not an order export: "
                       "skipped; the orders are read from the ExportOrderList beside it"),),
        ),
        Source(
            "refunds",
            (
                Field("order_id", ("订单编号",)),
                Field("refund_id", ("退款编号",)),
                Field("refund_amount", ("买家退款金额",)),
                Field("applied_at", ("退款的申请时间",)),
                Field("status", ("退款状态",)),
                Field("reason", ("买家退款原因",), required=False),
            ),
            (".csv", ".xlsx", ".jsonl"),
            ("parsed_order_id", "parsed_refund_id", "parsed_refund_amount", "parsed_applied_at",
             "parsed_status", "parsed_reason"),
        ),
        Source(
            "ratings",
            (
                Field("rated_at", ("评价时间",)),
                Field("agent", ("客服", "客服账号", "子账号", "客服昵称")),
                Field("buyer", ("买家", "买家昵称", "顾客", "customer")),
                Field("rating", ("评价结果", "评价", "满意度", "服务评价")),
                BUYER_ID,
            ),
            (".csv", ".xlsx", ".jsonl"),
            ("parsed_rated_at", "parsed_agent", "parsed_buyer", "parsed_rating_text",
             "parsed_rating", "parsed_buyer_id"),
        ),
    )
}
