-- The frame marts.payroll is judged on: one row per month and employee on the roster in that
-- month or in its payroll, with the sum of their pay lines, the bonus the rule gives (tier base x
-- score / 100, x days employed / days in month when the plan prorates) and how many payroll rows
-- they have that month. A roster employee missing from a payroll shows up with payroll_rows = 0.
-- $first is the first day of a month; every month from it up to $last is judged.
WITH months AS (
    SELECT CAST(unnest(generate_series(CAST($first AS DATE), CAST($last AS DATE),
                                       INTERVAL 1 MONTH)) AS DATE) AS month
),
month_roster AS (
    SELECT DISTINCT m.month, r.employee_id
    FROM months AS m JOIN config.roster AS r
      ON r.effective_from <= last_day(m.month)
     AND coalesce(r.effective_to, DATE '9999-12-31') >= m.month
),
lines AS (
    SELECT month, employee_id, sum(amount) AS lines_total
    FROM marts.payroll_lines WHERE month BETWEEN $first AND $last GROUP BY ALL
),
row_counts AS (
    SELECT month, employee_id, count(*) AS payroll_rows
    FROM marts.payroll WHERE month BETWEEN $first AND $last GROUP BY ALL
),
people AS (
    SELECT month, employee_id FROM month_roster
    UNION SELECT month, employee_id FROM row_counts
)
SELECT
    e.month,
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
LEFT JOIN marts.payroll AS p ON p.employee_id = e.employee_id AND p.month = e.month
LEFT JOIN lines AS l ON l.employee_id = e.employee_id AND l.month = e.month
LEFT JOIN row_counts AS c ON c.employee_id = e.employee_id AND c.month = e.month
LEFT JOIN config.plan_versions AS v ON v.plan_version = p.plan_version
