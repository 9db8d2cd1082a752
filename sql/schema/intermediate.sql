-- Derived per-event tables the marts are built from: waits and order attribution.
CREATE TABLE IF NOT EXISTS staging.chat_waits (
    day DATE NOT NULL,
    agent VARCHAR NOT NULL,            -- the sub-account the buyer waited on
    buyer VARCHAR NOT NULL,
    session_no BIGINT NOT NULL,        -- per day, account and buyer, from 0
    wait_no BIGINT NOT NULL,           -- human replies in the session before this wait
    wait_start TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,             -- NULL: unanswered
    wait_seconds BIGINT,
    in_service_hours BOOLEAN NOT NULL,
    is_first_wait BOOLEAN NOT NULL,
    buyer_messages BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.order_attribution (
    order_id VARCHAR NOT NULL,
    buyer VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_day DATE NOT NULL,
    amount DECIMAL(18, 2) NOT NULL,
    paid_at TIMESTAMP,
    is_paid BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    last_reply_at TIMESTAMP,           -- the last human reply to the buyer at or before creation
    credited_account VARCHAR,          -- NULL: silent order
    credit_day DATE,                   -- the reply's day D the order is credited from
    is_silent BOOLEAN NOT NULL,
    buyer_id VARCHAR,                  -- the order export's buyer id, where it has one
    last_reply_buyer VARCHAR,          -- the buyer as the chats name them (their nick there)
    buyer_chatted BOOLEAN              -- the buyer wrote to the shop on the order's day or the
                                       -- window's days before it (chat-to-order match)
);
-- the buyer columns came later: a warehouse written before gains them last, as above
ALTER TABLE staging.order_attribution ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE staging.order_attribution ADD COLUMN IF NOT EXISTS last_reply_buyer VARCHAR;
ALTER TABLE staging.order_attribution ADD COLUMN IF NOT EXISTS buyer_chatted BOOLEAN;

-- Which days each derived table was last computed for, and from what: a fingerprint of staging,
-- the configuration, the plan's parameters and the transform's SQL. The monthly step re-derives
-- a month's days only when one of them no longer matches (pipelines/warehouse/derivations.py).
CREATE TABLE IF NOT EXISTS audit.derivations (
    transform VARCHAR NOT NULL,        -- the derived table, schema.table
    day DATE NOT NULL,
    fingerprint VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
