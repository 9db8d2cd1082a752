-- Why an order export row cannot be loaded (NULL = loadable). An empty 订单付款时间 means unpaid;
-- a present one must be a readable time.
CREATE OR REPLACE TEMP TABLE landing_checked AS
SELECT
    *,
    CASE
        WHEN kefu_id(order_id) IS NULL THEN 'missing order id (order_id/订单编号)'
        WHEN NOT regexp_full_match(kefu_id(order_id), '[0-9]+')
            THEN 'order id is not digits (order_id/订单编号): ' || order_id
        WHEN kefu_text(buyer) IS NULL THEN 'missing buyer (buyer/买家会员名)'
        WHEN kefu_money(amount) IS NULL
            THEN 'unreadable amount (amount/买家实际支付金额): ' || coalesce(amount, '<empty>')
        WHEN kefu_money(amount) < 0
            THEN 'negative amount (amount/买家实际支付金额): ' || amount
        WHEN kefu_order_status(status) IS NULL
            THEN 'unknown order status (status/订单状态): ' || coalesce(status, '<empty>')
        WHEN kefu_ts(created_at) IS NULL
            THEN 'unreadable time (created_at/订单创建时间): ' || coalesce(created_at, '<empty>')
        WHEN kefu_text(paid_at) IS NOT NULL AND kefu_ts(paid_at) IS NULL
            THEN 'unreadable time (paid_at/订单付款时间): ' || paid_at
        WHEN kefu_text(refund_amount) IS NOT NULL AND kefu_money(refund_amount) IS NULL
            THEN 'unreadable amount (refund_amount/退款金额): ' || refund_amount
        WHEN kefu_money(refund_amount) < 0
            THEN 'negative amount (refund_amount/退款金额): ' || refund_amount
    END AS reject_reason
FROM landing_rows
