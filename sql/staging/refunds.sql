-- staging.refunds: one row per refund, as of the latest export day it appeared in (a refund
-- reappears as its status moves from applied to 退款成功 or 退款关闭). Only 退款成功 is a refund.
-- The typed values are the ones the ingest check parsed (raw.refunds.parsed_*); a row loaded
-- before raw kept them (parsed_refund_id NULL, which a loaded row never has) is parsed here.
CREATE OR REPLACE TEMP TABLE affected_refunds AS
SELECT coalesce(parsed_refund_id, kefu_id(refund_id)) AS refund_id FROM raw.refunds
WHERE partition_day BETWEEN $day_from AND $day_to
UNION
SELECT refund_id FROM staging.refunds WHERE export_day BETWEEN $day_from AND $day_to;

DELETE FROM staging.refunds WHERE refund_id IN (SELECT refund_id FROM affected_refunds);

INSERT INTO staging.refunds
WITH typed AS (
    SELECT
        coalesce(r.parsed_refund_id, kefu_id(r.refund_id)) AS refund_id,
        CASE WHEN r.parsed_refund_id IS NULL THEN kefu_id(r.order_id) ELSE r.parsed_order_id END
            AS order_id,
        CASE WHEN r.parsed_refund_id IS NULL THEN kefu_money(r.refund_amount)
             ELSE r.parsed_refund_amount END AS refund_amount,
        CASE WHEN r.parsed_refund_id IS NULL THEN kefu_ts(r.applied_at)
             ELSE r.parsed_applied_at END AS applied_at,
        CASE WHEN r.parsed_refund_id IS NULL THEN kefu_text(r.status) ELSE r.parsed_status END
            AS status,
        CASE WHEN r.parsed_refund_id IS NULL THEN kefu_text(r.reason) ELSE r.parsed_reason END
            AS reason,
        r.partition_day,
        r.source_file,
        r.line_number
    FROM raw.refunds AS r
)
SELECT
    refund_id,
    order_id,
    refund_amount,
    applied_at,
    status,
    status = '退款成功' AS is_refunded,
    reason,
    partition_day AS export_day,
    source_file,
    line_number
FROM typed
WHERE refund_id IN (SELECT refund_id FROM affected_refunds)
QUALIFY row_number() OVER (PARTITION BY refund_id
                           ORDER BY partition_day DESC, source_file DESC,
                                    line_number DESC) = 1;
