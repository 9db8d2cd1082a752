-- What `kefu plan-check` and `kefu whatif` judge a plan's KPI lines by
-- (pipelines/pay/diagnostics.py), for the month $month_first..$month_last, from
-- marts.agent_daily_metrics alone (so a published snapshot, which holds the marts but not
-- staging, serves as well as the warehouse).
--
-- plan_check_days: per employee, day and metric, the day's numerator, denominator and sample,
-- with the definitions of sql/marts/agent_monthly_metrics.sql: summed over the month they are
-- the month's figures. Promotion days are left out of the metrics in $promo_excluded (those the
-- month's metrics left them out of); days without a sample for the metric are left out.
CREATE OR REPLACE TEMP TABLE plan_check_days AS
SELECT employee_id, day, line.metric, line.numerator, line.denominator, line.sample
FROM (
    SELECT employee_id, day, is_promo_day, unnest([
        {'metric': 'inquiry_conversion', 'numerator': CAST(converted_buyers AS DECIMAL(18, 2)),
         'denominator': CAST(inquiry_buyers AS DECIMAL(18, 2)), 'sample': inquiry_buyers},
        {'metric': 'avg_response_seconds',
         'numerator': CAST(answered_wait_seconds AS DECIMAL(18, 2)),
         'denominator': CAST(answered_waits AS DECIMAL(18, 2)), 'sample': answered_waits},
        {'metric': 'first_response_seconds',
         'numerator': CAST(first_response_seconds_total AS DECIMAL(18, 2)),
         'denominator': CAST(first_responses AS DECIMAL(18, 2)), 'sample': first_responses},
        {'metric': 'reply_rate', 'numerator': CAST(received_buyers AS DECIMAL(18, 2)),
         'denominator': CAST(consulted_buyers AS DECIMAL(18, 2)), 'sample': consulted_buyers},
        {'metric': 'satisfaction', 'numerator': CAST(satisfied_ratings AS DECIMAL(18, 2)),
         'denominator': CAST(ratings AS DECIMAL(18, 2)), 'sample': ratings},
        {'metric': 'refund_rate', 'numerator': refunded_amount, 'denominator': sales,
         'sample': credited_orders},
        {'metric': 'slow_response_rate', 'numerator': CAST(slow_responses AS DECIMAL(18, 2)),
         'denominator': CAST(answered_waits AS DECIMAL(18, 2)), 'sample': answered_waits},
        {'metric': 'qa_ratio', 'numerator': CAST(agent_messages AS DECIMAL(18, 2)),
         'denominator': CAST(buyer_messages AS DECIMAL(18, 2)), 'sample': buyer_messages}
    ]) AS line
    FROM marts.agent_daily_metrics
    WHERE day BETWEEN $month_first AND $month_last
)
WHERE line.sample > 0
  AND NOT (is_promo_day AND list_contains(CAST($promo_excluded AS VARCHAR[]), line.metric));

-- plan_check_halves: the same summed over the odd and over the even days of the month, for the
-- split-half reliability.
CREATE OR REPLACE TEMP TABLE plan_check_halves AS
SELECT employee_id, metric, day(day) % 2 = 1 AS odd_days, sum(numerator) AS numerator,
       sum(denominator) AS denominator
FROM plan_check_days
GROUP BY ALL;

-- plan_check_day_spread: how far each day's numerator falls from the employee's month rate
-- (numerator - rate x denominator), squared and divided by the day's sample. The marts hold no
-- single events, but a day's sum of n independent events varies n times as much as one event:
-- each term estimates the variance of one event around the rate.
CREATE OR REPLACE TEMP TABLE plan_check_day_spread AS
WITH rates AS (
    SELECT employee_id, metric, sum(numerator) / sum(denominator) AS rate
    FROM plan_check_days
    GROUP BY ALL
    HAVING sum(denominator) > 0
)
SELECT employee_id, metric, count(*) AS days, sum(sample) AS events,
       sum(denominator) AS denominator,
       sum((numerator - rate * denominator) ^ 2 / sample) AS residual_squares
FROM plan_check_days
JOIN rates USING (employee_id, metric)
GROUP BY ALL;
