-- day_messages: the chat messages sent on the shop days $day_from..$day_to, each once
-- (kefu_messages in sql/readers.sql), as a temporary table that the waits, the daily metrics and
-- the unmapped accounts of those days read: the de-duplication across export days runs once.
-- Only the columns they read: a large shop's week of messages then fits in memory.
CREATE OR REPLACE TEMP TABLE day_messages AS
SELECT sent_at, agent, buyer, buyer_id, sender, message_key FROM kefu_messages($day_from, $day_to);
