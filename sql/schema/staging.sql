-- The staging layer: typed canonical fields of SPEC section 4, de-duplicated, traceable to the
-- raw row (source_file, line_number) they came from.
CREATE SCHEMA IF NOT EXISTS staging;

CREATE TABLE IF NOT EXISTS staging.chat_messages (
    partition_day DATE NOT NULL,
    message_key VARCHAR NOT NULL,      -- message_id, else a hash of the identifying fields
    sent_at TIMESTAMP NOT NULL,
    agent VARCHAR NOT NULL,
    buyer VARCHAR NOT NULL,
    sender VARCHAR NOT NULL,           -- buyer | agent | auto | system
    content VARCHAR,
    message_id VARCHAR,
    source_file VARCHAR NOT NULL,
    line_number BIGINT NOT NULL,
    buyer_id VARCHAR                   -- the export's buyer id, where it has one
);

CREATE TABLE IF NOT EXISTS staging.orders (
    order_id VARCHAR NOT NULL,
    buyer VARCHAR NOT NULL,
    amount DECIMAL(18, 2) NOT NULL,
    status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    paid_at TIMESTAMP,
    refund_amount DECIMAL(18, 2),
    shop VARCHAR,
    export_day DATE NOT NULL,          -- the latest export day the order appeared in wins
    source_file VARCHAR NOT NULL,
    line_number BIGINT NOT NULL,
    buyer_id VARCHAR
);

CREATE TABLE IF NOT EXISTS staging.refunds (
    refund_id VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    refund_amount DECIMAL(18, 2) NOT NULL,
    applied_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,
    is_refunded BOOLEAN NOT NULL,      -- only 退款成功 is a refund
    reason VARCHAR,
    export_day DATE NOT NULL,
    source_file VARCHAR NOT NULL,
    line_number BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.ratings (
    partition_day DATE NOT NULL,
    rated_at TIMESTAMP NOT NULL,
    agent VARCHAR NOT NULL,
    buyer VARCHAR NOT NULL,
    rating_text VARCHAR NOT NULL,
    rating INTEGER NOT NULL,
    source_file VARCHAR NOT NULL,
    line_number BIGINT NOT NULL,
    buyer_id VARCHAR
);

-- buyer_id came later: a warehouse written before gains it as the last column, as above
ALTER TABLE staging.chat_messages ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE staging.orders ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE staging.ratings ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
