-- Why an order export row cannot be loaded (NULL = loadable). An empty 订单付款时间 means unpaid;
-- a present one must be a readable time, and counts as the payment only where the status says a
-- payment was made (kefu_order_paid_at). Each value is parsed once, then judged; the typed values
-- (parsed_*) are loaded beside the text into raw.orders for staging.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT
        *,
        kefu_id(order_id) AS parsed_order_id,
        kefu_text(buyer) AS parsed_buyer,
        kefu_money(amount) AS parsed_amount,
        kefu_order_status(status) AS parsed_status,
        kefu_ts(created_at) AS parsed_created_at,
        kefu_ts(paid_at) AS parsed_paid_time,
        kefu_money(refund_amount) AS parsed_refund_amount,
        kefu_text(shop) AS parsed_shop,
        kefu_id(buyer_id) AS parsed_buyer_id
    FROM landing_rows
)
SELECT
    *,
    kefu_order_paid_at(parsed_status, parsed_paid_time) AS parsed_paid_at,
    CASE
        WHEN parsed_order_id IS NULL THEN 'missing order id (order_id/订单编号)'
        WHEN NOT regexp_full_match(parsed_order_id, '[0-9]+')
            THEN 'order id is not digits (order_id/订单编号): ' || order_id
        WHEN parsed_buyer IS NULL THEN 'missing buyer (buyer/买家会员名)'
        WHEN parsed_amount IS NULL
            THEN 'unreadable amount (amount/买家实际支付金额): ' || coalesce(amount, '<empty>')
        WHEN parsed_amount < 0 THEN 'negative amount (amount/买家实际支付金额): ' || amount
        WHEN parsed_status IS NULL
            THEN 'unknown order status (status/订单状态): ' || coalesce(status, '<empty>')
        WHEN parsed_created_at IS NULL
            THEN 'unreadable time (created_at/订单创建时间): ' || coalesce(created_at, '<empty>')
        WHEN parsed_paid_time IS NULL AND kefu_text(paid_at) IS NOT NULL
            THEN 'unreadable time (paid_at/订单付款时间): ' || paid_at
        WHEN parsed_refund_amount IS NULL AND kefu_text(refund_amount) IS NOT NULL
            THEN 'unreadable amount (refund_amount/退款金额): ' || refund_amount
        WHEN parsed_refund_amount < 0
            THEN 'negative amount (refund_amount/退款金额): ' || refund_amount
    END AS reject_reason
FROM parsed
