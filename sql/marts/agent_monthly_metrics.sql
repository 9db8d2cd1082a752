-- marts.agent_monthly_metrics: one row per employee on the roster on any day of the month
-- ($month_first..$month_last). A month's rate is the ratio of the month's summed numerators and
-- denominators, never an average of daily rates. The numerator and denominator of each metric
-- named in $promo_excluded (the plan's promo_days_excluded_from) are summed over non-promotion
-- days only; promo_days says how many employed days that left out. aov divides the sales of the
-- days converted_buyers counts by converted_buyers, so both leave out the same days. Level and
-- role are those of the employee's last employed day of the month. The sums of squared waits
-- are NULL when a day they sum over was computed before those columns existed (its days need
-- a re-run, `kefu backfill`): a partial sum would understate the spread.
-- The rows land in the temporary table computed_agent_monthly_metrics; the asset moves them into
-- marts (or, for a closed month, restated) with pipelines.warehouse.database.replace_months.
CREATE OR REPLACE TEMP TABLE computed_agent_monthly_metrics AS
FROM marts.agent_monthly_metrics LIMIT 0;

INSERT INTO computed_agent_monthly_metrics
WITH daily AS (
    SELECT *,
        is_promo_day AND list_contains($promo_excluded, 'reply_rate') AS skip_reply,
        is_promo_day AND list_contains($promo_excluded, 'avg_response_seconds') AS skip_avg,
        is_promo_day AND list_contains($promo_excluded, 'first_response_seconds') AS skip_first,
        is_promo_day AND list_contains($promo_excluded, 'slow_response_rate') AS skip_slow,
        is_promo_day AND list_contains($promo_excluded, 'qa_ratio') AS skip_qa,
        is_promo_day AND list_contains($promo_excluded, 'inquiry_conversion') AS skip_conv,
        is_promo_day AND list_contains($promo_excluded, 'refund_rate') AS skip_refund,
        is_promo_day AND list_contains($promo_excluded, 'satisfaction') AS skip_satisfaction
    FROM marts.agent_daily_metrics
    WHERE day BETWEEN $month_first AND $month_last
),
summed AS (
    SELECT
        employee_id,
        arg_max(name, day) AS name, arg_max(level, day) AS level, arg_max(role, day) AS role,
        count(*) AS days_employed,
        count(*) FILTER (WHERE is_promo_day) AS promo_days,
        sum(consulted_buyers) FILTER (WHERE NOT skip_reply) AS consulted_buyers,
        sum(received_buyers) FILTER (WHERE NOT skip_reply) AS received_buyers,
        sum(answered_waits) FILTER (WHERE NOT skip_avg) AS answered_waits,
        sum(answered_wait_seconds) FILTER (WHERE NOT skip_avg) AS answered_wait_seconds,
        sum(unanswered_waits) AS unanswered_waits,
        sum(first_responses) FILTER (WHERE NOT skip_first) AS first_responses,
        sum(first_response_seconds_total) FILTER (WHERE NOT skip_first)
            AS first_response_seconds_total,
        CASE WHEN bool_and(answered_wait_seconds_squared IS NOT NULL)
                      FILTER (WHERE NOT skip_avg) IS NOT FALSE
             THEN coalesce(sum(answered_wait_seconds_squared) FILTER (WHERE NOT skip_avg), 0)
        END AS answered_wait_seconds_squared,
        CASE WHEN bool_and(first_response_seconds_squared IS NOT NULL)
                      FILTER (WHERE NOT skip_first) IS NOT FALSE
             THEN coalesce(sum(first_response_seconds_squared) FILTER (WHERE NOT skip_first), 0)
        END AS first_response_seconds_squared,
        sum(slow_responses) FILTER (WHERE NOT skip_slow) AS slow_responses,
        sum(answered_waits) FILTER (WHERE NOT skip_slow) AS slow_base,
        sum(agent_messages) FILTER (WHERE NOT skip_qa) AS agent_messages,
        sum(buyer_messages) FILTER (WHERE NOT skip_qa) AS buyer_messages,
        sum(inquiry_buyers) FILTER (WHERE NOT skip_conv) AS inquiry_buyers,
        sum(converted_buyers) FILTER (WHERE NOT skip_conv) AS converted_buyers,
        sum(credited_orders) AS credited_orders,
        sum(sales) AS sales,
        sum(sales) FILTER (WHERE NOT skip_conv) AS converted_sales,
        sum(sales) FILTER (WHERE NOT skip_refund) AS refund_base,
        sum(refunded_amount) FILTER (WHERE NOT skip_refund) AS refunded_amount,
        sum(ratings) FILTER (WHERE NOT skip_satisfaction) AS ratings,
        sum(satisfied_ratings) FILTER (WHERE NOT skip_satisfaction) AS satisfied_ratings
    FROM daily
    GROUP BY employee_id
),
filled AS (
    SELECT * REPLACE (
        coalesce(consulted_buyers, 0) AS consulted_buyers,
        coalesce(received_buyers, 0) AS received_buyers,
        coalesce(answered_waits, 0) AS answered_waits,
        coalesce(answered_wait_seconds, 0) AS answered_wait_seconds,
        coalesce(first_responses, 0) AS first_responses,
        coalesce(first_response_seconds_total, 0) AS first_response_seconds_total,
        coalesce(slow_responses, 0) AS slow_responses,
        coalesce(slow_base, 0) AS slow_base,
        coalesce(agent_messages, 0) AS agent_messages,
        coalesce(buyer_messages, 0) AS buyer_messages,
        coalesce(inquiry_buyers, 0) AS inquiry_buyers,
        coalesce(converted_buyers, 0) AS converted_buyers,
        coalesce(converted_sales, 0) AS converted_sales,
        coalesce(refund_base, 0) AS refund_base,
        coalesce(refunded_amount, 0) AS refunded_amount,
        coalesce(ratings, 0) AS ratings,
        coalesce(satisfied_ratings, 0) AS satisfied_ratings)
    FROM summed
)
SELECT
    CAST($month_first AS DATE), employee_id, name, level, role, days_employed, promo_days,
    nullif(array_to_string($promo_excluded, ','), ''),
    consulted_buyers, received_buyers, received_buyers / nullif(consulted_buyers, 0),
    answered_waits, answered_wait_seconds, answered_wait_seconds / nullif(answered_waits, 0),
    unanswered_waits, first_responses, first_response_seconds_total,
    first_response_seconds_total / nullif(first_responses, 0),
    slow_responses, slow_base, slow_responses / nullif(slow_base, 0),
    agent_messages, buyer_messages, agent_messages / nullif(buyer_messages, 0),
    inquiry_buyers, converted_buyers, converted_buyers / nullif(inquiry_buyers, 0),
    credited_orders, sales, kefu_money_per(converted_sales, converted_buyers),
    refunded_amount, refund_base, refunded_amount / nullif(refund_base, 0),
    ratings, satisfied_ratings, satisfied_ratings / nullif(ratings, 0),
    $plan_version, answered_wait_seconds_squared, first_response_seconds_squared
FROM filled;
