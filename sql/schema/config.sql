-- The validated configuration the SQL joins against (loaded from KEFU_CONFIG on every run that
-- needs it; the files, not these tables, are the source of truth).
CREATE SCHEMA IF NOT EXISTS config;

CREATE TABLE IF NOT EXISTS config.roster (
    employee_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    account VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    effective_from DATE NOT NULL,
    effective_to DATE                  -- inclusive; NULL = open
);

CREATE TABLE IF NOT EXISTS config.promo_days (
    day DATE NOT NULL,
    promotion VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS config.plan_versions (
    plan_version VARCHAR NOT NULL,
    effective_from DATE NOT NULL,
    prorate BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS config.plan_tiers (
    plan_version VARCHAR NOT NULL,
    min_score DECIMAL(5, 2) NOT NULL,
    base DECIMAL(18, 2) NOT NULL
);
