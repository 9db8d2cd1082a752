"""Ingest as runs: quarantine and reconciliation, idempotent partitions, duplicate files, and a
file that cannot be read failing its partition without touching it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from dagster import materialize

from pipelines.config.rules import ConfigError
from pipelines.orchestration.definitions import build_resources, daily_assets
from pipelines.orchestration.runner import backfill_days
from pipelines.warehouse.database import connect
from tests.conftest import ingest, land
from tests.test_ingest_formats import order_csv

CHATS = ("\ufeff时间,客服,买家,发送方,内容\n"
         "2026-10-08 10:00:00,旗舰店:小美,tb_a,买家,在吗\n"
         "2026-10-32 25:61:00,旗舰店:小美,tb_a,客服,时间坏了\n"
         "2026-10-08 10:00:25,旗舰店:小美,tb_a,客服,在的\n"
         "2026-10-08 10:00:30,旗舰店:小美,tb_a,访客,谁\n"
         "2026-10-08 10:00:40,旗舰店:小美,tb_a,客服\n")


def table_rows(settings, *queries: str) -> list[list[tuple]]:
    con = connect(settings.warehouse)
    try:
        return [con.execute(q).fetchall() for q in queries]
    finally:
        con.close()


def test_bad_rows_are_quarantined_with_line_text_and_reason_and_reconcile(settings):
    land(settings, "chats", "2026-10-08", "c.csv", CHATS)
    con = ingest(settings, "chats", "2026-10-08")
    rejected = con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows "
                           "ORDER BY line_number").fetchall()
    assert rejected == [
        (3, "2026-10-32 25:61:00,旗舰店:小美,tb_a,客服,时间坏了",
         "unreadable time (sent_at/时间): 2026-10-32 25:61:00"),
        (5, "2026-10-08 10:00:30,旗舰店:小美,tb_a,访客,谁", "unknown sender (sender/发送方): 访客"),
        (6, "2026-10-08 10:00:40,旗舰店:小美,tb_a,客服", "4 fields where the header has 5"),
    ]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM raw.ingest_files"
                       ).fetchone() == (5, 2, 3)
    assert con.execute("SELECT line_number FROM raw.chats ORDER BY 1").fetchall() == [(2,), (4,)]


def test_unknown_encoding_fails_naming_the_file(settings):
    from pipelines.ingest.errors import IngestError

    path = land(settings, "chats", "2026-10-08", "c.csv", b"\xff\xfe\xff\x80\x81,\x00\xff\n")
    with pytest.raises(IngestError, match="unknown encoding") as failure:
        ingest(settings, "chats", "2026-10-08")
    assert failure.value.path == path


def test_the_latest_export_day_of_an_order_wins_whatever_order_days_run_in(settings, instance):
    land(settings, "orders", "2026-10-01", "a.csv", order_csv(
        '"=""3515313147329357912""","b","399","等待买家付款","2026-10-01 10:00:00","","",""'),
        encoding="gbk")
    land(settings, "orders", "2026-10-02", "b.csv", order_csv(
        '"=""3515313147329357912""","b","399","买家已付款，等待卖家发货","2026-10-01 10:00:00",'
        '"2026-10-02 09:00:00","",""'), encoding="gbk")
    expected = [("3515313147329357912", "买家已付款，等待卖家发货", Decimal("399.00"),
                 date(2026, 10, 2))]
    query = "SELECT order_id, status, amount, export_day FROM staging.orders"
    backfill_days(settings, date(2026, 10, 2), date(2026, 10, 2), instance)
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 1), instance)
    assert table_rows(settings, query) == [expected]
    backfill_days(settings, date(2026, 10, 1), date(2026, 10, 2), instance)
    assert table_rows(settings, query) == [expected]


def test_rerunning_a_range_gives_the_same_rows_and_no_duplicates(settings, instance):
    land(settings, "chats", "2026-10-08", "c.csv", CHATS)
    land(settings, "chats", "2026-10-09", "c.csv", CHATS.replace("2026-10-08", "2026-10-09"))
    queries = ("SELECT * EXCLUDE (load_run_id) FROM raw.chats ORDER BY ALL",
               "SELECT * FROM staging.chat_messages ORDER BY ALL",
               "SELECT * EXCLUDE (load_run_id) FROM raw.rejected_rows ORDER BY ALL",
               "SELECT * EXCLUDE (load_run_id, loaded_at) FROM raw.ingest_files ORDER BY ALL")
    summary = backfill_days(settings, date(2026, 10, 8), date(2026, 10, 9), instance)
    first = table_rows(settings, *queries)
    assert [(s.source, s.rows_read, s.rows_loaded, s.rows_rejected) for s in summary] == [
        ("chats", 10, 4, 6)]
    backfill_days(settings, date(2026, 10, 8), date(2026, 10, 9), instance)
    backfill_days(settings, date(2026, 10, 9), date(2026, 10, 9), instance)
    assert table_rows(settings, *queries) == first
    assert len(first[1]) == 4


def test_the_same_file_landed_twice_is_loaded_once(settings, instance):
    land(settings, "chats", "2026-10-08", "c.csv", CHATS)
    land(settings, "chats", "2026-10-08", "copy of c.csv", CHATS)
    land(settings, "chats", "2026-10-09", "c.csv", CHATS)
    backfill_days(settings, date(2026, 10, 8), date(2026, 10, 9), instance)
    files, chats = table_rows(
        settings,
        "SELECT file_path, status, duplicate_of, rows_read FROM raw.ingest_files ORDER BY 1",
        "SELECT count(*) FROM raw.chats")
    assert files == [
        ("chats/2026-10-08/c.csv", "loaded", None, 5),
        ("chats/2026-10-08/copy of c.csv", "duplicate", "chats/2026-10-08/c.csv", 0),
        ("chats/2026-10-09/c.csv", "duplicate", "chats/2026-10-08/c.csv", 0),
    ]
    assert chats == [(2,)]


def test_an_unreadable_file_fails_its_partition_and_leaves_it_as_it_was(settings, instance):
    land(settings, "chats", "2026-10-08", "c.csv", CHATS)
    backfill_days(settings, date(2026, 10, 8), date(2026, 10, 8), instance)
    queries = ("SELECT * FROM raw.chats ORDER BY ALL", "SELECT * FROM raw.ingest_files",
               "SELECT * FROM raw.rejected_rows ORDER BY ALL")
    before = table_rows(settings, *queries)
    land(settings, "chats", "2026-10-08", "d.csv", CHATS.replace("2026-10-08 10", "2026-10-08 11"))
    bad = land(settings, "chats", "2026-10-08", "e.csv", b"\x00\xff\xfe\x81\x81garbage")
    result = materialize(daily_assets, instance=instance, resources=build_resources(settings),
                         partition_key="2026-10-08", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    error, message = failure.step_failure_data.error, ""
    while error is not None:  # Dagster wraps the asset's own error as the cause
        message, error = message + error.message, error.cause
    assert str(bad) in message and "unknown encoding" in message
    assert table_rows(settings, *queries) == before


def test_a_failing_day_of_a_batch_keeps_the_days_before_it_and_leaves_the_others(settings):
    """Days whose files are read together load in one transaction: when one of them fails, the
    days before it still load, as they would one by one, and it and the days after it keep
    what they held."""
    from pipelines.ingest.errors import IngestError
    from pipelines.ingest.loader import load_days

    for day in ("2026-10-07", "2026-10-09"):
        land(settings, "chats", day, "c.csv", CHATS.replace("2026-10-08", day))
    bad = land(settings, "chats", "2026-10-08", "e.csv", b"\x00\xff\xfe\x81\x81garbage")
    con = connect(settings.warehouse)
    try:
        with pytest.raises(IngestError, match="unknown encoding") as failure:
            load_days(con, settings.landing, "chats",
                      [date(2026, 10, 7), date(2026, 10, 8), date(2026, 10, 9)], "run-1")
        assert str(bad) in str(failure.value)
        loaded = con.execute("SELECT partition_day, count(*) FROM raw.chats GROUP BY ALL "
                             "ORDER BY ALL").fetchall()
        rejected = con.execute("SELECT partition_day, count(*) FROM raw.rejected_rows "
                               "GROUP BY ALL ORDER BY ALL").fetchall()
        files = con.execute("SELECT partition_day FROM raw.ingest_files").fetchall()
    finally:
        con.close()
    # CHATS: the buyer's and the agent's lines load; the bad time, the unknown sender and the
    # line without its content column are rejected
    assert loaded == [(date(2026, 10, 7), 2)]
    assert rejected == [(date(2026, 10, 7), 3)]
    assert files == [(date(2026, 10, 7),)]


def test_an_invalid_roster_stops_the_run_before_anything_is_written(settings, instance, tmp_path):
    config = tmp_path / "config"
    shutil.copytree(settings.config, config)
    with (config / "roster.csv").open("a", encoding="utf-8") as roster:
        roster.write("E99,重叠,旗舰店:小怡,普通,presale,2026-10-01,\n")  # E01 holds it already
    bad = replace(settings, config=config)
    land(bad, "chats", "2026-10-08", "c.csv", CHATS)
    with pytest.raises(ConfigError, match=r"roster.csv.*line"):
        backfill_days(bad, date(2026, 10, 8), date(2026, 10, 8), instance)
    assert not bad.warehouse.exists()
