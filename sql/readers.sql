-- Table macros that read staging the way every metric must: each fact once. Loaded on the
-- pipeline's read-write connections (after macros.sql); a published snapshot has no staging.

-- The chat messages sent on the shop days d_from..d_to, each once: a message exported on two
-- days (a rolling export, a re-sent file) counts once, the copy of the earliest export day kept,
-- so a day's metrics never depend on which export days were loaded first. Messages exported on
-- more than one day are few: they are found by aggregation (their keys' hashes), and only they
-- go through the window that keeps the first copy.
CREATE OR REPLACE TEMP MACRO kefu_messages(d_from, d_to) AS TABLE
WITH sent AS (
    -- compared as timestamps, not cast to days, so that the row groups outside the days are
    -- skipped by their min/max (a range is read in spans of days: pipelines/warehouse/database.py)
    SELECT * FROM staging.chat_messages
    WHERE sent_at >= CAST(d_from AS TIMESTAMP)
      AND sent_at < CAST(d_to AS TIMESTAMP) + INTERVAL 1 DAY
),
repeated AS (
    SELECT hash(message_key) AS key_hash FROM sent GROUP BY key_hash HAVING count(*) > 1
)
SELECT * FROM sent WHERE hash(message_key) NOT IN (SELECT key_hash FROM repeated)
UNION ALL
SELECT * FROM sent WHERE hash(message_key) IN (SELECT key_hash FROM repeated)
QUALIFY row_number() OVER (PARTITION BY message_key
                           ORDER BY partition_day, source_file, line_number) = 1;

-- The service ratings given on the shop days d_from..d_to, each once across export days.
CREATE OR REPLACE TEMP MACRO kefu_ratings(d_from, d_to) AS TABLE
SELECT * FROM staging.ratings
WHERE CAST(rated_at AS DATE) BETWEEN d_from AND d_to
QUALIFY row_number() OVER (PARTITION BY rated_at, agent, buyer, buyer_id, rating
                           ORDER BY partition_day, source_file, line_number) = 1;
