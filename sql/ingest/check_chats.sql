-- Why a chat row cannot be loaded (NULL = loadable). Input: landing_rows, one file's rows with
-- the canonical fields as text. An empty content is an image or a sticker, not a fault. Each
-- value is parsed once: the typed values (parsed_*) are loaded beside the text into raw.chats,
-- and staging reads them instead of parsing the text again.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT
        *,
        kefu_ts(sent_at) AS parsed_sent_at,
        kefu_account(agent) AS parsed_agent,
        kefu_text(buyer) AS parsed_buyer,
        kefu_sender(sender) AS parsed_sender,
        kefu_text(message_id) AS parsed_message_id
    FROM landing_rows
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
FROM parsed
