"""Each quirk of how Taobao writes its exports (SPEC 4), loaded into a real DuckDB file."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
import xlsxwriter

from pipelines.ingest.errors import IngestError
from pipelines.warehouse.database import connect
from tests.conftest import ingest, land

ORDER_HEADER = ('"订单编号","买家会员名","买家实际支付金额","订单状态","订单创建时间",'
                '"订单付款时间 ","退款金额","店铺名称 "')


def order_csv(*rows: str) -> str:
    return "\r\n".join([ORDER_HEADER, *rows]) + "\r\n"


def test_gbk_order_export_without_bom_with_trailing_space_headers(settings):
    land(settings, "orders", "2026-10-01", "ExportOrderList202610012359.csv", order_csv(
        '"=""3515313147329357912""","tb_小林","1,299.00","交易成功","2026-10-01 10:48:12",'
        '"2026-10-01 10:50:00","0.00","旗舰店"',
    ), encoding="gbk")
    con = ingest(settings, "orders", "2026-10-01")
    file = con.execute("SELECT encoding, rows_read, rows_loaded FROM raw.ingest_files").fetchone()
    assert file == ("gb18030", 1, 1)
    row = con.execute("SELECT order_id, buyer, amount, status, paid_at FROM staging.orders"
                      ).fetchone()
    assert row == ("3515313147329357912", "tb_小林", Decimal("1299.00"), "交易成功",
                   datetime(2026, 10, 1, 10, 50))
    # every original column is kept: each canonical field's text under its own name (any other
    # column would be in `record`), and which header of the file held each field
    paid_at, shop, record = con.execute("SELECT paid_at, shop, record FROM raw.orders").fetchone()
    assert (paid_at, shop, record) == ("2026-10-01 10:50:00", "旗舰店", [])
    headers = json.loads(con.execute("SELECT canonical_headers FROM raw.ingest_files"
                                     ).fetchone()[0])
    assert headers["订单付款时间 "] == "paid_at" and headers["店铺名称 "] == "shop"


def test_utf8_bom_chat_csv_and_full_width_colon_account(settings):
    land(settings, "chats", "2026-10-08", "聊天记录.csv",
         "\ufeff时间 ,客服 ,买家,发送方,内容\n"
         "2026-10-08 10:00:00,旗舰店：小美,tb_a,买家,在吗\n"
         "2026-10-08 10:00:25,旗舰店:小美,tb_a,客服,\"在的，亲\"\n")
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT encoding FROM raw.ingest_files").fetchone() == ("utf-8-sig",)
    rows = con.execute("SELECT agent, sender, content FROM staging.chat_messages ORDER BY sent_at"
                       ).fetchall()
    assert rows == [("旗舰店:小美", "buyer", "在吗"), ("旗舰店:小美", "agent", "在的，亲")]


@pytest.mark.parametrize("written", ['="3515313147329357912"', "'3515313147329357912"])
def test_excel_proofed_ids_stay_exact_19_digit_strings(settings, written):
    land(settings, "orders", "2026-10-01", "o.csv", order_csv(
        f'"{written.replace(chr(34), chr(34) * 2)}","b","59","等待买家付款",'
        '"2026-10-01 10:48:12","=""""","",""',
    ), encoding="gbk")
    con = ingest(settings, "orders", "2026-10-01")
    assert con.execute("SELECT order_id, paid_at FROM staging.orders").fetchone() == (
        "3515313147329357912", None)


@pytest.mark.parametrize(("written", "amount"), [
    ("1299", "1299.00"), ("1,299.00", "1299.00"), ("¥1299.00", "1299.00"),
    ("￥1299.00", "1299.00"), ("1299.00元", "1299.00"), ("59.9", "59.90"), ("0元", "0.00"),
])
def test_every_money_format(settings, written, amount):
    land(settings, "orders", "2026-10-01", "o.csv", order_csv(
        f'"1","b","{written}","交易成功","2026-10-01 10:48:12","2026-10-01 10:49:00","",""',
    ), encoding="gb18030")  # the half-width ¥ exists in GB18030, not in GBK
    con = ingest(settings, "orders", "2026-10-01")
    assert con.execute("SELECT amount FROM staging.orders").fetchone() == (Decimal(amount),)


@pytest.mark.parametrize(("written", "local"), [
    ("2026-10-01 10:48:12", datetime(2026, 10, 1, 10, 48, 12)),
    ("2026/10/1 10:48", datetime(2026, 10, 1, 10, 48)),
    ("2026-10-01T10:48:12+08:00", datetime(2026, 10, 1, 10, 48, 12)),
    ("2026-10-01T02:48:12+00:00", datetime(2026, 10, 1, 10, 48, 12)),  # converted to shop time
])
def test_every_time_format_is_shop_local(settings, written, local):
    land(settings, "orders", "2026-10-01", "o.csv", order_csv(
        f'"1","b","59","等待买家付款","{written}","","",""',
    ), encoding="gbk")
    con = ingest(settings, "orders", "2026-10-01")
    assert con.execute("SELECT created_at FROM staging.orders").fetchone() == (local,)


def test_api_status_enums_map_to_seller_center_wording(settings):
    land(settings, "orders", "2026-10-01", "o.csv", order_csv(
        '"1","b","59","TRADE_CLOSED_BY_TAOBAO","2026-10-01 10:00:00","","",""',
        '"2","b","59","买家已付款，等待卖家发货","2026-10-01 10:00:00","2026-10-01 10:01:00","",""',
    ), encoding="gbk")
    con = ingest(settings, "orders", "2026-10-01")
    assert con.execute("SELECT status FROM staging.orders ORDER BY order_id").fetchall() == [
        ("交易被淘宝关闭",), ("买家已付款，等待卖家发货",)]


def test_a_transcript_where_only_buyers_wrote_takes_its_account_from_the_file_name(settings):
    """No sub-account line to tell whose window it is: the file 旗舰店_大涛.txt is 旗舰店:大涛's,
    so the two unanswered buyer messages are two waits of that account, not rejected rows."""
    land(settings, "chats", "2026-10-17", "旗舰店_大涛.txt", "\n".join([
        "xiaolin1009 2026-10-17 20:28:07", "发票怎么开", "当前用户来自 手机淘宝",
        "xiaolin1009 2026-10-17 20:28:12", "可以换个颜色吗", ""]))
    con = ingest(settings, "chats", "2026-10-17")
    assert con.execute("SELECT agent, buyer, sender, content FROM staging.chat_messages "
                       "ORDER BY sent_at").fetchall() == [
        ("旗舰店:大涛", "xiaolin1009", "buyer", "发票怎么开"),
        ("旗舰店:大涛", "xiaolin1009", "buyer", "可以换个颜色吗")]
    assert con.execute("SELECT count(*) FROM raw.rejected_rows").fetchall() == [(0,)]


def test_txt_transcript_skips_system_lines_and_read_tokens(settings):
    transcript = "\r\n".join([
        "当前用户来自 手机淘宝",
        "tb_小林2019 2026-10-8 9:05:03",
        "这个包有黑色吗",
        "已读",
        "旗舰店:店小蜜 2026-10-8 9:05:05",
        "亲，欢迎光临旗舰店",
        "旗舰店:小美 2026-10-8 9:05:40",
        "有的亲",
        "黑色现货",
        "未读",
        "旗舰店:小美 撤回了一条消息",
        "原因：【离线留言自动分配】",
        "由 服务助手 转交给 旗舰店:小丽",
        "tb_小林2019 2026-10-8 9:06:10",
        "好的",
        "旗舰店:小丽 2026-10-8 9:06:30",
        "您好我是小丽",
        "",
    ])
    land(settings, "chats", "2026-10-08", "旗舰店_小美.txt", transcript)
    con = ingest(settings, "chats", "2026-10-08")
    rows = con.execute("SELECT sent_at, agent, buyer, sender, content, line_number "
                       "FROM staging.chat_messages ORDER BY sent_at").fetchall()
    assert rows == [
        (datetime(2026, 10, 8, 9, 5, 3), "旗舰店:小美", "tb_小林2019", "buyer", "这个包有黑色吗",
         2),
        (datetime(2026, 10, 8, 9, 5, 5), "旗舰店:小美", "tb_小林2019", "auto",
         "亲，欢迎光临旗舰店", 5),
        (datetime(2026, 10, 8, 9, 5, 40), "旗舰店:小美", "tb_小林2019", "agent", "有的亲\n黑色现货",
         7),
        (datetime(2026, 10, 8, 9, 6, 10), "旗舰店:小丽", "tb_小林2019", "buyer", "好的", 14),
        (datetime(2026, 10, 8, 9, 6, 30), "旗舰店:小丽", "tb_小林2019", "agent", "您好我是小丽",
         16),
    ]
    assert con.execute("SELECT count(*) FROM raw.rejected_rows").fetchone() == (0,)


def test_xlsx_ratings(settings):
    path = settings.landing / "ratings" / "2026-10-08" / "服务评价.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["评价时间 ", "客服", "买家", "评价结果"])
    sheet.write_row(1, 0, ["2026-10-08 10:48:12", "旗舰店:小美", "tb_a", "很满意"])
    sheet.write_row(2, 0, ["2026-10-08 11:00:00", "旗舰店：小美", "tb_b", "不满意"])
    sheet.write_row(3, 0, ["2026-10-08 12:00:00", "旗舰店:小美", "tb_c", "还行吧"])
    book.close()
    con = ingest(settings, "ratings", "2026-10-08")
    assert con.execute("SELECT agent, buyer, rating FROM staging.ratings ORDER BY rated_at"
                       ).fetchall() == [("旗舰店:小美", "tb_a", 5), ("旗舰店:小美", "tb_b", 2)]
    assert con.execute("SELECT line_number, reason FROM raw.rejected_rows").fetchall() == [
        (4, "unknown rating (rating/评价结果): 还行吧")]


def test_an_xlsx_that_is_no_workbook_fails_its_day_in_one_line_naming_the_file(settings):
    """calamine's own error says neither which file nor, past its first line, anything an ops
    lead can act on ("Context: 0: Could not open workbook from bytes ...")."""
    path = land(settings, "ratings", "2026-10-08", "服务评价.xlsx", "评价时间,客服,买家,评价结果\n")
    with pytest.raises(IngestError) as failure:
        ingest(settings, "ratings", "2026-10-08")
    assert str(failure.value) == (f"{path}: not a readable .xlsx workbook (calamine error: "
                                  "Cannot detect file format)")
    assert "Context:" in str(failure.value.__cause__)  # the whole of it stays in the trace


def test_jsonl_chats_with_message_ids_and_a_broken_line(settings):
    lines = [
        {"message_id": "m1", "sent_at": "2026-10-08T10:00:00+08:00", "agent": "旗舰店:小美",
         "buyer": "tb_a", "sender": "buyer", "content": "在吗"},
        {"message_id": "m1", "sent_at": "2026-10-08T10:00:00+08:00", "agent": "旗舰店:小美",
         "buyer": "tb_a", "sender": "buyer", "content": "在吗"},
    ]
    text = "\n".join([*(json.dumps(x, ensure_ascii=False) for x in lines), '{"sent_at": '])
    land(settings, "chats", "2026-10-08", "chats.jsonl", text + "\n")
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT message_key, sent_at FROM staging.chat_messages").fetchall() == [
        ("m1", datetime(2026, 10, 8, 10, 0))]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM raw.ingest_files"
                       ).fetchone() == (3, 2, 1)
    assert con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows").fetchone() \
        == (3, '{"sent_at": ', "not valid JSON")


def test_a_file_that_is_not_the_source_it_is_filed_under_fails_naming_file_and_problem(settings):
    path = land(settings, "orders", "2026-10-01", "wrong.csv", "时间,客服,买家,发送方\n1,2,3,4\n")
    with pytest.raises(IngestError) as failure:
        ingest(settings, "orders", "2026-10-01")
    assert str(path) in str(failure.value)
    assert "no recognisable orders header: missing 订单编号 (order_id), " in str(failure.value)


def test_a_warehouse_written_with_json_records_keeps_every_value_when_opened(settings):
    land(settings, "orders", "2026-10-01", "ExportOrderList202610012359.csv", "\r\n".join([
        ORDER_HEADER + ',"收货地址 ","买家留言"',
        '"3515313147329357912","tb_小林","1299.00","交易成功","2026-10-01 10:48:12",'
        '"2026-10-01 10:50:00","0.00","旗舰店","上海市 浦东新区 世纪大道1号",""']) + "\r\n")
    con = ingest(settings, "orders", "2026-10-01")
    # as an earlier version wrote it: the other columns of each row as JSON keyed by header
    con.execute("ALTER TABLE raw.orders ALTER record TYPE JSON USING CAST(json_object("
                "'收货地址', record[1], '买家留言', record[2]) AS JSON)")
    con.execute("ALTER TABLE raw.ingest_files DROP COLUMN record_headers")
    con.close()
    con = connect(settings.warehouse)
    kind = con.execute("SELECT data_type FROM duckdb_columns() WHERE schema_name = 'raw' "
                       "AND table_name = 'orders' AND column_name = 'record'").fetchone()
    row = con.execute(
        "SELECT map(f.record_headers, o.record) FROM raw.orders AS o JOIN raw.ingest_files AS f "
        "ON f.source = 'orders' AND f.status = 'loaded' AND f.partition_day = o.partition_day "
        "AND f.file_path = o.source_file AND f.load_run_id = o.load_run_id").fetchone()
    assert kind == ("VARCHAR[]",)
    assert row == ({"收货地址": "上海市 浦东新区 世纪大道1号", "买家留言": ""},)
