"""Ingest that no operator mistake or odd byte turns into lost or wrong data (issue 9, points 4, 7
and 10): missing exports leave loaded days alone, a wrong landing root fails naming the path,
files moved between day folders load in their new day whatever ran before, rejected rows keep
their own text, JSONL splits lines on \\n only, and a file none of whose rows load fails its day."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, datetime

import pytest

from pipelines.ingest.batch import DayLoad
from pipelines.ingest.errors import IngestError
from pipelines.ingest.landing import LandingZoneError, check_landing_root
from pipelines.ingest.loader import load_day
from pipelines.orchestration.runner import backfill_days
from pipelines.warehouse.database import connect
from tests.conftest import ingest, land, warehouse_rows

CHAT_HEADER = "\ufeff时间,客服,买家,发送方,内容\n"


def test_a_rejected_row_keeps_its_own_text_and_first_line_after_a_multi_line_value(settings):
    land(settings, "chats", "2026-10-08", "c.csv", CHAT_HEADER
         + '2026-10-08 10:00:00,旗舰店:小美,tb_a,买家,"第一行\n第二行\n第三行"\n'
         + "\n"  # a blank line: a line, not a row
         + "2026-10-08 10:00:25,旗舰店:小美,tb_a,访客,谁\n"
         + '2026-10-08 10:00:30,旗舰店:小美,tb_a,客服,"好的\r\n亲"\n'
         + "2026-10-32 10:00:40,旗舰店:小美,tb_a,客服,时间坏了\n"
         + '2026-10-08 10:00:50,旗舰店:小美,"tb\n_a"\n')
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows "
                       "ORDER BY line_number").fetchall() == [
        (6, "2026-10-08 10:00:25,旗舰店:小美,tb_a,访客,谁", "unknown sender (sender/发送方): 访客"),
        (9, "2026-10-32 10:00:40,旗舰店:小美,tb_a,客服,时间坏了",
         "unreadable time (sent_at/时间): 2026-10-32 10:00:40"),
        (10, '2026-10-08 10:00:50,旗舰店:小美,"tb\n_a"', "3 fields where the header has 5"),
    ]
    assert con.execute("SELECT line_number, content FROM raw.chats ORDER BY 1").fetchall() == [
        (2, "第一行\n第二行\n第三行"), (7, "好的\r\n亲")]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM raw.ingest_files"
                       ).fetchone() == (5, 2, 3)


def test_jsonl_splits_lines_on_newline_only(settings):
    rows = [{"sent_at": "2026-10-08 10:00:00", "agent": "旗舰店:小美", "buyer": "tb_a",
             "sender": "buyer", "content": "第一段\u2028第二段\u2029第三段\x85完"},
            {"sent_at": "2026-10-08 10:00:05", "agent": "旗舰店:小美", "buyer": "tb_a",
             "sender": "agent", "content": "好的"}]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    # a raw \r inside a string is not valid JSON: one rejected line, not two broken ones
    lines.append('{"sent_at": "2026-10-08 10:00:09", "content": "a\rb"}')
    land(settings, "chats", "2026-10-08", "c.jsonl", "\r\n".join(lines) + "\r\n")
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT line_number, sent_at, content FROM staging.chat_messages "
                       "ORDER BY 1").fetchall() == [
        (1, datetime(2026, 10, 8, 10), "第一段\u2028第二段\u2029第三段\x85完"),
        (2, datetime(2026, 10, 8, 10, 0, 5), "好的")]
    assert con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows").fetchall() \
        == [(3, lines[2], "not valid JSON")]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM raw.ingest_files"
                       ).fetchone() == (3, 2, 1)


def test_a_transcript_line_holding_a_line_separator_is_one_line(settings):
    land(settings, "chats", "2026-10-08", "旗舰店_小美.txt", "\r\n".join([
        "tb_小林 2026-10-8 9:05:03", "这个包\u2028有黑色吗", "旗舰店:小美 2026-10-8 9:05:40",
        "有的亲", ""]))
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT line_number, sender, content FROM staging.chat_messages "
                       "ORDER BY 1").fetchall() == [(1, "buyer", "这个包\u2028有黑色吗"),
                                                    (3, "agent", "有的亲")]


# --- missing exports, a wrong landing root, moved files, files none of whose rows load ---

CHATS = ("\ufeff时间,客服,买家,发送方,内容\n"
         "2026-10-05 10:00:00,旗舰店:小美,tb_a,买家,在吗\n"
         "2026-10-05 10:00:25,旗舰店:小美,tb_a,客服,在的\n"
         "2026-10-05 10:00:30,旗舰店:小美,tb_a,访客,谁\n")
OTHER = CHATS.replace("tb_a", "tb_b")
RAW_STATE = (
    "SELECT partition_day, source_file, line_number, content FROM raw.chats ORDER BY ALL",
    "SELECT partition_day, source_file, line_number, raw_text, reason FROM raw.rejected_rows "
    "ORDER BY ALL",
    "SELECT partition_day, file_path, sha256, status, duplicate_of, rows_read, rows_loaded, "
    "rows_rejected FROM raw.ingest_files ORDER BY ALL",
)


def load(settings, day: str, source: str = "chats") -> DayLoad:
    """One load_day of one source and day, on its own connection, as a run does."""
    con = connect(settings.warehouse)
    try:
        return load_day(con, settings.landing, source, date.fromisoformat(day), "test-run")
    finally:
        con.close()


def raw_state(settings) -> list[list[tuple]]:
    con = connect(settings.warehouse)
    try:
        return [con.execute(q).fetchall() for q in RAW_STATE]
    finally:
        con.close()


def move(settings, source_day: str, name: str, target_day: str) -> None:
    target = settings.landing / "chats" / target_day / name
    target.parent.mkdir(parents=True, exist_ok=True)
    (settings.landing / "chats" / source_day / name).rename(target)


def fresh_state(settings, tmp_path, *days: str) -> list[list[tuple]]:
    """The raw tables a new warehouse gets from loading `days` of the landing as it is now."""
    fresh = replace(settings, warehouse=tmp_path / "fresh.duckdb")
    for day in days:
        load(fresh, day)
    return raw_state(fresh)


@pytest.mark.parametrize("how", ["no folder", "empty folder", "only hidden files"])
def test_a_missing_export_leaves_the_days_loaded_rows_alone(settings, how):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    load(settings, "2026-10-05")
    before = raw_state(settings)
    assert len(before[0]) == 2
    folder = settings.landing / "chats" / "2026-10-05"
    shutil.rmtree(folder)
    if how != "no folder":
        folder.mkdir()
    if how == "only hidden files":
        (folder / ".DS_Store").write_bytes(b"\x00\x01")
    result = load(settings, "2026-10-05")
    assert result.missing and (result.files_read, result.rows_loaded) == (0, 0)
    assert raw_state(settings) == before


def test_a_header_only_export_replaces_the_day_with_zero_rows(settings):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    load(settings, "2026-10-05")
    (settings.landing / "chats" / "2026-10-05" / "c.csv").write_text(
        "\ufeff时间,客服,买家,发送方,内容\n", encoding="utf-8")
    result = load(settings, "2026-10-05")
    assert not result.missing and (result.files_read, result.rows_loaded) == (1, 0)
    chats, rejected, files = raw_state(settings)
    assert (chats, rejected) == ([], [])
    assert [(f[1], f[3], f[5]) for f in files] == [("chats/2026-10-05/c.csv", "loaded", 0)]


def test_a_missing_day_in_a_run_keeps_its_rows_and_staging(settings, instance):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    land(settings, "chats", "2026-10-06", "c.csv", OTHER.replace("10-05", "10-06"))
    backfill_days(settings, date(2026, 10, 5), date(2026, 10, 6), instance)
    staged = "SELECT partition_day, buyer, content FROM staging.chat_messages ORDER BY ALL"
    before = raw_state(settings), warehouse_rows(settings, staged)
    shutil.rmtree(settings.landing / "chats" / "2026-10-05")
    backfill_days(settings, date(2026, 10, 5), date(2026, 10, 6), instance)
    assert (raw_state(settings), warehouse_rows(settings, staged)) == before
    assert len(before[1]) == 4


def test_a_landing_root_that_does_not_exist_fails_the_run_before_anything_is_written(
        settings, instance, tmp_path):
    wrong = replace(settings, landing=tmp_path / "no" / "such" / "landing")
    with pytest.raises(LandingZoneError) as failure:
        backfill_days(wrong, date(2026, 10, 5), date(2026, 10, 5), instance)
    assert f"landing zone {wrong.landing} does not exist (KEFU_LANDING)" in str(failure.value)
    assert not settings.warehouse.exists()


def test_a_landing_root_without_source_folders_fails_and_keeps_loaded_days(settings, instance,
                                                                        tmp_path):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    backfill_days(settings, date(2026, 10, 5), date(2026, 10, 5), instance)
    before = raw_state(settings)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "2026-10-05").mkdir(parents=True)
    (elsewhere / "notes.txt").write_text("not a landing zone", encoding="utf-8")
    wrong = replace(settings, landing=elsewhere)
    with pytest.raises(LandingZoneError) as failure:
        backfill_days(wrong, date(2026, 10, 5), date(2026, 10, 5), instance)
    assert (f"landing zone {elsewhere} holds none of chats/, orders/, refunds/, ratings/"
            in str(failure.value))
    assert raw_state(settings) == before
    # one source folder is enough: the other sources' days are missing exports, not an error
    check_landing_root(settings.landing)
    with pytest.raises(LandingZoneError, match="is not a folder"):
        check_landing_root(elsewhere / "notes.txt")


@pytest.mark.parametrize("day5_keeps_a_file", [False, True])
@pytest.mark.parametrize("order", [("6", "5"), ("5", "6"), ("6",)])
def test_a_file_moved_to_another_day_loads_in_its_new_day_whatever_ran_before(
        settings, tmp_path, order, day5_keeps_a_file):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    if day5_keeps_a_file:
        land(settings, "chats", "2026-10-05", "other.csv", OTHER)
    land(settings, "chats", "2026-10-06", "d.csv", OTHER.replace("10-05", "10-06"))
    load(settings, "2026-10-05")
    load(settings, "2026-10-06")
    move(settings, "2026-10-05", "c.csv", "2026-10-06")
    loads = {day: load(settings, f"2026-10-0{day}") for day in order}
    chats, rejected, files = raw_state(settings)
    assert {(c[0].day, c[1]) for c in chats} >= {(6, "chats/2026-10-06/c.csv")}
    assert not [c for c in chats if c[1] == "chats/2026-10-05/c.csv"]
    assert ([(f[0].day, f[1], f[3]) for f in files if f[1].endswith("/c.csv")]
            == [(6, "chats/2026-10-06/c.csv", "loaded")])
    assert [r[1] for r in rejected if r[1].endswith("c.csv")] == ["chats/2026-10-06/c.csv"]
    # day 6 takes c.csv's rows out of day 5, unless a re-run of day 5 (holding another file,
    # so not a missing export) had replaced its partition without them already
    dropped_by_day5 = order[0] == "5" and day5_keeps_a_file
    assert loads["6"].days_changed == (set() if dropped_by_day5 else {date(2026, 10, 5)})
    if "5" in loads:
        assert loads["5"].missing == (not day5_keeps_a_file)
    # later runs of either day change nothing, and the warehouse is as if loaded afresh
    state = raw_state(settings)
    load(settings, "2026-10-05")
    load(settings, "2026-10-06")
    assert raw_state(settings) == state
    assert state == fresh_state(settings, tmp_path, "2026-10-05", "2026-10-06")


def test_a_file_moved_while_its_day_is_missing_stays_loaded_once(settings):
    """Day 5 re-run after its only file moved away is a missing export: its rows stay until the
    new day runs, which takes them over; nothing is counted twice on the way."""
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    load(settings, "2026-10-05")
    move(settings, "2026-10-05", "c.csv", "2026-10-06")
    assert load(settings, "2026-10-05").missing
    assert [c[0].day for c in raw_state(settings)[0]] == [5, 5]
    load(settings, "2026-10-06")
    assert [(c[0].day, c[1]) for c in raw_state(settings)[0]] == [
        (6, "chats/2026-10-06/c.csv")] * 2
    assert load(settings, "2026-10-05").missing
    assert [c[0].day for c in raw_state(settings)[0]] == [6, 6]


@pytest.mark.parametrize("order", [("6", "5"), ("5", "6")])
def test_the_same_file_in_two_day_folders_loads_in_the_earliest(settings, tmp_path, order):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    land(settings, "chats", "2026-10-06", "c.csv", CHATS)
    for day in order:
        load(settings, f"2026-10-0{day}")
    chats, rejected, files = raw_state(settings)
    assert {c[1] for c in chats} == {"chats/2026-10-05/c.csv"} and len(chats) == 2
    assert {r[1] for r in rejected} == {"chats/2026-10-05/c.csv"}
    assert [(f[1], f[3], f[4]) for f in files] == [
        ("chats/2026-10-05/c.csv", "loaded", None),
        ("chats/2026-10-06/c.csv", "duplicate", "chats/2026-10-05/c.csv")]
    load(settings, "2026-10-06")
    assert raw_state(settings) == [chats, rejected, files]
    assert raw_state(settings) == fresh_state(settings, tmp_path, "2026-10-05", "2026-10-06")


def test_a_copy_left_in_a_later_day_takes_over_when_the_earlier_one_goes(settings, tmp_path):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    land(settings, "chats", "2026-10-05", "other.csv", OTHER)
    land(settings, "chats", "2026-10-06", "c.csv", CHATS)
    load(settings, "2026-10-05")
    load(settings, "2026-10-06")
    (settings.landing / "chats" / "2026-10-05" / "c.csv").unlink()
    assert load(settings, "2026-10-05").days_changed == {date(2026, 10, 6)}
    files = raw_state(settings)[2]
    assert [(f[1], f[3]) for f in files] == [("chats/2026-10-05/other.csv", "loaded"),
                                             ("chats/2026-10-06/c.csv", "loaded")]
    assert raw_state(settings) == fresh_state(settings, tmp_path, "2026-10-05", "2026-10-06")


def test_a_move_reaches_staging_when_a_run_covers_both_days(settings, instance):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    backfill_days(settings, date(2026, 10, 5), date(2026, 10, 5), instance)
    move(settings, "2026-10-05", "c.csv", "2026-10-06")
    backfill_days(settings, date(2026, 10, 5), date(2026, 10, 6), instance)
    assert warehouse_rows(settings, "SELECT partition_day, source_file FROM "
                                    "staging.chat_messages") == [
        (date(2026, 10, 6), "chats/2026-10-06/c.csv")] * 2


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("x.csv", "\ufeff时间,客服,买家,发送方,内容\n"
     + "".join(f"2026-10-32 10:00:{i:02d},旗舰店:小美,tb_a,买家,在吗\n" for i in range(30)),
     "first reason, line 2: unreadable time (sent_at/时间): 2026-10-32 10:00:00"),
    ("x.jsonl", "{broken\n[1]\n", "first reason, line 1: not valid JSON"),
])
def test_a_file_none_of_whose_rows_load_fails_its_day_and_leaves_it_as_it_was(
        settings, name, content, reason):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS)
    load(settings, "2026-10-05")
    before = raw_state(settings)
    path = land(settings, "chats", "2026-10-05", name, content)
    with pytest.raises(IngestError) as failure:
        load(settings, "2026-10-05")
    rows = 30 if name == "x.csv" else 2
    message = str(failure.value)
    assert message.startswith(f"{path}: none of its {rows} rows could be read ({reason}); "
                              "expected chats columns 时间 (sent_at), 客服 (agent), 买家 (buyer),"
                              " 发送方 (sender) (optional: 内容 (content), 消息ID (message_id),"
                              " 买家ID (buyer_id))")
    assert failure.value.path == path
    assert raw_state(settings) == before


def test_a_file_of_one_bad_row_quarantines_it_like_any_bad_row(settings):
    land(settings, "refunds", "2026-10-05", "r.csv",
         "订单编号,退款编号,买家退款金额,退款的申请时间,退款状态\n"
         ",R1,10.00,2026-10-05 10:00:00,退款成功\n")
    result = load(settings, "2026-10-05", "refunds")
    assert (result.files_read, result.rows_loaded, result.rows_rejected) == (1, 0, 1)
    assert warehouse_rows(settings, "SELECT line_number, reason FROM raw.rejected_rows") == [
        (2, "missing order id (order_id/订单编号)")]


def test_a_file_with_one_good_row_among_bad_ones_loads(settings):
    land(settings, "chats", "2026-10-05", "c.csv", CHATS.replace("在的", "在的").replace(
        "2026-10-05 10:00:00", "2026-10-32 10:00:00"))
    result = load(settings, "2026-10-05")
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)


def test_a_file_moved_to_an_earlier_day_leaves_the_later_one(settings, tmp_path):
    land(settings, "chats", "2026-10-06", "c.csv", CHATS)
    land(settings, "chats", "2026-10-06", "d.csv", OTHER)
    load(settings, "2026-10-06")
    move(settings, "2026-10-06", "c.csv", "2026-10-05")
    assert load(settings, "2026-10-05").days_changed == {date(2026, 10, 6)}
    chats = raw_state(settings)[0]
    assert sorted({(c[0].day, c[1]) for c in chats}) == [(5, "chats/2026-10-05/c.csv"),
                                                         (6, "chats/2026-10-06/d.csv")]
    assert raw_state(settings) == fresh_state(settings, tmp_path, "2026-10-05", "2026-10-06")
