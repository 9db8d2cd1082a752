-- Why a service rating row cannot be loaded (NULL = loadable).
CREATE OR REPLACE TEMP TABLE landing_checked AS
SELECT
    *,
    CASE
        WHEN kefu_ts(rated_at) IS NULL
            THEN 'unreadable time (rated_at/评价时间): ' || coalesce(rated_at, '<empty>')
        WHEN kefu_account(agent) IS NULL THEN 'missing sub-account (agent/客服)'
        WHEN kefu_text(buyer) IS NULL THEN 'missing buyer (buyer/买家)'
        WHEN kefu_rating(rating) IS NULL
            THEN 'unknown rating (rating/评价结果): ' || coalesce(rating, '<empty>')
    END AS reject_reason
FROM landing_rows
