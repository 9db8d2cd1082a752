-- staging.orders: one row per order, as of the latest export day it appeared in (an order
-- reappears in later exports as its status moves). Re-running export days $day_from..$day_to
-- re-derives every order those days touch now or touched before, from all raw exports, so the
-- result never depends on the order partitions were run in.
CREATE OR REPLACE TEMP TABLE affected_orders AS
SELECT kefu_id(order_id) AS order_id FROM raw.orders
WHERE partition_day BETWEEN $day_from AND $day_to
UNION
SELECT order_id FROM staging.orders WHERE export_day BETWEEN $day_from AND $day_to;

DELETE FROM staging.orders WHERE order_id IN (SELECT order_id FROM affected_orders);

INSERT INTO staging.orders
SELECT
    kefu_id(r.order_id) AS order_id,
    kefu_text(r.buyer) AS buyer,
    kefu_money(r.amount) AS amount,
    kefu_order_status(r.status) AS status,
    kefu_ts(r.created_at) AS created_at,
    kefu_ts(r.paid_at) AS paid_at,
    coalesce(kefu_money(r.refund_amount), 0) AS refund_amount,
    kefu_text(r.shop) AS shop,
    r.partition_day AS export_day,
    r.source_file,
    r.line_number
FROM raw.orders AS r
WHERE kefu_id(r.order_id) IN (SELECT order_id FROM affected_orders)
QUALIFY row_number() OVER (PARTITION BY kefu_id(r.order_id)
                           ORDER BY r.partition_day DESC, r.source_file DESC,
                                    r.line_number DESC) = 1;
