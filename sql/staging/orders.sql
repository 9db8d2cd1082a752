-- staging.orders: one row per order, as of the latest export day it appeared in (an order
-- reappears in later exports as its status moves). Re-running export days $day_from..$day_to
-- re-derives every order those days touch now or touched before, from all raw exports, so the
-- result never depends on the order partitions were run in. The typed values are the ones the
-- ingest check parsed (raw.orders.parsed_*); a row loaded before raw kept them (parsed_order_id
-- NULL, which a loaded row never has) is parsed here.
CREATE OR REPLACE TEMP TABLE affected_orders AS
SELECT coalesce(parsed_order_id, kefu_id(order_id)) AS order_id FROM raw.orders
WHERE partition_day BETWEEN $day_from AND $day_to
UNION
SELECT order_id FROM staging.orders WHERE export_day BETWEEN $day_from AND $day_to;

DELETE FROM staging.orders WHERE order_id IN (SELECT order_id FROM affected_orders);

INSERT INTO staging.orders
WITH typed AS (
    SELECT
        coalesce(r.parsed_order_id, kefu_id(r.order_id)) AS order_id,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_text(r.buyer) ELSE r.parsed_buyer END
            AS buyer,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_money(r.amount) ELSE r.parsed_amount END
            AS amount,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_order_status(r.status)
             ELSE r.parsed_status END AS status,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_ts(r.created_at)
             ELSE r.parsed_created_at END AS created_at,
        CASE WHEN r.parsed_order_id IS NULL
             THEN kefu_order_paid_at(kefu_order_status(r.status), kefu_ts(r.paid_at))
             ELSE r.parsed_paid_at END AS paid_at,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_money(r.refund_amount)
             ELSE r.parsed_refund_amount END AS refund_amount,
        CASE WHEN r.parsed_order_id IS NULL THEN kefu_text(r.shop) ELSE r.parsed_shop END AS shop,
        r.parsed_buyer_id AS buyer_id,  -- rows loaded before it existed have no buyer id
        r.partition_day,
        r.source_file,
        r.line_number
    FROM raw.orders AS r
)
SELECT
    order_id,
    buyer,
    amount,
    status,
    created_at,
    paid_at,
    coalesce(refund_amount, 0) AS refund_amount,
    shop,
    partition_day AS export_day,
    source_file,
    line_number,
    buyer_id
FROM typed
WHERE order_id IN (SELECT order_id FROM affected_orders)
QUALIFY row_number() OVER (PARTITION BY order_id
                           ORDER BY partition_day DESC, source_file DESC,
                                    line_number DESC) = 1;
