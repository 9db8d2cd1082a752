-- staging.refunds: one row per refund, as of the latest export day it appeared in (a refund
-- reappears as its status moves from applied to 退款成功 or 退款关闭). Only 退款成功 is a refund.
CREATE OR REPLACE TEMP TABLE affected_refunds AS
SELECT kefu_id(refund_id) AS refund_id FROM raw.refunds
WHERE partition_day BETWEEN $day_from AND $day_to
UNION
SELECT refund_id FROM staging.refunds WHERE export_day BETWEEN $day_from AND $day_to;

DELETE FROM staging.refunds WHERE refund_id IN (SELECT refund_id FROM affected_refunds);

INSERT INTO staging.refunds
SELECT
    kefu_id(r.refund_id) AS refund_id,
    kefu_id(r.order_id) AS order_id,
    kefu_money(r.refund_amount) AS refund_amount,
    kefu_ts(r.applied_at) AS applied_at,
    kefu_text(r.status) AS status,
    kefu_text(r.status) = '退款成功' AS is_refunded,
    kefu_text(r.reason) AS reason,
    r.partition_day AS export_day,
    r.source_file,
    r.line_number
FROM raw.refunds AS r
WHERE kefu_id(r.refund_id) IN (SELECT refund_id FROM affected_refunds)
QUALIFY row_number() OVER (PARTITION BY kefu_id(r.refund_id)
                           ORDER BY r.partition_day DESC, r.source_file DESC,
                                    r.line_number DESC) = 1;
