-- staging.chat_waits: one row per buyer wait, for the shop days $day_from..$day_to (by the
-- messages' own time). SPEC 6:
--   * a session is the messages between one account and one buyer, split where the gap between
--     consecutive messages (of any sender) exceeds $session_gap_minutes; sessions do not cross
--     midnight, so a day's metrics never depend on the next day's export;
--   * a wait starts at the first buyer message after the last human reply (or the session's
--     start) and ends at the next human reply (sender = agent) in the same session: auto-replies
--     (店小蜜) and system lines never answer it; a wait with no such reply is unanswered;
--   * a wait counts towards the response metrics only if it starts inside service hours
--     [$service_start, $service_end);
--   * messages of one second are ordered buyer, auto, agent, system: a same-second reply answers.

-- Two passes over the messages, both in conversation order: the gap before each message, then,
-- in one window, the session it is in and the human replies before it in the conversation.
-- Messages with the same (session, replies before) are one wait: the buyer messages after a
-- reply, up to and including the next reply.
DELETE FROM staging.chat_waits WHERE day BETWEEN $day_from AND $day_to;

INSERT INTO staging.chat_waits
WITH messages AS (
    SELECT
        CAST(sent_at AS DATE) AS day, agent, buyer, sender, sent_at, message_key,
        CASE sender WHEN 'buyer' THEN 0 WHEN 'auto' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END
            AS sender_rank,
        CASE WHEN sender = 'agent' THEN 1 ELSE 0 END AS is_reply,
        -- leads the conversation's key: the sorts behind the windows compare one integer
        -- where they would compare the day, the account and the buyer's nick
        hash(CAST(sent_at AS DATE), agent, buyer) AS conversation,
        -- orders messages of one second and one sender: which comes first changes no wait
        hash(message_key) AS tie
    FROM day_messages
),
gaps AS (
    SELECT *,
        CASE WHEN sent_at - lag(sent_at) OVER conversation
                  > to_minutes(CAST($session_gap_minutes AS BIGINT))
             THEN 1 ELSE 0 END AS starts_session
    FROM messages
    WINDOW conversation AS (PARTITION BY conversation, day, agent, buyer
                            ORDER BY sent_at, sender_rank, tie)
),
counted AS (
    SELECT *,
        sum(starts_session) OVER conversation AS session_no,
        sum(is_reply) OVER conversation - is_reply AS replies_before
    FROM gaps
    WINDOW conversation AS (PARTITION BY conversation, day, agent, buyer
                            ORDER BY sent_at, sender_rank, tie
                            ROWS UNBOUNDED PRECEDING)
),
grouped AS (
    -- The human reply that closes a wait is the first agent message of its group.
    SELECT
        conversation, day, agent, buyer, session_no, replies_before,
        min(sent_at) FILTER (WHERE sender = 'buyer') AS wait_start,
        min(sent_at) FILTER (WHERE sender = 'agent') AS answered_at,
        count(*) FILTER (WHERE sender = 'buyer') AS buyer_messages
    FROM counted
    GROUP BY ALL
),
waits AS (
    -- wait n of a session has n human replies of the session before it
    SELECT *,
        replies_before - min(replies_before) OVER (
            PARTITION BY conversation, day, agent, buyer, session_no) AS wait_no
    FROM grouped
    QUALIFY buyer_messages > 0
)
SELECT
    day, agent, buyer, session_no, wait_no, wait_start, answered_at,
    CAST(epoch(answered_at - wait_start) AS BIGINT) AS wait_seconds,
    CAST(wait_start AS TIME) >= CAST($service_start AS TIME)
        AND CAST(wait_start AS TIME) < CAST($service_end AS TIME) AS in_service_hours,
    wait_no = min(wait_no) OVER (PARTITION BY conversation, day, agent, buyer, session_no)
        AS is_first_wait,
    buyer_messages
FROM waits;
