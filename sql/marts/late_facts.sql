-- late_facts (temporary): what the export days $day_from..$day_to brought that changes a closed
-- month, one row per fact, so the nightly or payroll run restates that month by itself and the
-- restatement names what moved (SPEC 9). A fact is late when no earlier export day held it as
-- it is now:
--   refund  a refund of an order credited to a day of a closed month, new or with a new status
--           or amount;
--   order   an order credited to a day of a closed month, new, newly paid or with a new amount;
--   chats   messages sent on a day of a closed month that no earlier export day held (a late
--           file), per file;
--   ratings likewise, per file.
CREATE OR REPLACE TEMP TABLE late_facts AS
WITH closed AS (
    SELECT month, last_day(month) AS last_day FROM marts.closed_months
),
refunds AS (
    SELECT c.month, 'refund' AS kind, r.refund_id AS fact,
           'refund ' || r.refund_id || ' of order ' || r.order_id || ' ' || coalesce(r.status, '?')
               || ' ' || coalesce(CAST(r.refund_amount AS VARCHAR), '?') AS detail
    FROM staging.refunds AS r
    JOIN staging.order_attribution AS a USING (order_id)
    JOIN closed AS c ON a.credit_day BETWEEN c.month AND c.last_day
    WHERE r.export_day BETWEEN $day_from AND $day_to
      AND NOT EXISTS (
          SELECT 1 FROM raw.refunds AS p
          WHERE p.partition_day < r.export_day AND kefu_id(p.refund_id) = r.refund_id
            AND kefu_text(p.status) IS NOT DISTINCT FROM r.status
            AND kefu_money(p.refund_amount) IS NOT DISTINCT FROM r.refund_amount)
),
orders AS (
    SELECT c.month, 'order' AS kind, o.order_id AS fact,
           'order ' || o.order_id || ' ' || coalesce(o.status, '?') || ' '
               || CAST(o.amount AS VARCHAR) AS detail
    FROM staging.orders AS o
    JOIN staging.order_attribution AS a USING (order_id)
    JOIN closed AS c ON a.credit_day BETWEEN c.month AND c.last_day
    WHERE o.export_day BETWEEN $day_from AND $day_to
      AND NOT EXISTS (
          SELECT 1 FROM raw.orders AS p
          WHERE p.partition_day < o.export_day AND kefu_id(p.order_id) = o.order_id
            AND kefu_order_paid_at(kefu_order_status(p.status), kefu_ts(p.paid_at))
                IS NOT DISTINCT FROM o.paid_at
            AND kefu_money(p.amount) IS NOT DISTINCT FROM o.amount)
),
chats AS (
    SELECT c.month, 'chats' AS kind, m.source_file AS fact,
           CAST(count(*) AS VARCHAR) || ' chat messages in ' || m.source_file AS detail
    FROM staging.chat_messages AS m
    JOIN closed AS c ON CAST(m.sent_at AS DATE) BETWEEN c.month AND c.last_day
    WHERE m.partition_day BETWEEN $day_from AND $day_to
      AND NOT EXISTS (
          SELECT 1 FROM staging.chat_messages AS e
          WHERE e.message_key = m.message_key AND e.partition_day < m.partition_day)
    GROUP BY c.month, m.source_file
),
ratings AS (
    SELECT c.month, 'ratings' AS kind, r.source_file AS fact,
           CAST(count(*) AS VARCHAR) || ' ratings in ' || r.source_file AS detail
    FROM staging.ratings AS r
    JOIN closed AS c ON CAST(r.rated_at AS DATE) BETWEEN c.month AND c.last_day
    WHERE r.partition_day BETWEEN $day_from AND $day_to
      AND NOT EXISTS (
          SELECT 1 FROM staging.ratings AS e
          WHERE e.rated_at = r.rated_at AND e.agent = r.agent AND e.buyer = r.buyer
            AND e.buyer_id IS NOT DISTINCT FROM r.buyer_id AND e.rating = r.rating
            AND e.partition_day < r.partition_day)
    GROUP BY c.month, r.source_file
)
SELECT * FROM refunds
UNION ALL SELECT * FROM orders
UNION ALL SELECT * FROM chats
UNION ALL SELECT * FROM ratings;
