-- The frame marts.kpi_monthly is judged on: each score with whether its tier base is one of the
-- bonus tiers of the plan version it was scored under (no score: no tier, which is in order).
SELECT k.*,
       k.tier_base IS NULL OR EXISTS (
           SELECT 1 FROM config.plan_tiers AS t
           WHERE t.plan_version = k.plan_version AND t.base = k.tier_base
             AND t.min_score = k.tier_min_score) AS tier_in_plan
FROM marts.kpi_monthly AS k
WHERE k.month BETWEEN $first AND $last
