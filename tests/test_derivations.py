"""The monthly step re-derives a month's days only when what they are computed from changed
since (pipelines/warehouse/derivations.py): a month backfilled in one go is not derived twice, and a
change to staging after the daily run still reaches the month."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

from dagster import DagsterInstance

from pipelines.config.settings import Settings
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.runner import run_range
from tests.conftest import warehouse_rows

OCTOBER = ("2026-10-01", "2026-10-31")


def derivation_runs(settings: Settings) -> set[str]:
    return {run for (run,) in warehouse_rows(
        settings, "SELECT DISTINCT run_id FROM audit.derivations WHERE day BETWEEN ? AND ?",
        [date(2026, 10, 1), date(2026, 10, 31)])}


def test_a_month_backfilled_in_one_go_is_derived_once(clean_month: Settings) -> None:
    """Every day of every derived table of the month carries the one daily run's mark."""
    assert len(derivation_runs(clean_month)) == 1
    days = warehouse_rows(clean_month, "SELECT transform, count(DISTINCT day) FROM "
                                       "audit.derivations WHERE day BETWEEN ? AND ? GROUP BY 1",
                          [date(2026, 10, 1), date(2026, 10, 31)])
    assert dict(days) == {t: 31 for t in ("staging.chat_waits", "staging.order_attribution",
                                          "marts.agent_daily_metrics", "marts.unmapped_accounts",
                                          "marts.shop_daily_sales")}


def test_a_refund_that_reached_staging_after_the_daily_run_reaches_the_month(
        clean_month: Settings, tmp_path) -> None:
    settings = replace(clean_month, warehouse=tmp_path / "w.duckdb", publish=tmp_path / "pub")
    shutil.copy(clean_month.warehouse, settings.warehouse)
    # the largest credited, unrefunded paid order of the month is refunded in full
    (order_id, employee, amount), = warehouse_rows(settings, """
        SELECT a.order_id, d.employee_id, a.amount FROM staging.order_attribution AS a
        JOIN marts.agent_daily_metrics AS d
          ON d.day = a.credit_day AND list_contains(string_split(d.accounts, ','),
                                                    a.credited_account)
        WHERE a.is_paid AND a.credit_day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'
          AND a.order_id NOT IN (SELECT order_id FROM staging.refunds WHERE is_refunded)
          AND a.credit_day NOT IN (SELECT day FROM config.promo_days)
        ORDER BY a.amount DESC, a.order_id LIMIT 1""")
    (before,), = warehouse_rows(settings, "SELECT refunded_amount FROM "
                                          "marts.agent_monthly_metrics WHERE employee_id = ?",
                                [employee])
    warehouse_rows(settings, "INSERT INTO staging.refunds VALUES ('R-late', ?, ?, "
                             "TIMESTAMP '2026-10-20 10:00:00', '退款成功', true, NULL, "
                             "DATE '2026-10-20', 'refunds/late.csv', 2)", [order_id, amount])
    with DagsterInstance.ephemeral() as instance:
        run_range(settings, monthly_job, OCTOBER[0], OCTOBER[0], instance)
    (after,), = warehouse_rows(settings, "SELECT refunded_amount FROM "
                                         "marts.agent_monthly_metrics WHERE employee_id = ?",
                               [employee])
    assert after == before + amount
    assert len(derivation_runs(settings)) == 1  # every day re-derived, by the monthly run
    assert derivation_runs(settings) != derivation_runs(clean_month)
