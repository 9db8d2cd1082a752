-- Why a chat row cannot be loaded (NULL = loadable). Input: landing_rows, one file's rows with
-- the canonical fields as text. An empty content is an image or a sticker, not a fault. Each
-- value is parsed once: the typed values (parsed_*) are loaded beside the text into raw.chats,
-- and staging reads them instead of parsing the text again. The sender is the one the export
-- declares, except that a transfer line (由 X 转交给 Y) is `system` wherever it stands and a
-- human reply from a bot sub-account ($bots, config/bots.yaml) is `auto`.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT
        *,
        kefu_ts(sent_at) AS parsed_sent_at,
        kefu_account(agent) AS parsed_agent,
        kefu_text(buyer) AS parsed_buyer,
        kefu_sender(sender) AS declared_sender,
        kefu_text(message_id) AS parsed_message_id,
        kefu_id(buyer_id) AS parsed_buyer_id
    FROM landing_rows
),
classified AS (
    SELECT
        * EXCLUDE (declared_sender),
        CASE
            WHEN kefu_is_transfer(content) THEN 'system'
            WHEN declared_sender = 'agent' AND kefu_is_bot(parsed_agent, $bots) THEN 'auto'
            ELSE declared_sender
        END AS parsed_sender
    FROM parsed
)
SELECT
    *,
    CASE
        WHEN kefu_text(sent_at) IS NULL THEN 'missing time (sent_at/时间)'
        WHEN parsed_sent_at IS NULL THEN 'unreadable time (sent_at/时间): ' || sent_at
        WHEN parsed_agent IS NULL THEN 'missing sub-account (agent/客服)'
        WHEN parsed_buyer IS NULL THEN 'missing buyer (buyer/买家)'
        WHEN parsed_sender IS NULL
            THEN 'unknown sender (sender/发送方): ' || coalesce(sender, '<empty>')
    END AS reject_reason
FROM classified
