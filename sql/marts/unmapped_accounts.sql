-- marts.unmapped_accounts: one row per shop day ($day_from..$day_to) and chat account that no
-- roster row maps on that day. Their chats count for nobody, so ops must see them. A bot
-- sub-account ($bots, config/bots.yaml) is no one's to map and is left out. The roster is
-- looked up once per account and day, not once per message.
DELETE FROM marts.unmapped_accounts WHERE day BETWEEN $day_from AND $day_to;

INSERT INTO marts.unmapped_accounts
WITH accounts AS (
    SELECT DISTINCT CAST(sent_at AS DATE) AS day, agent AS account FROM day_messages
),
unmapped AS (
    SELECT day, account FROM accounts AS a
    WHERE NOT kefu_is_bot(account, $bots) AND NOT EXISTS (
          SELECT 1 FROM config.roster AS r
          WHERE r.account = a.account
            AND a.day BETWEEN r.effective_from AND coalesce(r.effective_to, DATE '9999-12-31'))
)
SELECT CAST(m.sent_at AS DATE) AS day, m.agent AS account, count(*) AS messages,
       count(DISTINCT m.buyer) AS buyers, count(*) FILTER (WHERE m.sender = 'agent')
FROM day_messages AS m
SEMI JOIN unmapped AS u ON u.account = m.agent AND u.day = CAST(m.sent_at AS DATE)
GROUP BY ALL;
