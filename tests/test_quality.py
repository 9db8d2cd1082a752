"""Each planted fault is caught by its suite, recorded in audit.check_results, and keeps the
payroll from being published."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest

from pipelines.quality import frames, specs, validating
from pipelines.quality.frames import check_windows
from pipelines.quality.suites import publish_gate
from pipelines.warehouse.database import connect

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)

FAULTS = {
    "duplicate order id": (
        "INSERT INTO staging.orders SELECT * FROM staging.orders ORDER BY order_id LIMIT 1",
        "staging.orders.keys", "expect_column_values_to_be_unique(order_id)"),
    "negative amount": (
        "UPDATE staging.orders SET amount = -59 WHERE order_id = "
        "(SELECT min(order_id) FROM staging.orders)",
        "staging.orders", "expect_column_values_to_be_between(amount)"),
    "gross differs from its lines": (
        "UPDATE marts.payroll SET gross_pay = gross_pay + 0.01 WHERE employee_id = 'E01'",
        "marts.payroll", "expect_column_pair_values_to_be_equal(gross_pay,lines_total)"),
    "a rate of 1.2": (
        "UPDATE marts.agent_daily_metrics SET reply_rate = 1.2 "
        "WHERE employee_id = 'E02' AND day = DATE '2026-10-05'",
        "marts.agent_daily_metrics", "expect_column_values_to_be_between(reply_rate)"),
    "a missing employee": (
        "DELETE FROM marts.payroll WHERE employee_id = 'E03'",
        "marts.payroll", "expect_column_values_to_be_in_set(payroll_rows)"),
}


def test_the_clean_month_passes_every_blocking_suite(clean_month, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    con = connect(warehouse)
    assert publish_gate(con, FIRST, LAST, "test") == []
    failed = con.execute("SELECT suite, expectation FROM audit.check_results "
                         "WHERE NOT success AND severity = 'error'").fetchall()
    assert failed == []


@pytest.mark.parametrize("fault", FAULTS)
def test_a_planted_fault_fails_its_suite_and_the_publish_gate(clean_month, tmp_path, fault):
    statement, suite, expectation = FAULTS[fault]
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    con = connect(warehouse)
    con.execute(statement)
    failed = publish_gate(con, FIRST, LAST, "fault-run")
    assert [r.suite for r in failed] == [suite]
    assert expectation in [o.expectation for o in failed[0].failures]
    audited = con.execute(
        "SELECT success, unexpected_count FROM audit.check_results "
        "WHERE run_id = 'fault-run' AND suite = ? AND expectation = ?", [suite, expectation]
    ).fetchall()
    assert audited and audited[0][0] is False


def test_a_payroll_failing_its_checks_is_not_published(clean_month, tmp_path):
    """Plant a fault after a clean month, re-run only the publish step: it fails and writes
    nothing into an empty publish folder."""
    from dagster import DagsterInstance, define_asset_job

    from pipelines.orchestration.jobs import monthly_assets
    from pipelines.orchestration.partitions import monthly_partitions
    from pipelines.orchestration.preflight import BackfillFailed
    from pipelines.orchestration.runner import run_range

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    settings = replace(clean_month, warehouse=warehouse, publish=tmp_path / "publish")
    con = connect(warehouse)
    con.execute("DELETE FROM marts.payroll WHERE employee_id = 'E03'")
    con.close()
    publish = define_asset_job("publish_only", partitions_def=monthly_partitions, selection=[
        a for a in monthly_assets if a.key.path[0] == "publish"])
    with DagsterInstance.ephemeral() as instance, \
            pytest.raises(BackfillFailed, match="not published") as failed:
        run_range(settings, publish, "2026-10-01", "2026-10-01", instance)
    # the expectations that failed, the employee whose row broke them, and its values
    assert ("expect_column_pair_values_to_be_equal(gross_pay,lines_total) (1 unexpected, "
            "first: E03 (gross_pay missing, lines_total ") in str(failed.value)
    assert ("expect_column_values_to_be_in_set(payroll_rows) (1 unexpected, "
            "first: E03 (payroll_rows 0))") in str(failed.value)
    assert not settings.publish.exists() or not any(settings.publish.rglob("*"))


@pytest.mark.parametrize(("budget", "windows"), [
    # rows per day 3, 3, 6, 1: a window closes before the day that would take it over budget,
    # and a day bigger than the budget stands alone
    (5, [(1, 1), (2, 2), (3, 3), (4, 4)]),
    (7, [(1, 2), (3, 4)]),
    (13, [(1, 4)]),
])
def test_suites_judge_as_many_days_at_once_as_the_row_budget_allows(tmp_path, monkeypatch,
                                                                   budget, windows):
    con = connect(tmp_path / "w.duckdb")
    for day, rows in ((1, 3), (2, 3), (3, 6), (4, 1)):
        con.execute("INSERT INTO marts.unmapped_accounts SELECT ?, 'acct' || i, 1, 1, 0 "
                    "FROM range(?) AS t(i)", [date(2026, 10, day), rows])
    monkeypatch.setattr(frames, "ROWS_PER_CHECK", budget)
    got = check_windows(con, "marts.unmapped_accounts", date(2026, 10, 1), date(2026, 10, 4))
    assert got == [(date(2026, 10, a), date(2026, 10, b)) for a, b in windows]
    con.close()


def test_a_column_checked_only_for_nulls_is_read_as_its_nullness():
    columns = frames.columns(specs.suite_spec("raw.chats"))
    assert "CASE WHEN record IS NULL THEN NULL ELSE 1 END AS record" in columns
    assert "source_file" in columns and "line_number" in columns  # judged for uniqueness


def test_a_large_frame_judged_with_dictionary_encoded_text_finds_the_same_faults():
    """Above the sample size, few-valued text columns are dictionary-encoded before GX sees
    them: a NULL and a value outside the set are still found, and a unique key still judged."""
    import pyarrow as pa

    rows = 150_000
    senders = ["buyer", "agent"] * (rows // 2)
    senders[120_000], senders[130_000] = None, "robot"
    frame = frames._compact(pa.table({"sender": senders,
                                      "message_key": [f"k{i}" for i in range(rows)]}))
    assert pa.types.is_dictionary(frame.schema.field("sender").type)
    assert not pa.types.is_dictionary(frame.schema.field("message_key").type)
    spec = {"expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "sender"}},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "sender", "value_set": ["buyer", "agent"]}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "message_key"}},
    ]}
    outcomes = {o.expectation: o for _, o in validating.validate_frame([("t", spec)], frame, None)}
    assert outcomes["expect_column_values_to_not_be_null(sender)"].unexpected_count == 1
    assert outcomes["expect_column_values_to_be_in_set(sender)"].unexpected_count == 1
    assert outcomes["expect_column_values_to_be_unique(message_key)"].success
