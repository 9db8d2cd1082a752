-- The frame marts.payroll is judged on: one row per employee on the roster in the month or in
-- the payroll, with the sum of their pay lines, the bonus the rule gives (tier base x score /
-- 100, x days employed / days in month when the plan prorates) and how many payroll rows they
-- have. A roster employee missing from the payroll shows up with payroll_rows = 0.
WITH month_roster AS (
    SELECT DISTINCT employee_id FROM config.roster
    WHERE effective_from <= $last AND coalesce(effective_to, DATE '9999-12-31') >= $first
),
lines AS (
    SELECT month, employee_id, sum(amount) AS lines_total
    FROM marts.payroll_lines WHERE month BETWEEN $first AND $last GROUP BY ALL
),
row_counts AS (
    SELECT employee_id, count(*) AS payroll_rows
    FROM marts.payroll WHERE month BETWEEN $first AND $last GROUP BY ALL
),
people AS (
    SELECT employee_id FROM month_roster UNION SELECT employee_id FROM row_counts
)
SELECT
    coalesce(p.month, CAST($first AS DATE)) AS month,
    e.employee_id,
    p.base_salary, p.bonus, p.gross_pay, p.kpi_score, p.tier_base,
    coalesce(l.lines_total, 0) AS lines_total,
    abs(p.bonus - CASE WHEN p.kpi_score IS NULL THEN 0 ELSE
        p.tier_base * p.kpi_score / 100
        * CASE WHEN v.prorate THEN p.days_employed / day(last_day(p.month)) ELSE 1 END
    END) AS bonus_error,
    coalesce(c.payroll_rows, 0) AS payroll_rows,
    p.tier_base IS NULL OR EXISTS (
        SELECT 1 FROM config.plan_tiers AS t
        WHERE t.plan_version = p.plan_version AND t.base = p.tier_base) AS tier_in_plan
FROM people AS e
LEFT JOIN marts.payroll AS p ON p.employee_id = e.employee_id AND p.month BETWEEN $first AND $last
LEFT JOIN lines AS l ON l.employee_id = e.employee_id AND l.month = p.month
LEFT JOIN row_counts AS c ON c.employee_id = e.employee_id
LEFT JOIN config.plan_versions AS v ON v.plan_version = p.plan_version
