-- A closed month's monthly rows as a re-run computes them. The marts rows of a closed month stay
-- as they were paid; `sql/marts/restatements.sql` compares these with them.
CREATE SCHEMA IF NOT EXISTS restated;

CREATE TABLE IF NOT EXISTS restated.agent_monthly_metrics AS FROM marts.agent_monthly_metrics LIMIT 0;
ALTER TABLE restated.agent_monthly_metrics ADD COLUMN IF NOT EXISTS answered_wait_seconds_squared BIGINT;
ALTER TABLE restated.agent_monthly_metrics ADD COLUMN IF NOT EXISTS first_response_seconds_squared BIGINT;

CREATE TABLE IF NOT EXISTS restated.kpi_lines AS FROM marts.kpi_lines LIMIT 0;

CREATE TABLE IF NOT EXISTS restated.kpi_monthly AS FROM marts.kpi_monthly LIMIT 0;

CREATE TABLE IF NOT EXISTS restated.payroll_lines AS FROM marts.payroll_lines LIMIT 0;

CREATE TABLE IF NOT EXISTS restated.payroll AS FROM marts.payroll LIMIT 0;
