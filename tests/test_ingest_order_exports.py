"""The seller-center order export in every variant a shop lands (SPEC 4 and its appendix), read
through the real readers and `sql/ingest/check_orders.sql` into raw and staging: the 2017, 2019
and 2021 layouts, the ExportOrderDetailList beside each, API status enums, and the cells tools
write for nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import xlsxwriter
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.config.shop import load_config
from pipelines.ingest.completeness import missing_exports
from pipelines.ingest.loader import load_day
from pipelines.warehouse.database import connect
from tests.conftest import ingest, land, use_env
from tests.exports import (
    ORDER_DETAIL_LIST,
    ORDER_LIST_2017,
    ORDER_LIST_2019,
    ORDER_LIST_2021,
    export_csv,
)

DAY = "2026-10-08"
PAID = {"订单编号": '="3515313147329357912"', "买家会员名": "tb_小林",
        "买家实际支付金额": "1,299.00", "订单状态": "交易成功", "订单创建时间": "2026/10/8 22:02",
        "订单付款时间": "2026/10/8 22:05", "联系手机": "'13912345678",
        "收货地址": "上海 上海市 浦东新区 世纪大道1号(200120)", "卖家服务费": "0元",
        "退款金额": "0.00", "店铺名称": "旗舰店"}
UNPAID = {"订单编号": '="3515313147329357913"', "买家会员名": "xiaolin1009",
          "买家实际支付金额": "59.00", "订单状态": "等待买家付款",
          "订单创建时间": "2026-10-08 23:59:59", "退款金额": "0.00", "店铺名称": "旗舰店"}
STAGED = [("3515313147329357912", "tb_小林", Decimal("1299.00"), "交易成功",
           datetime(2026, 10, 8, 22, 2), datetime(2026, 10, 8, 22, 5), Decimal("0.00"), "旗舰店"),
          ("3515313147329357913", "xiaolin1009", Decimal("59.00"), "等待买家付款",
           datetime(2026, 10, 8, 23, 59, 59), None, Decimal("0.00"), "旗舰店")]
ORDERS = ("SELECT order_id, buyer, amount, status, created_at, paid_at, refund_amount, shop "
          "FROM staging.orders ORDER BY order_id")


def order_list(*rows: dict[str, str], header: list[str] = ORDER_LIST_2019) -> bytes:
    return export_csv(header, list(rows))


def detail_list() -> bytes:
    return export_csv(ORDER_DETAIL_LIST, [
        {"订单编号": '="3515313147329357912"', "标题": "托特包 大号", "价格": "649.50",
         "购买数量": "2", "商品属性": "颜色分类：黑色", "订单状态": "交易成功"},
    ], trailing_comma=True)


@pytest.mark.parametrize(("header", "columns"), [
    (ORDER_LIST_2017, 46), (ORDER_LIST_2019, 61), (ORDER_LIST_2021, 71)])
def test_each_order_list_layout_loads_by_its_header(settings, header, columns):
    """订单创建时间 is column 18, 20 or 21 and the 2021 layout puts a date column just before it:
    the fields are found by header, never by position."""
    extra = {"虚拟号过期时间": "2026-10-23 22:05:00"} if "虚拟号过期时间" in header else {}
    land(settings, "orders", DAY, "ExportOrderList202610082359.csv",
         order_list(PAID | extra, UNPAID | extra, header=header))
    con = ingest(settings, "orders", DAY)
    assert len(header) == columns
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected, len(record_headers) "
                       "FROM raw.ingest_files").fetchall() == [(2, 2, 0, columns - 8)]
    assert con.execute(ORDERS).fetchall() == STAGED
    # every other column is kept in the raw layer, the 2021 date column among them
    kept = con.execute("SELECT map(f.record_headers, o.record) FROM raw.orders AS o, "
                       "raw.ingest_files AS f ORDER BY o.line_number LIMIT 1").fetchone()[0]
    assert kept["联系手机"] == "'13912345678" and kept["卖家服务费"] == "0元"
    assert kept.get("虚拟号过期时间") == extra.get("虚拟号过期时间")


@pytest.mark.parametrize("name", ["ExportOrderDetailList202610082359.csv", "宝贝明细.csv",
                                  "ExportOrderDetailList202610082359.xlsx"])
def test_the_detail_list_beside_the_order_list_is_skipped_with_a_note(settings, name):
    """Told by its header, whatever its name or format: none of its item rows is an order, none
    is rejected, and the day loads from the ExportOrderList."""
    land(settings, "orders", DAY, "ExportOrderList202610082359.csv", order_list(PAID))
    path = settings.landing / "orders" / DAY / name
    if name.endswith(".xlsx"):
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ORDER_DETAIL_LIST)
        sheet.write_row(1, 0, ["3515313147329357912", "托特包 大号", "649.50", "2", "",
                               "颜色分类：黑色", "", "", "交易成功", ""])
        workbook.close()
    else:
        land(settings, "orders", DAY, name, detail_list())
    con = ingest(settings, "orders", DAY)
    assert con.execute(ORDERS).fetchall() == STAGED[:1]
    files = con.execute("SELECT file_path, status, rows_read, rows_loaded, rows_rejected, note "
                        "FROM raw.ingest_files ORDER BY status, file_path").fetchall()
    assert files == [
        (f"orders/{DAY}/ExportOrderList202610082359.csv", "loaded", 1, 1, 0, None),
        (f"orders/{DAY}/{name}", "skipped", 0, 0, 0,
         "an ExportOrderDetailList (one row per item), not an order export: skipped; the orders"
         " are read from the ExportOrderList beside it")]
    assert con.execute("SELECT count(*) FROM raw.rejected_rows").fetchall() == [(0,)]


def test_a_detail_list_alone_is_a_missing_export_that_keeps_the_days_orders(settings):
    day = date.fromisoformat(DAY)
    detail = land(settings, "orders", "2026-10-09", "ExportOrderDetailList202610092359.csv",
                  detail_list())
    land(settings, "orders", DAY, "ExportOrderList202610082359.csv", order_list(PAID, UNPAID))
    con = connect(settings.warehouse)
    load_day(con, settings.landing, "orders", day, "run-1")
    before = con.execute("SELECT * EXCLUDE (load_run_id) FROM raw.orders ORDER BY 3").fetchall()
    # the order list goes, its detail list comes: the day's orders stay as they were
    (settings.landing / "orders" / DAY / "ExportOrderList202610082359.csv").unlink()
    detail.rename(settings.landing / "orders" / DAY / detail.name)
    load = load_day(con, settings.landing, "orders", day, "run-2")
    assert (load.missing, load.files_read, load.files_skipped) == (True, 0, 1)
    assert con.execute("SELECT * EXCLUDE (load_run_id) FROM raw.orders ORDER BY 3"
                       ).fetchall() == before
    assert len(before) == 2
    # a day whose folder holds a detail list alone has no order export
    land(settings, "orders", "2026-10-09", detail.name, detail_list())
    load = load_day(con, settings.landing, "orders", date(2026, 10, 9), "run-3")
    assert (load.missing, load.files_skipped) == (True, 1)
    assert con.execute("SELECT partition_day, status FROM raw.ingest_files ORDER BY 1, 2"
                       ).fetchall() == [(day, "loaded"), (day, "skipped"),
                                        (date(2026, 10, 9), "skipped")]
    missing = missing_exports(con, load_config(settings.config), day, date(2026, 10, 9))
    assert [m for m in missing if m[1] == "orders"] == [(date(2026, 10, 9), "orders")]


@pytest.mark.parametrize(("written", "status", "paid"), [
    ("SELLER_CONSIGNED_PART", "卖家部分发货", True),
    ("卖家部分发货", "卖家部分发货", True),
    ("PAID_FORBID_CONSIGN", "已付款但禁止发货", True),
    ("TRADE_BUYER_SIGNED", "买家已签收", True),
    ("TRADE_CLOSED", "交易关闭", True),  # closed after payment: a full refund
    ("TRADE_NO_CREATE_PAY", "没有创建支付宝交易", False),
    ("PAY_PENDING", "外卡支付付款确认中", False),
    ("WAIT_PRE_AUTH_CONFIRM", "余额宝0元购合约中", False),
    ("WAIT_BUYER_PAY", "等待买家付款", False),
])
def test_api_status_enums_take_the_paid_state_of_their_seller_center_wording(
        settings, written, status, paid):
    """A payment time written beside a status that says no payment was made is no payment."""
    land(settings, "orders", DAY, "o.csv", order_list(PAID | {"订单状态": written}))
    con = ingest(settings, "orders", DAY)
    assert con.execute("SELECT status, paid_at FROM staging.orders").fetchall() == [
        (status, datetime(2026, 10, 8, 22, 5) if paid else None)]


def test_null_and_nan_cells_are_empty_and_0_0_is_money(settings):
    land(settings, "orders", DAY, "o.csv", order_list(
        UNPAID | {"订单付款时间": "null", "退款金额": "NaN", "店铺名称": "'null"},
        PAID | {"订单编号": '="3515313147329357914"', "买家实际支付金额": "0.0", "退款金额": "0.0"},
        PAID | {"订单编号": '="3515313147329357915"', "买家会员名": "NULL"},
        PAID | {"订单编号": '="3515313147329357916"', "订单付款时间": "NaN", "店铺名称": '="null"'},
    ))
    con = ingest(settings, "orders", DAY)
    assert con.execute("SELECT order_id, amount, paid_at, refund_amount, shop FROM staging.orders "
                       "ORDER BY order_id").fetchall() == [
        ("3515313147329357913", Decimal("59.00"), None, Decimal("0.00"), None),
        ("3515313147329357914", Decimal("0.00"), datetime(2026, 10, 8, 22, 5), Decimal("0.00"),
         "旗舰店"),
        ("3515313147329357916", Decimal("1299.00"), None, Decimal("0.00"), None)]
    assert con.execute("SELECT line_number, reason FROM raw.rejected_rows").fetchall() == [
        (4, "missing buyer (buyer/买家会员名)")]


@pytest.mark.parametrize("written", [
    "2026-10-08 11:00:05+08:00", "2026-10-08 03:00:05+00:00", "2026-10-08 11:00:05 +0800",
    "2026-10-08T06:00:05 +03:00", "2026-10-08 01:30:05-0130",
])
def test_iso_times_with_a_space_are_converted_to_shop_time(settings, written):
    land(settings, "orders", DAY, "o.csv", order_list(PAID | {"订单付款时间": written}))
    con = ingest(settings, "orders", DAY)
    assert con.execute("SELECT paid_at FROM staging.orders").fetchall() == [
        (datetime(2026, 10, 8, 11, 0, 5),)]


def test_a_report_without_a_required_field_fails_its_day_in_one_line_naming_them(
        settings, monkeypatch, tmp_path):
    """A reduced Tmall report without 买家会员名 and 订单状态: through `kefu backfill`, the one line
    names the file and the fields (as their headers), and nothing of the day is loaded."""
    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    left_out = ("买家会员名", "订单状态")
    reduced = [h for h in ORDER_LIST_2019 if h not in left_out]
    row = {h: value for h, value in PAID.items() if h not in left_out}
    path = land(settings, "orders", DAY, "ExportOrderList202610082359.csv",
                order_list(row, header=reduced))
    out = CliRunner().invoke(app, ["backfill", "--from", DAY, "--to", DAY])
    assert out.exit_code == 1, out.output
    line = next(line for line in out.output.splitlines() if str(path) in line)
    assert line.startswith(f"ingest: {path}: no recognisable orders header: missing "
                           "买家会员名 (buyer), 订单状态 (status) (found: 订单编号, ")
    assert "Traceback" not in out.output and "Invariant" not in out.output
    con = connect(settings.warehouse)
    assert con.execute("SELECT count(*) FROM raw.ingest_files WHERE source = 'orders'"
                       ).fetchall() == [(0,)]


def test_a_warehouse_from_before_skipped_files_opens_and_records_them(settings):
    connect(settings.warehouse).execute("ALTER TABLE raw.ingest_files DROP COLUMN note").close()
    land(settings, "orders", DAY, "ExportOrderList202610082359.csv", order_list(PAID))
    land(settings, "orders", DAY, "ExportOrderDetailList202610082359.csv", detail_list())
    con = ingest(settings, "orders", DAY)
    assert con.execute("SELECT status, note IS NOT NULL FROM raw.ingest_files ORDER BY status"
                       ).fetchall() == [("loaded", False), ("skipped", True)]
