-- The frame marts.shop_daily_sales' chat-to-order match rate is judged on: the partition's
-- days, the rate kept only on days with at least 10 paid orders, where a rate near 0 is no
-- quiet day's chance but orders and chats sharing no buyer (masked nicks and no buyer id). The
-- other days' rate is NULL, which the expectation leaves unjudged.
SELECT day, paid_orders,
       CASE WHEN paid_orders >= 10 THEN chat_match_rate END AS judged_match_rate
FROM marts.shop_daily_sales
WHERE day BETWEEN $first AND $last
