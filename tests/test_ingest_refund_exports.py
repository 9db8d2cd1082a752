"""The refund report (退款报表) in the variants shops land: the Tmall report with its own
spelling of 手工退款/系统退款 and 部分退款/全部退款 and extra columns such as 客服介入状态, a
report that puts 退款编号 before 订单编号, and every refund status; only 退款成功 is a refund."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tests.conftest import ingest, land
from tests.exports import REFUND_REPORT, export_csv

DAY = "2026-10-12"
STATUSES = ["退款成功", "退款关闭", "退款失败", "卖家拒绝退款", "买家已经申请退款，等待卖家同意",
            "卖家已经同意退款，等待买家退货", "买家已经退货，等待卖家确认收货"]
REFUNDS = ("SELECT refund_id, order_id, refund_amount, applied_at, status, is_refunded, reason "
           "FROM staging.refunds ORDER BY refund_id")


def refund(number: int, status: str) -> dict[str, str]:
    return {"订单编号": f'="351531314732935790{number}"', "退款编号": f'="9876543210{number}"',
            "买家退款金额": f"{number}0.50", "退款的申请时间": f"2026-10-12 1{number}:00:00",
            "退款状态": status, "买家退款原因": "7天无理由退换货", "手工退款_系统退款": "系统退款",
            "部分退款_全部退款": "部分退款",
            "客服介入状态": "客服未介入" if number else "需要客服介入",
            "订单付款时间": "2026-10-01 10:00:00", "买家实际支付金额": "399.00"}


def test_the_tmall_refund_report_loads_every_status_and_only_a_success_refunds(settings):
    land(settings, "refunds", DAY, "退款报表.csv",
         export_csv(REFUND_REPORT, [refund(n, status) for n, status in enumerate(STATUSES)]))
    con = ingest(settings, "refunds", DAY)
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM raw.ingest_files"
                       ).fetchall() == [(7, 7, 0)]
    assert con.execute(REFUNDS).fetchall() == [
        (f"9876543210{n}", f"351531314732935790{n}", Decimal(f"{n}0.50"),
         datetime(2026, 10, 12, 10 + n), status, status == "退款成功", "7天无理由退换货")
        for n, status in enumerate(STATUSES)]
    # the report's own columns are kept under their own headers
    kept = con.execute("SELECT map(f.record_headers, r.record) FROM raw.refunds AS r, "
                       "raw.ingest_files AS f WHERE r.line_number = 2").fetchone()[0]
    assert (kept["客服介入状态"], kept["手工退款_系统退款"], kept["部分退款_全部退款"]) == (
        "需要客服介入", "系统退款", "部分退款")


def test_a_report_with_the_refund_id_first_and_slashed_headers_loads_by_header(settings):
    header = ["退款编号", "订单编号", "退款状态", "买家退款金额", "手工退款/系统退款",
              "退款的申请时间", "客服介入状态", "部分退款/全部退款", "买家退款原因"]
    land(settings, "refunds", DAY, "refund.csv", export_csv(header, [
        {"退款编号": "'98765432109", "订单编号": "'3515313147329357909", "退款状态": "退款成功",
         "买家退款金额": "￥1,299.00", "手工退款/系统退款": "手工退款",
         "退款的申请时间": "2026-10-12T02:00:00+00:00", "部分退款/全部退款": "全部退款",
         "买家退款原因": "null"}], encoding="utf-8"))
    con = ingest(settings, "refunds", DAY)
    assert con.execute(REFUNDS).fetchall() == [
        ("98765432109", "3515313147329357909", Decimal("1299.00"), datetime(2026, 10, 12, 10),
         "退款成功", True, None)]
