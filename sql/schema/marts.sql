-- What people read. Column comments (English and Chinese) are in sql/schema/marts_comments.sql.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.agent_daily_metrics (
    day DATE NOT NULL,
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    accounts VARCHAR NOT NULL,
    is_promo_day BOOLEAN NOT NULL,
    consulted_buyers BIGINT NOT NULL,
    received_buyers BIGINT NOT NULL,
    reply_rate DOUBLE,
    answered_waits BIGINT NOT NULL,
    answered_wait_seconds BIGINT NOT NULL,
    avg_response_seconds DOUBLE,
    unanswered_waits BIGINT NOT NULL,
    first_responses BIGINT NOT NULL,
    first_response_seconds_total BIGINT NOT NULL,
    first_response_seconds DOUBLE,
    slow_responses BIGINT NOT NULL,
    agent_messages BIGINT NOT NULL,
    buyer_messages BIGINT NOT NULL,
    qa_ratio DOUBLE,
    inquiry_buyers BIGINT NOT NULL,
    converted_buyers BIGINT NOT NULL,
    inquiry_conversion DOUBLE,
    credited_orders BIGINT NOT NULL,
    sales DECIMAL(18, 2) NOT NULL,
    aov DECIMAL(18, 2),
    refunded_amount DECIMAL(18, 2) NOT NULL,
    refund_rate DOUBLE,
    ratings BIGINT NOT NULL,
    satisfied_ratings BIGINT NOT NULL,
    satisfaction DOUBLE,
    plan_version VARCHAR NOT NULL,
    answered_wait_seconds_squared BIGINT,   -- NULL: computed before the column existed
    first_response_seconds_squared BIGINT
);
ALTER TABLE marts.agent_daily_metrics ADD COLUMN IF NOT EXISTS answered_wait_seconds_squared BIGINT;
ALTER TABLE marts.agent_daily_metrics ADD COLUMN IF NOT EXISTS first_response_seconds_squared BIGINT;

CREATE TABLE IF NOT EXISTS marts.shop_daily_sales (
    day DATE NOT NULL,
    paid_orders BIGINT NOT NULL,
    sales DECIMAL(18, 2) NOT NULL,
    credited_sales DECIMAL(18, 2) NOT NULL,
    silent_orders BIGINT NOT NULL,
    silent_sales DECIMAL(18, 2) NOT NULL,
    is_promo_day BOOLEAN NOT NULL,
    plan_version VARCHAR NOT NULL,
    chat_matched_orders BIGINT,
    chat_match_rate DOUBLE
);
-- the chat-to-order match came later: a warehouse written before gains it last, as above
ALTER TABLE marts.shop_daily_sales ADD COLUMN IF NOT EXISTS chat_matched_orders BIGINT;
ALTER TABLE marts.shop_daily_sales ADD COLUMN IF NOT EXISTS chat_match_rate DOUBLE;

CREATE TABLE IF NOT EXISTS marts.unmapped_accounts (
    day DATE NOT NULL,
    account VARCHAR NOT NULL,
    messages BIGINT NOT NULL,
    buyers BIGINT NOT NULL,
    agent_messages BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.agent_monthly_metrics (
    month DATE NOT NULL,               -- the month's first day
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,            -- held on the employee's last employed day of the month
    role VARCHAR NOT NULL,
    days_employed INTEGER NOT NULL,
    promo_days INTEGER NOT NULL,       -- employed days inside a promotion period
    promo_excluded_metrics VARCHAR,    -- metrics those days were left out of
    consulted_buyers BIGINT NOT NULL,
    received_buyers BIGINT NOT NULL,
    reply_rate DOUBLE,
    answered_waits BIGINT NOT NULL,
    answered_wait_seconds BIGINT NOT NULL,
    avg_response_seconds DOUBLE,
    unanswered_waits BIGINT NOT NULL,
    first_responses BIGINT NOT NULL,
    first_response_seconds_total BIGINT NOT NULL,
    first_response_seconds DOUBLE,
    slow_responses BIGINT NOT NULL,
    slow_rate_waits BIGINT NOT NULL,   -- answered waits the slow-response rate is taken over
    slow_response_rate DOUBLE,
    agent_messages BIGINT NOT NULL,
    buyer_messages BIGINT NOT NULL,
    qa_ratio DOUBLE,
    inquiry_buyers BIGINT NOT NULL,
    converted_buyers BIGINT NOT NULL,
    inquiry_conversion DOUBLE,
    credited_orders BIGINT NOT NULL,
    sales DECIMAL(18, 2) NOT NULL,
    aov DECIMAL(18, 2),
    refunded_amount DECIMAL(18, 2) NOT NULL,
    refund_rate_sales DECIMAL(18, 2) NOT NULL,  -- the sales the refund rate is taken over
    refund_rate DOUBLE,
    ratings BIGINT NOT NULL,
    satisfied_ratings BIGINT NOT NULL,
    satisfaction DOUBLE,
    plan_version VARCHAR NOT NULL,
    answered_wait_seconds_squared BIGINT,   -- NULL: a day it sums was computed before it existed
    first_response_seconds_squared BIGINT
);
ALTER TABLE marts.agent_monthly_metrics ADD COLUMN IF NOT EXISTS answered_wait_seconds_squared BIGINT;
ALTER TABLE marts.agent_monthly_metrics ADD COLUMN IF NOT EXISTS first_response_seconds_squared BIGINT;

CREATE TABLE IF NOT EXISTS marts.kpi_lines (
    month DATE NOT NULL,
    employee_id VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DECIMAL(18, 6),              -- numerator / denominator, 6 decimals for reading
    numerator DECIMAL(18, 2),
    denominator DECIMAL(18, 2),
    sample BIGINT NOT NULL,
    min_sample INTEGER NOT NULL,
    worst DECIMAL(18, 4) NOT NULL,
    best DECIMAL(18, 4) NOT NULL,
    weight DECIMAL(9, 4) NOT NULL,     -- the plan's weight
    effective_weight DECIMAL(9, 4),    -- scaled up when other lines are N/A
    achieved DECIMAL(9, 6),            -- clamp((value - worst) / (best - worst), 0, 1)
    points DECIMAL(9, 4),
    status VARCHAR NOT NULL,           -- scored | n/a
    note VARCHAR NOT NULL,
    plan_version VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.kpi_monthly (
    month DATE NOT NULL,
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    line_points DECIMAL(9, 4) NOT NULL,
    qa_points DECIMAL(9, 2) NOT NULL,
    kpi_score DECIMAL(5, 2),           -- NULL: no KPI line had data
    tier_min_score DECIMAL(5, 2),
    tier_base DECIMAL(18, 2),
    flags VARCHAR NOT NULL,
    plan_version VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.payroll_lines (
    month DATE NOT NULL,
    employee_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    kind VARCHAR NOT NULL,             -- base_salary | bonus | adjustment
    quantity DECIMAL(9, 2) NOT NULL,
    rate DECIMAL(18, 2) NOT NULL,
    amount DECIMAL(18, 2) NOT NULL,
    explanation VARCHAR NOT NULL,
    plan_version VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.payroll (
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    month DATE NOT NULL,
    level VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    days_employed INTEGER NOT NULL,
    base_salary DECIMAL(18, 2) NOT NULL,
    kpi_score DECIMAL(5, 2),
    tier_base DECIMAL(18, 2),
    bonus DECIMAL(18, 2) NOT NULL,
    adjustments DECIMAL(18, 2) NOT NULL,
    gross_pay DECIMAL(18, 2) NOT NULL,
    plan_version VARCHAR NOT NULL,
    status VARCHAR NOT NULL,           -- ok | review
    run_id VARCHAR NOT NULL
);

-- Months whose payroll is final (`kefu close`); see pipelines/pay/closing.py.
-- Whether a month's payroll is final, and if not why: what is missing, when its window closes.
CREATE TABLE IF NOT EXISTS marts.month_status (
    month DATE NOT NULL PRIMARY KEY,
    status VARCHAR NOT NULL,               -- final | provisional
    missing_exports INTEGER NOT NULL,      -- (day, source) pairs with no export loaded
    window_closes DATE NOT NULL,
    reasons VARCHAR,                       -- why provisional, in words; NULL when final
    run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.closed_months (
    month DATE NOT NULL PRIMARY KEY,
    closed_at TIMESTAMP NOT NULL,          -- shop time, Asia/Shanghai
    closed_by VARCHAR NOT NULL,
    employees INTEGER NOT NULL,
    gross_pay_total DECIMAL(18, 2) NOT NULL,
    payroll_csv_sha256 VARCHAR NOT NULL,   -- of the published payroll_<YYYY-MM>.csv
    marts_sha256 VARCHAR NOT NULL          -- of the month's frozen marts rows (closing.py)
);

-- What a re-run of a closed month changed, per employee, and the month that pays it.
CREATE TABLE IF NOT EXISTS marts.restatements (
    closed_month DATE NOT NULL,
    paid_in_month DATE NOT NULL,           -- the first open month after closed_month
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    paid_gross DECIMAL(18, 2) NOT NULL,    -- closed gross + earlier restatements of the month
    restated_gross DECIMAL(18, 2) NOT NULL,
    difference DECIMAL(18, 2) NOT NULL,
    paid_kpi_score DECIMAL(5, 2),
    restated_kpi_score DECIMAL(5, 2),
    changes VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
