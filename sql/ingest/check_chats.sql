-- Why a chat row cannot be loaded (NULL = loadable). Input: landing_rows, one file's rows with
-- the canonical fields as text. An empty content is an image or a sticker, not a fault.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT *, kefu_ts(sent_at) AS parsed_sent_at, kefu_sender(sender) AS parsed_sender
    FROM landing_rows
)
SELECT
    * EXCLUDE (parsed_sent_at, parsed_sender),
    CASE
        WHEN kefu_text(sent_at) IS NULL THEN 'missing time (sent_at/时间)'
        WHEN parsed_sent_at IS NULL THEN 'unreadable time (sent_at/时间): ' || sent_at
        WHEN kefu_account(agent) IS NULL THEN 'missing sub-account (agent/客服)'
        WHEN kefu_text(buyer) IS NULL THEN 'missing buyer (buyer/买家)'
        WHEN parsed_sender IS NULL
            THEN 'unknown sender (sender/发送方): ' || coalesce(sender, '<empty>')
    END AS reject_reason
FROM parsed
