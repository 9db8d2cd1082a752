-- Why a refund export row cannot be loaded (NULL = loadable). Each value is parsed once; the
-- typed values (parsed_*) are loaded beside the text into raw.refunds for staging.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT
        *,
        kefu_id(order_id) AS parsed_order_id,
        kefu_id(refund_id) AS parsed_refund_id,
        kefu_money(refund_amount) AS parsed_refund_amount,
        kefu_ts(applied_at) AS parsed_applied_at,
        kefu_text(status) AS parsed_status,
        kefu_text(reason) AS parsed_reason
    FROM landing_rows
)
SELECT
    *,
    CASE
        WHEN parsed_order_id IS NULL THEN 'missing order id (order_id/订单编号)'
        WHEN parsed_refund_id IS NULL THEN 'missing refund id (refund_id/退款编号)'
        WHEN parsed_refund_amount IS NULL
            THEN 'unreadable amount (refund_amount/买家退款金额): '
                 || coalesce(refund_amount, '<empty>')
        WHEN parsed_refund_amount < 0
            THEN 'negative amount (refund_amount/买家退款金额): ' || refund_amount
        WHEN parsed_applied_at IS NULL
            THEN 'unreadable time (applied_at/退款的申请时间): ' || coalesce(applied_at, '<empty>')
        WHEN parsed_status IS NULL THEN 'missing refund status (status/退款状态)'
    END AS reject_reason
FROM parsed
