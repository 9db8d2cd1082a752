-- marts.restatements: what a re-run of the closed month $closed_month changed, per employee.
-- The closed month's marts rows are what was paid and never change; the re-run's rows are in
-- restated.*. An employee's difference = the re-run's gross - (the closed gross + what earlier
-- re-runs of the month already paid in later months). It is paid as a pay adjustment line of
-- $paid_in_month, the first open month after $closed_month; re-running replaces the rows bound
-- for that month, so running twice pays once. Only non-zero differences are kept.
DELETE FROM marts.restatements
WHERE closed_month = $closed_month AND paid_in_month = $paid_in_month;

INSERT INTO marts.restatements
WITH paid AS (
    SELECT * FROM marts.payroll WHERE month = $closed_month
),
rerun AS (
    SELECT * FROM restated.payroll WHERE month = $closed_month
),
paid_since AS (
    SELECT employee_id, sum(difference) AS difference
    FROM marts.restatements WHERE closed_month = $closed_month GROUP BY ALL
),
-- The re-run's KPI lines: restated ones if the KPI was re-run, else the paid ones.
rerun_lines AS (
    SELECT employee_id, metric, value FROM restated.kpi_lines WHERE month = $closed_month
    UNION ALL
    SELECT employee_id, metric, value FROM marts.kpi_lines
    WHERE month = $closed_month
      AND NOT EXISTS (SELECT 1 FROM restated.kpi_lines WHERE month = $closed_month)
),
line_changes AS (
    SELECT coalesce(o.employee_id, n.employee_id) AS employee_id,
           string_agg(coalesce(o.metric, n.metric) || ' ' || coalesce(CAST(o.value AS VARCHAR), 'n/a')
                      || ' -> ' || coalesce(CAST(n.value AS VARCHAR), 'n/a'), ', '
                      ORDER BY coalesce(o.metric, n.metric)) AS changed
    FROM (SELECT * FROM marts.kpi_lines WHERE month = $closed_month) AS o
    FULL JOIN rerun_lines AS n ON n.employee_id = o.employee_id AND n.metric = o.metric
    WHERE o.value IS DISTINCT FROM n.value
    GROUP BY ALL
),
compared AS (
    SELECT
        coalesce(n.employee_id, o.employee_id) AS employee_id,
        coalesce(n.name, o.name) AS name,
        coalesce(o.gross_pay, 0) + coalesce(s.difference, 0) AS paid_gross,
        coalesce(n.gross_pay, 0) AS restated_gross,
        o.kpi_score AS paid_kpi_score,
        n.kpi_score AS restated_kpi_score,
        concat_ws('; ',
            CASE WHEN o.employee_id IS NULL THEN 'not on the closed payroll' END,
            CASE WHEN n.employee_id IS NULL THEN 'not on the re-run payroll' END,
            kefu_change('KPI', o.kpi_score, n.kpi_score),
            kefu_change('tier base', o.tier_base, n.tier_base),
            kefu_change('base salary', o.base_salary, n.base_salary),
            kefu_change('bonus', o.bonus, n.bonus),
            kefu_change('adjustments', o.adjustments, n.adjustments),
            l.changed) AS changes
    FROM rerun AS n
    FULL JOIN paid AS o ON o.employee_id = n.employee_id
    LEFT JOIN paid_since AS s ON s.employee_id = coalesce(n.employee_id, o.employee_id)
    LEFT JOIN line_changes AS l ON l.employee_id = coalesce(n.employee_id, o.employee_id)
)
SELECT
    CAST($closed_month AS DATE), CAST($paid_in_month AS DATE), employee_id, name, paid_gross,
    restated_gross, restated_gross - paid_gross, paid_kpi_score, restated_kpi_score, changes,
    $reason, $run_id
FROM compared
WHERE restated_gross <> paid_gross;
