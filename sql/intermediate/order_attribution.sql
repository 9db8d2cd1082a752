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
keyed_chats AS (
    -- each message of the buyer or an agent under each key it offers
    SELECT kind, kefu_buyer_key(kind, buyer_id, buyer) AS key, sent_at, sender, agent,
           CASE WHEN kind = 0 THEN buyer END AS buyer
    FROM (SELECT unnest(kefu_chat_key_kinds(buyer_id)) AS kind, buyer_id, buyer, sent_at, sender,
                 agent
          FROM chats WHERE sender IN ('agent', 'buyer'))
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
      -- the join below probes
      AND (kind <> 2 OR EXISTS (SELECT 1 FROM chats WHERE buyer_id IS NOT NULL))
),
matched AS (
    -- per order, in one pass over its buyer's messages up to its day (under any key it looks
    -- up): the last reply at or before it, the latest second then the alphabetically first
    -- account; and whether the buyer wrote in the window's days. One hash join and one group
    -- by order: an ASOF join of the replies, deduplicated per second, took three times as long
    SELECT l.order_id,
        arg_min({'account': c.agent, 'at': c.sent_at, 'buyer': coalesce(c.buyer, c.key)},
                (-epoch_us(c.sent_at), c.agent, c.buyer))
            FILTER (WHERE c.sender = 'agent' AND c.sent_at <= l.created_at) AS reply,
        bool_or(c.sender = 'buyer' AND CAST(c.sent_at AS DATE)
                >= l.created_day - CAST($window_days AS INTEGER)) AS buyer_chatted
    FROM lookups AS l
    JOIN keyed_chats AS c ON c.kind = l.kind AND c.key = l.key
     AND CAST(c.sent_at AS DATE) <= l.created_day
    GROUP BY l.order_id
),
credited AS (
    SELECT o.*, m.reply.account AS reply_account, m.reply.at AS reply_at,
        m.reply.buyer AS reply_buyer,
        m.reply.at IS NOT NULL AND o.created_day
            <= CAST(m.reply.at AS DATE) + CAST($window_days AS INTEGER) AS in_window,
        coalesce(m.buyer_chatted, false) AS buyer_chatted
    FROM orders AS o
    LEFT JOIN matched AS m USING (order_id)
)
SELECT
    order_id, buyer, created_at, created_day, amount, paid_at, paid_at IS NOT NULL AS is_paid,
    status, reply_at AS last_reply_at,
    CASE WHEN in_window THEN reply_account END AS credited_account,
    CASE WHEN in_window THEN CAST(reply_at AS DATE) END AS credit_day,
    NOT in_window AS is_silent,
    buyer_id, reply_buyer AS last_reply_buyer, buyer_chatted
FROM credited;
