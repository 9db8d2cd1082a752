-- The data-quality signals a backfill or payroll summary ends with, for the shop days
-- $day_from..$day_to, one line each: what ops must act on before finance pays the month.
-- Chat accounts no roster row maps (their work counts for nobody), rows that could not be read
-- (and where to read them), and months that are provisional (and why).
CREATE OR REPLACE TEMP TABLE data_quality_signals AS
SELECT 1 AS rank, account AS subject,
       format('unmapped account {}: {} agent message(s) to {} buyer(s) (counted per day) on '
              '{} day(s) count for nobody; if an agent uses it, add it to the roster '
              '(roster.csv) and run the days again', account, sum(agent_messages), sum(buyers),
              count(*)) AS signal
FROM marts.unmapped_accounts
WHERE day BETWEEN $day_from AND $day_to
GROUP BY account
UNION ALL
SELECT 2, source,
       format('{} {} row(s) rejected on {} day(s); read them with: SELECT * FROM '
              'raw.rejected_rows WHERE source = ''{}'' AND partition_day BETWEEN ''{}'' AND '
              '''{}''', count(*), source, count(DISTINCT partition_day), source, $day_from,
              $day_to)
FROM raw.rejected_rows
WHERE partition_day BETWEEN $day_from AND $day_to
GROUP BY source
UNION ALL
SELECT 3, strftime(month, '%Y-%m'),
       format('{} is provisional, not final: {}; load what is missing and run `kefu payroll '
              '--month {}` again (a provisional month cannot be closed)',
              strftime(month, '%Y-%m'), reasons, strftime(month, '%Y-%m'))
FROM marts.month_status
WHERE status = 'provisional'
  AND month BETWEEN date_trunc('month', CAST($day_from AS DATE)) AND $day_to;
