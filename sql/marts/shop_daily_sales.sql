-- marts.shop_daily_sales: per shop day ($day_from..$day_to, by order creation), paid sales split
-- into credited (客服销售额) and silent (静默销售额: no human reply within the window), and the
-- chat-to-order match rate: of the day's paid orders, the share whose buyer wrote to the shop
-- that day or in the window's days before (staging.order_attribution.buyer_chatted). A
-- shop whose exports mask the buyer's nick and carry no buyer id matches none: its rate reads
-- 0, which says why its conversion does (expectations/marts.shop_daily_sales.match_rate.json).
DELETE FROM marts.shop_daily_sales WHERE day BETWEEN $day_from AND $day_to;

INSERT INTO marts.shop_daily_sales
SELECT
    a.created_day AS day,
    count(*) FILTER (WHERE a.is_paid) AS paid_orders,
    coalesce(sum(a.amount) FILTER (WHERE a.is_paid), 0) AS sales,
    coalesce(sum(a.amount) FILTER (WHERE a.is_paid AND NOT a.is_silent), 0) AS credited_sales,
    count(*) FILTER (WHERE a.is_paid AND a.is_silent) AS silent_orders,
    coalesce(sum(a.amount) FILTER (WHERE a.is_paid AND a.is_silent), 0) AS silent_sales,
    bool_or(p.day IS NOT NULL) AS is_promo_day,
    $plan_version AS plan_version,
    count(*) FILTER (WHERE a.is_paid AND a.buyer_chatted) AS chat_matched_orders,
    count(*) FILTER (WHERE a.is_paid AND a.buyer_chatted)
        / nullif(count(*) FILTER (WHERE a.is_paid), 0) AS chat_match_rate
FROM staging.order_attribution AS a
LEFT JOIN config.promo_days AS p ON p.day = a.created_day
WHERE a.created_day BETWEEN $day_from AND $day_to
GROUP BY a.created_day;
