-- Why a service rating row cannot be loaded (NULL = loadable). Each value is parsed once; the
-- typed values (parsed_*) are loaded beside the text into raw.ratings for staging.
CREATE OR REPLACE TEMP TABLE landing_checked AS
WITH parsed AS (
    SELECT
        *,
        kefu_ts(rated_at) AS parsed_rated_at,
        kefu_account(agent) AS parsed_agent,
        kefu_text(buyer) AS parsed_buyer,
        kefu_text(rating) AS parsed_rating_text,
        kefu_rating(rating) AS parsed_rating,
        kefu_id(buyer_id) AS parsed_buyer_id
    FROM landing_rows
)
SELECT
    *,
    CASE
        WHEN parsed_rated_at IS NULL
            THEN 'unreadable time (rated_at/评价时间): ' || coalesce(rated_at, '<empty>')
        WHEN parsed_agent IS NULL THEN 'missing sub-account (agent/客服)'
        WHEN parsed_buyer IS NULL THEN 'missing buyer (buyer/买家)'
        WHEN parsed_rating IS NULL
            THEN 'unknown rating (rating/评价结果): ' || coalesce(rating, '<empty>')
    END AS reject_reason
FROM parsed
