-- The raw layer: every row as read, the canonical fields as their original text, and every other
-- column of the export in `record`, so no column is ever lost. `record` holds the values alone,
-- in the order of the file's `raw.ingest_files.record_headers` (its headers, trimmed): keyed by
-- header in every row, a large shop's month of orders took 950 MB instead of 250 MB. A row as a
-- map of header to value:
--   SELECT map(f.record_headers, o.record) FROM raw.orders AS o JOIN raw.ingest_files AS f
--     ON f.source = 'orders' AND f.status = 'loaded' AND f.partition_day = o.partition_day
--    AND f.file_path = o.source_file AND f.load_run_id = o.load_run_id
-- raw.ingest_files.canonical_headers says which header held each canonical field.
-- Beside the text, `parsed_*` hold the typed values the ingest check computed from it
-- (sql/ingest/check_<source>.sql, with the macros of sql/macros.sql): staging reads them, so each
-- value is parsed once. Rows loaded before these columns existed have them NULL (staging parses
-- their text then).
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.ingest_files (
    source VARCHAR NOT NULL,
    partition_day DATE NOT NULL,
    file_path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    encoding VARCHAR,
    file_format VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- loaded | duplicate (same sha256 already loaded) |
                                      -- skipped (a companion export: no row of it read)
    duplicate_of VARCHAR,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    canonical_headers JSON,           -- the file's header -> the canonical field it holds
    record_headers VARCHAR[],         -- the headers of its rows' `record` values, in order
    note VARCHAR,                     -- why a skipped file was skipped
    CHECK (rows_read = rows_loaded + rows_rejected)
);

-- columns added since the first warehouses: one written before opens with them NULL
ALTER TABLE raw.ingest_files ADD COLUMN IF NOT EXISTS canonical_headers JSON;
ALTER TABLE raw.ingest_files ADD COLUMN IF NOT EXISTS record_headers VARCHAR[];
ALTER TABLE raw.ingest_files ADD COLUMN IF NOT EXISTS note VARCHAR;

CREATE TABLE IF NOT EXISTS raw.rejected_rows (
    source VARCHAR NOT NULL,
    partition_day DATE NOT NULL,
    source_file VARCHAR NOT NULL,
    line_number BIGINT NOT NULL,
    raw_text VARCHAR,
    reason VARCHAR NOT NULL,
    load_run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.chats (
    partition_day DATE NOT NULL, source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    sent_at VARCHAR, agent VARCHAR, buyer VARCHAR, sender VARCHAR, content VARCHAR,
    message_id VARCHAR, buyer_id VARCHAR,
    parsed_sent_at TIMESTAMP, parsed_agent VARCHAR, parsed_buyer VARCHAR, parsed_sender VARCHAR,
    parsed_message_id VARCHAR, parsed_buyer_id VARCHAR,
    record VARCHAR[]
);
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_sent_at TIMESTAMP;
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_agent VARCHAR;
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_buyer VARCHAR;
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_sender VARCHAR;
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_message_id VARCHAR;
-- the buyer id columns came later: a warehouse written before has them NULL (no id read)
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE raw.chats ADD COLUMN IF NOT EXISTS parsed_buyer_id VARCHAR;

CREATE TABLE IF NOT EXISTS raw.orders (
    partition_day DATE NOT NULL, source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    order_id VARCHAR, buyer VARCHAR, amount VARCHAR, status VARCHAR, created_at VARCHAR,
    paid_at VARCHAR, refund_amount VARCHAR, shop VARCHAR, buyer_id VARCHAR,
    parsed_order_id VARCHAR, parsed_buyer VARCHAR, parsed_amount DECIMAL(18, 2),
    parsed_status VARCHAR, parsed_created_at TIMESTAMP, parsed_paid_at TIMESTAMP,
    parsed_refund_amount DECIMAL(18, 2), parsed_shop VARCHAR, parsed_buyer_id VARCHAR,
    record VARCHAR[]
);
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_order_id VARCHAR;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_buyer VARCHAR;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_amount DECIMAL(18, 2);
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_status VARCHAR;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_created_at TIMESTAMP;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_paid_at TIMESTAMP;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_refund_amount DECIMAL(18, 2);
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_shop VARCHAR;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE raw.orders ADD COLUMN IF NOT EXISTS parsed_buyer_id VARCHAR;

CREATE TABLE IF NOT EXISTS raw.refunds (
    partition_day DATE NOT NULL, source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    order_id VARCHAR, refund_id VARCHAR, refund_amount VARCHAR, applied_at VARCHAR,
    status VARCHAR, reason VARCHAR,
    parsed_order_id VARCHAR, parsed_refund_id VARCHAR, parsed_refund_amount DECIMAL(18, 2),
    parsed_applied_at TIMESTAMP, parsed_status VARCHAR, parsed_reason VARCHAR,
    record VARCHAR[]
);
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_order_id VARCHAR;
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_refund_id VARCHAR;
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_refund_amount DECIMAL(18, 2);
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_applied_at TIMESTAMP;
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_status VARCHAR;
ALTER TABLE raw.refunds ADD COLUMN IF NOT EXISTS parsed_reason VARCHAR;

CREATE TABLE IF NOT EXISTS raw.ratings (
    partition_day DATE NOT NULL, source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    rated_at VARCHAR, agent VARCHAR, buyer VARCHAR, rating VARCHAR, buyer_id VARCHAR,
    parsed_rated_at TIMESTAMP, parsed_agent VARCHAR, parsed_buyer VARCHAR,
    parsed_rating_text VARCHAR, parsed_rating INTEGER, parsed_buyer_id VARCHAR,
    record VARCHAR[]
);
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_rated_at TIMESTAMP;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_agent VARCHAR;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_buyer VARCHAR;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_rating_text VARCHAR;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_rating INTEGER;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS buyer_id VARCHAR;
ALTER TABLE raw.ratings ADD COLUMN IF NOT EXISTS parsed_buyer_id VARCHAR;

-- The manual lines of `<landing>/adjustments/<YYYY-MM>/*.csv`, one row per CSV row, validated
-- (employee on the roster that month, known kind, at most 2 decimals) and replaced per month.
-- amount: CNY for kind pay, 质检 points for kind qa_points (both at most 2 decimals).
CREATE TABLE IF NOT EXISTS raw.adjustments (
    month DATE NOT NULL,               -- first day of the month the lines belong to
    employee_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,             -- qa_points | pay
    amount DECIMAL(18, 2) NOT NULL,
    reason VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,      -- landing-relative, e.g. adjustments/2026-10/qa.csv
    line_number BIGINT NOT NULL,
    load_run_id VARCHAR NOT NULL,
    CHECK (kind IN ('qa_points', 'pay'))
);

-- Every expectation evaluated, by any suite, on any partition: the data-quality audit trail.
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.check_results (
    run_id VARCHAR NOT NULL,
    partition_key VARCHAR NOT NULL,    -- the day or month range the rows came from
    suite VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,      -- the expectation type and its column(s)
    severity VARCHAR NOT NULL,         -- error (blocks publishing) | warn
    success BOOLEAN NOT NULL,
    observed_value VARCHAR,
    unexpected_count BIGINT,
    evaluated_at TIMESTAMP NOT NULL
);
