-- Why a refund export row cannot be loaded (NULL = loadable).
CREATE OR REPLACE TEMP TABLE landing_checked AS
SELECT
    *,
    CASE
        WHEN kefu_id(order_id) IS NULL THEN 'missing order id (order_id/订单编号)'
        WHEN kefu_id(refund_id) IS NULL THEN 'missing refund id (refund_id/退款编号)'
        WHEN kefu_money(refund_amount) IS NULL
            THEN 'unreadable amount (refund_amount/买家退款金额): '
                 || coalesce(refund_amount, '<empty>')
        WHEN kefu_money(refund_amount) < 0
            THEN 'negative amount (refund_amount/买家退款金额): ' || refund_amount
        WHEN kefu_ts(applied_at) IS NULL
            THEN 'unreadable time (applied_at/退款的申请时间): ' || coalesce(applied_at, '<empty>')
        WHEN kefu_text(status) IS NULL THEN 'missing refund status (status/退款状态)'
    END AS reject_reason
FROM landing_rows
