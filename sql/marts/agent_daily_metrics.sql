-- marts.agent_daily_metrics: one row per shop day ($day_from..$day_to) and employee on the
-- roster that day, with or without chats. The definition of every daily metric (SPEC 6):
--   consulted_buyers   咨询人数: distinct buyers who sent the employee's accounts a message
--   received_buyers    接待人数: consulted buyers who got at least one human reply that day
--   reply_rate         回复率 = received_buyers / consulted_buyers
--   avg_response_seconds 平均响应 = answered_wait_seconds / answered_waits (waits in service hours)
--   first_response_seconds 首次响应 = mean over sessions of their first wait, where that wait
--                      started in service hours and was answered
--   slow_responses     慢响应: answered counted waits longer than $slow_response_seconds
--   qa_ratio           答问比 = agent_messages (human) / buyer_messages
--   inquiry_buyers     询单人数: received buyers without a paid order in the shop in the 15 days
--                      before their first message of the day (those chats are after-sale)
--   converted_buyers   inquiry buyers with a paid order credited to the employee from this day
--   inquiry_conversion 询单→最终付款转化率 = converted_buyers / inquiry_buyers (provisional until
--                      the attribution window of the day closes)
--   sales              客服销售额: paid orders credited from this day; aov 客单价 = sales /
--                      converted_buyers
--   refund_rate        退款率 = successful refunds (退款成功) on those orders / sales
--   satisfaction       客户满意率 = ratings of 4 or 5 / all ratings of the day
--   answered_wait_seconds_squared, first_response_seconds_squared: the sums of the squared
--                      waits of the two response means, for their spread (the statement's
--                      95% interval of a mean needs the per-wait standard deviation)
-- A chat's buyer is an order's buyer when their keys match (kefu_buyer_key in sql/macros.sql:
-- the buyer id where both carry one, else an unmasked nick), as in order attribution.
-- Rates are stored for reading; the KPI is scored from the numerators and denominators.
-- An employee holding several accounts is one row; level and role are those of the roster row
-- that started last among the ones in force that day.
DELETE FROM marts.agent_daily_metrics WHERE day BETWEEN $day_from AND $day_to;

INSERT INTO marts.agent_daily_metrics
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(CAST($day_from AS DATE), CAST($day_to AS DATE) + 1, INTERVAL 1 DAY) AS t(d)
),
held AS (
    SELECT d.day, r.employee_id, r.name, r.account, r.level, r.role, r.effective_from
    FROM days AS d
    JOIN config.roster AS r
      ON d.day BETWEEN r.effective_from AND coalesce(r.effective_to, DATE '9999-12-31')
),
employees AS (
    SELECT day, employee_id, arg_max(name, effective_from) AS name,
           arg_max(level, effective_from) AS level, arg_max(role, effective_from) AS role,
           string_agg(DISTINCT account, ',' ORDER BY account) AS accounts
    FROM held GROUP BY day, employee_id
),
messages AS (
    SELECT h.day, h.employee_id, m.buyer, m.buyer_id, m.sender, m.sent_at
    FROM day_messages AS m
    JOIN held AS h ON h.account = m.agent AND h.day = CAST(m.sent_at AS DATE)
),
buyers AS (
    SELECT day, employee_id, buyer, max(buyer_id) AS buyer_id,
           min(sent_at) FILTER (WHERE sender = 'buyer') AS first_message_at,
           count(*) FILTER (WHERE sender = 'agent') > 0 AS received
    FROM messages GROUP BY day, employee_id, buyer
    HAVING count(*) FILTER (WHERE sender = 'buyer') > 0
),
after_sale AS (
    -- received buyers with a paid order in the shop in the 15 days before their first message
    SELECT DISTINCT b.day, b.employee_id, b.buyer
    FROM (SELECT day, employee_id, buyer, first_message_at, kind,
                 kefu_buyer_key(kind, buyer_id, buyer) AS key
          FROM (SELECT *, unnest(kefu_chat_key_kinds(buyer_id)) AS kind
                FROM buyers WHERE received)) AS b
    JOIN (SELECT paid_at, kind, kefu_buyer_key(kind, buyer_id, buyer) AS key
          FROM (SELECT *, unnest(kefu_lookup_key_kinds(buyer_id)) AS kind
                FROM staging.orders
                WHERE paid_at >= CAST($day_from AS DATE) - INTERVAL 15 DAY
                  AND paid_at < CAST($day_to AS DATE) + INTERVAL 1 DAY)) AS o
      ON o.kind = b.kind AND o.key = b.key
     AND o.paid_at >= b.first_message_at - INTERVAL 15 DAY AND o.paid_at < b.first_message_at
),
inquiries AS (
    SELECT b.*, NOT EXISTS (
        SELECT 1 FROM after_sale AS a
        WHERE a.day = b.day AND a.employee_id = b.employee_id AND a.buyer = b.buyer
    ) AS is_inquiry
    FROM buyers AS b
    WHERE b.received
),
refunded AS (
    SELECT order_id, sum(refund_amount) AS refunded_amount
    FROM staging.refunds WHERE is_refunded GROUP BY order_id
),
credited AS (
    SELECT a.credit_day AS day, h.employee_id, a.order_id, a.last_reply_buyer AS buyer, a.amount,
           coalesce(r.refunded_amount, 0) AS refunded_amount
    FROM staging.order_attribution AS a
    JOIN held AS h ON h.account = a.credited_account AND h.day = a.credit_day
    LEFT JOIN refunded AS r USING (order_id)
    WHERE a.is_paid AND a.credit_day BETWEEN $day_from AND $day_to
),
buyer_counts AS (
    SELECT b.day, b.employee_id, count(*) AS consulted_buyers,
           count(*) FILTER (WHERE b.received) AS received_buyers,
           count(*) FILTER (WHERE i.is_inquiry) AS inquiry_buyers,
           count(*) FILTER (WHERE i.is_inquiry AND EXISTS (
               SELECT 1 FROM credited AS c
               WHERE c.day = b.day AND c.employee_id = b.employee_id AND c.buyer = b.buyer
           )) AS converted_buyers
    FROM buyers AS b
    LEFT JOIN inquiries AS i USING (day, employee_id, buyer)
    GROUP BY b.day, b.employee_id
),
message_counts AS (
    SELECT day, employee_id,
           count(*) FILTER (WHERE sender = 'agent') AS agent_messages,
           count(*) FILTER (WHERE sender = 'buyer') AS buyer_messages
    FROM messages GROUP BY day, employee_id
),
wait_counts AS (
    SELECT h.day, h.employee_id,
           count(*) FILTER (WHERE w.in_service_hours AND w.answered_at IS NOT NULL)
               AS answered_waits,
           coalesce(sum(w.wait_seconds) FILTER (WHERE w.in_service_hours), 0)
               AS answered_wait_seconds,
           count(*) FILTER (WHERE w.in_service_hours AND w.answered_at IS NULL)
               AS unanswered_waits,
           count(*) FILTER (WHERE w.in_service_hours AND w.is_first_wait
                                  AND w.answered_at IS NOT NULL) AS first_responses,
           coalesce(sum(w.wait_seconds) FILTER (WHERE w.in_service_hours AND w.is_first_wait), 0)
               AS first_response_seconds_total,
           coalesce(sum(w.wait_seconds * w.wait_seconds) FILTER (WHERE w.in_service_hours), 0)
               AS answered_wait_seconds_squared,
           coalesce(sum(w.wait_seconds * w.wait_seconds)
                        FILTER (WHERE w.in_service_hours AND w.is_first_wait), 0)
               AS first_response_seconds_squared,
           count(*) FILTER (WHERE w.in_service_hours
                                  AND w.wait_seconds > $slow_response_seconds) AS slow_responses
    FROM staging.chat_waits AS w
    JOIN held AS h ON h.account = w.agent AND h.day = w.day
    WHERE w.day BETWEEN $day_from AND $day_to
    GROUP BY h.day, h.employee_id
),
sales AS (
    SELECT day, employee_id, count(*) AS credited_orders, sum(amount) AS sales,
           sum(refunded_amount) AS refunded_amount
    FROM credited GROUP BY day, employee_id
),
rating_counts AS (
    SELECT h.day, h.employee_id, count(*) AS ratings,
           count(*) FILTER (WHERE r.rating >= 4) AS satisfied_ratings
    FROM kefu_ratings($day_from, $day_to) AS r
    JOIN held AS h ON h.account = r.agent AND h.day = CAST(r.rated_at AS DATE)
    GROUP BY h.day, h.employee_id
),
joined AS (
    SELECT
        e.day, e.employee_id, e.name, e.level, e.role, e.accounts,
        p.promo_day IS NOT NULL AS is_promo_day,
        coalesce(b.consulted_buyers, 0) AS consulted_buyers,
        coalesce(b.received_buyers, 0) AS received_buyers,
        coalesce(w.answered_waits, 0) AS answered_waits,
        coalesce(w.answered_wait_seconds, 0) AS answered_wait_seconds,
        coalesce(w.unanswered_waits, 0) AS unanswered_waits,
        coalesce(w.first_responses, 0) AS first_responses,
        coalesce(w.first_response_seconds_total, 0) AS first_response_seconds_total,
        coalesce(w.answered_wait_seconds_squared, 0) AS answered_wait_seconds_squared,
        coalesce(w.first_response_seconds_squared, 0) AS first_response_seconds_squared,
        coalesce(w.slow_responses, 0) AS slow_responses,
        coalesce(m.agent_messages, 0) AS agent_messages,
        coalesce(m.buyer_messages, 0) AS buyer_messages,
        coalesce(b.inquiry_buyers, 0) AS inquiry_buyers,
        coalesce(b.converted_buyers, 0) AS converted_buyers,
        coalesce(s.credited_orders, 0) AS credited_orders,
        coalesce(s.sales, 0) AS sales,
        coalesce(s.refunded_amount, 0) AS refunded_amount,
        coalesce(r.ratings, 0) AS ratings,
        coalesce(r.satisfied_ratings, 0) AS satisfied_ratings
    FROM employees AS e
    LEFT JOIN (SELECT day AS promo_day FROM config.promo_days) AS p ON p.promo_day = e.day
    LEFT JOIN buyer_counts AS b USING (day, employee_id)
    LEFT JOIN message_counts AS m USING (day, employee_id)
    LEFT JOIN wait_counts AS w USING (day, employee_id)
    LEFT JOIN sales AS s USING (day, employee_id)
    LEFT JOIN rating_counts AS r USING (day, employee_id)
)
SELECT
    day, employee_id, name, level, role, accounts, is_promo_day,
    consulted_buyers, received_buyers, received_buyers / nullif(consulted_buyers, 0),
    answered_waits, answered_wait_seconds, answered_wait_seconds / nullif(answered_waits, 0),
    unanswered_waits, first_responses, first_response_seconds_total,
    first_response_seconds_total / nullif(first_responses, 0),
    slow_responses, agent_messages, buyer_messages, agent_messages / nullif(buyer_messages, 0),
    inquiry_buyers, converted_buyers, converted_buyers / nullif(inquiry_buyers, 0),
    credited_orders, sales, kefu_money_per(sales, converted_buyers),
    refunded_amount, refunded_amount / nullif(sales, 0),
    ratings, satisfied_ratings, satisfied_ratings / nullif(ratings, 0),
    $plan_version, answered_wait_seconds_squared, first_response_seconds_squared
FROM joined;
