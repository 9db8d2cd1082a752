-- staging.order_attribution: who each order created on $day_from..$day_to is credited to, by
-- 下单优先判定 (SPEC 6): the account that sent the buyer the last human reply at or before the
-- order's creation, if the order falls on that reply's day D or one of the $window_days days
-- after it; otherwise the order is silent (静默下单). One order, one account. When two accounts
-- replied to the buyer in the same second, the alphabetically first one is credited, so reruns
-- agree. Unpaid orders are attributed too, but only paid ones (paid_at set) can convert.
DELETE FROM staging.order_attribution WHERE created_day BETWEEN $day_from AND $day_to;

INSERT INTO staging.order_attribution
WITH replies AS (
    SELECT buyer, sent_at, min(agent) AS agent
    FROM staging.chat_messages
    WHERE sender = 'agent'
      AND CAST(sent_at AS DATE) BETWEEN CAST($day_from AS DATE) - CAST($window_days AS INTEGER)
                                    AND CAST($day_to AS DATE)
    GROUP BY buyer, sent_at
),
orders AS (
    SELECT order_id, buyer, created_at, CAST(created_at AS DATE) AS created_day, amount, paid_at,
           status
    FROM staging.orders
    WHERE CAST(created_at AS DATE) BETWEEN $day_from AND $day_to
),
last_reply AS (
    SELECT o.*, r.agent AS reply_account, r.sent_at AS reply_at
    FROM orders AS o
    ASOF LEFT JOIN replies AS r ON o.buyer = r.buyer AND o.created_at >= r.sent_at
),
credited AS (
    SELECT *,
        reply_at IS NOT NULL AND created_day
            <= CAST(reply_at AS DATE) + CAST($window_days AS INTEGER) AS in_window
    FROM last_reply
)
SELECT
    order_id, buyer, created_at, created_day, amount, paid_at, paid_at IS NOT NULL AS is_paid,
    status, reply_at AS last_reply_at,
    CASE WHEN in_window THEN reply_account END AS credited_account,
    CASE WHEN in_window THEN CAST(reply_at AS DATE) END AS credit_day,
    NOT in_window AS is_silent
FROM credited;
