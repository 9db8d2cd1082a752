-- staging.ratings: one row per service rating of the export days $day_from..$day_to; a rating
-- landed twice (same time, account, buyer, buyer id and result) is kept once. The typed values
-- are the ones the ingest check parsed (raw.ratings.parsed_*); a row loaded before raw kept them
-- (parsed_rated_at NULL, which a loaded row never has) is parsed here.
DELETE FROM staging.ratings WHERE partition_day BETWEEN $day_from AND $day_to;

INSERT INTO staging.ratings
WITH typed AS (
    SELECT
        partition_day,
        coalesce(parsed_rated_at, kefu_ts(rated_at)) AS rated_at,
        CASE WHEN parsed_rated_at IS NULL THEN kefu_account(agent) ELSE parsed_agent END
            AS agent,
        CASE WHEN parsed_rated_at IS NULL THEN kefu_text(buyer) ELSE parsed_buyer END AS buyer,
        CASE WHEN parsed_rated_at IS NULL THEN kefu_text(rating) ELSE parsed_rating_text END
            AS rating_text,
        CASE WHEN parsed_rated_at IS NULL THEN kefu_rating(rating) ELSE parsed_rating END
            AS rating,
        parsed_buyer_id AS buyer_id,  -- rows loaded before it existed have no buyer id
        source_file,
        line_number
    FROM raw.ratings
    WHERE partition_day BETWEEN $day_from AND $day_to
)
SELECT partition_day, rated_at, agent, buyer, rating_text, rating, source_file, line_number,
       buyer_id
FROM typed
QUALIFY row_number() OVER (PARTITION BY partition_day, rated_at, agent, buyer, buyer_id, rating
                           ORDER BY source_file, line_number) = 1;
