-- staging.chat_messages: one row per chat message, typed, for the export days $day_from..$day_to.
-- A message is identified by its message_id, else by (sent_at, agent, buyer, sender, content,
-- ordinal, buyer_id), the ordinal telling apart identical messages in one file, the buyer id
-- two buyers whose masked nicks look alike (t******7); the same message landed twice (say in a
-- CSV and a transcript of the same day) is kept once, from the first file.
-- De-duplication here is within an export day, so a day's partition never depends on another
-- day's; a message exported on several days is counted once by its readers (kefu_messages in
-- sql/readers.sql).
DELETE FROM staging.chat_messages WHERE partition_day BETWEEN $day_from AND $day_to;

INSERT INTO staging.chat_messages
-- The typed values are the ones the ingest check parsed (raw.chats.parsed_*); a row loaded before
-- raw kept them (parsed_sent_at NULL, which a loaded row never has) is parsed here.
WITH typed AS (
    SELECT
        partition_day,
        coalesce(parsed_sent_at, kefu_ts(sent_at)) AS sent_at,
        CASE WHEN parsed_sent_at IS NULL THEN kefu_account(agent) ELSE parsed_agent END AS agent,
        CASE WHEN parsed_sent_at IS NULL THEN kefu_text(buyer) ELSE parsed_buyer END AS buyer,
        CASE WHEN parsed_sent_at IS NULL THEN kefu_sender(sender) ELSE parsed_sender END
            AS sender,
        coalesce(trim(content), '') AS content,
        CASE WHEN parsed_sent_at IS NULL THEN kefu_text(message_id) ELSE parsed_message_id END
            AS message_id,
        parsed_buyer_id AS buyer_id,  -- rows loaded before it existed have no buyer id
        source_file,
        line_number
    FROM raw.chats
    WHERE partition_day BETWEEN $day_from AND $day_to
),
-- The key of a message without a message_id is the md5 of its fields and its ordinal among
-- identical messages of its file (1 for nearly all). The key is computed once with ordinal 1, and
-- only the rows whose key then occurs twice in a day (identical messages in one file, or one
-- message in two files of a day: rare) are numbered and keyed again, and de-duplicated by a
-- window (windows over every row cost most of this step on a large month of a shop).
first_keyed AS MATERIALIZED (
    SELECT *, kefu_message_key(message_id, sent_at, agent, buyer, sender, content, 1, buyer_id)
        AS message_key
    FROM typed
),
repeated AS (
    SELECT partition_day, message_key FROM first_keyed GROUP BY ALL HAVING count(*) > 1
),
rekeyed AS (
    SELECT * EXCLUDE (message_key, ordinal),
        kefu_message_key(message_id, sent_at, agent, buyer, sender, content, ordinal, buyer_id)
            AS message_key
    FROM (SELECT *, row_number() OVER (
              PARTITION BY partition_day, source_file, sent_at, agent, buyer, sender, content,
                           buyer_id
              ORDER BY line_number) AS ordinal
          FROM first_keyed SEMI JOIN repeated USING (partition_day, message_key))
)
SELECT partition_day, message_key, sent_at, agent, buyer, sender, content, message_id,
       source_file, line_number, buyer_id
FROM first_keyed ANTI JOIN repeated USING (partition_day, message_key)
UNION ALL
SELECT partition_day, message_key, sent_at, agent, buyer, sender, content, message_id,
       source_file, line_number, buyer_id
FROM rekeyed
QUALIFY row_number() OVER (PARTITION BY partition_day, message_key
                           ORDER BY source_file, line_number) = 1;
