-- staging.ratings: one row per service rating of the export days $day_from..$day_to; a rating
-- landed twice (same time, account, buyer and result) is kept once.
DELETE FROM staging.ratings WHERE partition_day BETWEEN $day_from AND $day_to;

INSERT INTO staging.ratings
SELECT
    partition_day,
    kefu_ts(rated_at) AS rated_at,
    kefu_account(agent) AS agent,
    kefu_text(buyer) AS buyer,
    kefu_text(rating) AS rating_text,
    kefu_rating(rating) AS rating,
    source_file,
    line_number
FROM raw.ratings
WHERE partition_day BETWEEN $day_from AND $day_to
QUALIFY row_number() OVER (PARTITION BY partition_day, kefu_ts(rated_at), kefu_account(agent),
                                        kefu_text(buyer), kefu_rating(rating)
                           ORDER BY source_file, line_number) = 1;
