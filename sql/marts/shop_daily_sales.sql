-- marts.shop_daily_sales: per shop day ($day_from..$day_to, by order creation), paid sales split
-- into credited (客服销售额) and silent (静默销售额: no human reply within the window).
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
    $plan_version AS plan_version
FROM staging.order_attribution AS a
LEFT JOIN config.promo_days AS p ON p.day = a.created_day
WHERE a.created_day BETWEEN $day_from AND $day_to
GROUP BY a.created_day;
