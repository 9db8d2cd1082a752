"""Ingest that no operator mistake or odd byte turns into lost or wrong data (issue 9, points 4, 7
and 10): missing exports leave loaded days alone, a wrong landing root fails naming the path,
files moved between day folders load in their new day whatever ran before, rejected rows keep
their own text, JSONL splits lines on \\n only, and a file none of whose rows load fails its day."""

from __future__ import annotations

import json
from datetime import datetime

from tests.conftest import ingest, land

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
