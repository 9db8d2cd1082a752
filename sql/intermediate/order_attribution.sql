-- staging.order_attribution: who each order created on $day_from..$day_to is credited to, by
-- 下单优先判定 (SPEC 6): the account that sent the buyer the last human reply at or before the
-- order's creation, if the order falls on that reply's day D or one of the $window_days days
-- after it; otherwise the order is silent (静默下单). One order, one account. When two accounts
-- replied to the buyer in the same second, the alphabetically first one is credited, so reruns
-- agree. Unpaid orders are attributed too, but only paid ones (paid_at set) can convert.
-- An order's buyer is a chat's buyer when their keys match (kefu_buyer_key in sql/macros.sql):
-- the same buyer id where both carry one, else the same nick, never a masked one.
-- buyer_chatted says whether the buyer wrote to the shop (any account) on the order's day or one
-- of the $window_days days before: what the chat-to-order match rate of marts.shop_daily_sales
-- counts.
DELETE FROM staging.order_attribution WHERE created_day BETWEEN $day_from AND $day_to;

INSERT INTO staging.order_attribution
WITH chats AS NOT MATERIALIZED (  -- read more than once, each time for the few columns needed
    SELECT * FROM staging.chat_messages
    WHERE CAST(sent_at AS DATE) BETWEEN CAST($day_from AS DATE) - CAST($window_days AS INTEGER)
                                    AND CAST($day_to AS DATE)
),
replies AS (
    -- the buyer as the chats name them: the key itself, but for an id (kind 0) the nick of the
    -- credited account's message
    SELECT kind, key, sent_at, min(agent) AS agent,
           coalesce(arg_min(buyer, agent) FILTER (WHERE kind = 0), key) AS buyer
    FROM (SELECT kind, kefu_buyer_key(kind, buyer_id, buyer) AS key, sent_at, agent, buyer
          FROM (SELECT unnest(kefu_chat_key_kinds(buyer_id)) AS kind, buyer_id, buyer, sent_at,
                       agent
                FROM chats WHERE sender = 'agent'))
    WHERE key IS NOT NULL
    GROUP BY kind, key, sent_at
),
consulted AS (
    -- the buyers who wrote to the shop, per day: far fewer rows than messages to key
    SELECT DISTINCT kind, kefu_buyer_key(kind, buyer_id, buyer) AS key, day
    FROM (SELECT unnest(kefu_chat_key_kinds(buyer_id)) AS kind, buyer_id, buyer, day
          FROM (SELECT DISTINCT buyer_id, buyer, CAST(sent_at AS DATE) AS day FROM chats
                WHERE sender = 'buyer'))
    WHERE key IS NOT NULL
),
orders AS (
    SELECT order_id, buyer, buyer_id, created_at, CAST(created_at AS DATE) AS created_day, amount,
           paid_at, status
    FROM staging.orders
    WHERE CAST(created_at AS DATE) BETWEEN $day_from AND $day_to
),
lookups AS (
    SELECT order_id, created_at, created_day, kind, kefu_buyer_key(kind, buyer_id, buyer) AS key
    FROM (SELECT *, unnest(kefu_lookup_key_kinds(buyer_id)) AS kind FROM orders)
    WHERE key IS NOT NULL
      -- the nicks of chats with an id (kind 2) are worth looking up only if there are such
      -- chats: most shops' have no ids, and a second lookup of every order would double what
      -- the joins below probe
      AND (kind <> 2 OR EXISTS (SELECT 1 FROM chats WHERE buyer_id IS NOT NULL))
),
last_reply AS (
    -- an order looked up under two keys (its buyer id, and its nick among chats without ids)
    -- keeps the later reply
    SELECT l.order_id, r.agent AS reply_account, r.sent_at AS reply_at, r.buyer AS reply_buyer
    FROM lookups AS l
    ASOF JOIN replies AS r ON l.kind = r.kind AND l.key = r.key AND l.created_at >= r.sent_at
    QUALIFY row_number() OVER (PARTITION BY l.order_id ORDER BY r.sent_at DESC, r.agent) = 1
),
chatted AS (
    SELECT DISTINCT l.order_id
    FROM lookups AS l
    JOIN consulted AS c ON c.kind = l.kind AND c.key = l.key
     AND c.day BETWEEN l.created_day - CAST($window_days AS INTEGER) AND l.created_day
),
credited AS (
    SELECT o.*, r.reply_account, r.reply_at, r.reply_buyer,
        r.reply_at IS NOT NULL AND o.created_day
            <= CAST(r.reply_at AS DATE) + CAST($window_days AS INTEGER) AS in_window,
        o.order_id IN (SELECT order_id FROM chatted) AS buyer_chatted
    FROM orders AS o
    LEFT JOIN last_reply AS r USING (order_id)
)
SELECT
    order_id, buyer, created_at, created_day, amount, paid_at, paid_at IS NOT NULL AS is_paid,
    status, reply_at AS last_reply_at,
    CASE WHEN in_window THEN reply_account END AS credited_account,
    CASE WHEN in_window THEN CAST(reply_at AS DATE) END AS credit_day,
    NOT in_window AS is_silent,
    buyer_id, reply_buyer AS last_reply_buyer, buyer_chatted
FROM credited;
