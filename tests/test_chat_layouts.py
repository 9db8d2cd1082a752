"""Every chat transcript layout shops land reads to the same messages as the 千牛 copy of the same
chats (tests/fixtures/chat_layouts: two buyers, the auto reply, a multi-line message, a transfer),
through the real loader; layouts it cannot read are refused by name."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from polars.testing import assert_frame_equal

from pipelines.config.bots import DEFAULT_BOTS
from pipelines.ingest.chat_layouts import LAYOUTS, transcript_rows
from pipelines.ingest.errors import IngestError
from pipelines.ingest.text import line_array
from pipelines.ingest.transcript import parse_transcript
from tests.conftest import ingest, land
from tests.test_ingest_transcript import LINES

FIXTURES = Path(__file__).parent / "fixtures" / "chat_layouts"
MEI, LI = "旗舰店:小美", "旗舰店:小丽"


def at(minute: int, second: int) -> datetime:
    return datetime(2026, 10, 8, 9, minute, second)


# worked out from the conversation: 小美 speaks most, so the file is hers; 小林's messages stay
# with her, the auto replies (店小蜜, [自动回复]) change nothing; the transfer hands xiaolin1009
# to 小丽 from the message after it
MESSAGES = [
    (at(5, 3), MEI, "tb_小林2019", "buyer", "这个包有黑色吗"),
    (at(5, 5), MEI, "tb_小林2019", "auto", "亲，欢迎光临旗舰店"),
    (at(5, 40), MEI, "tb_小林2019", "agent", "有的亲\n黑色现货"),
    (at(6, 10), MEI, "tb_小林2019", "buyer", "好的，包邮吗"),
    (at(6, 30), MEI, "tb_小林2019", "auto", "[自动回复]亲，稍等哦"),
    (at(10, 0), MEI, "xiaolin1009", "buyer", "发票怎么开"),
    (at(10, 20), LI, "xiaolin1009", "buyer", "在吗"),
    (at(10, 45), LI, "xiaolin1009", "agent", "您好我是小丽\n电子发票下单后开"),
]
COLUMNS = "sent_at, agent, buyer, sender, content"


def staged(con, day: str) -> pl.DataFrame:
    frame = pl.from_arrow(con.sql(f"SELECT {COLUMNS} FROM staging.chat_messages WHERE "
                                  "partition_day = ? ORDER BY sent_at", params=[day]
                                  ).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def lines_and_format(con, day: str) -> tuple[list[int], str]:
    lines = [n for (n,) in con.execute(
        "SELECT line_number FROM staging.chat_messages WHERE partition_day = ? ORDER BY sent_at",
        [day]).fetchall()]
    (file_format,) = con.execute("SELECT file_format FROM raw.ingest_files "
                                 "WHERE partition_day = ?", [day]).fetchone()
    return lines, file_format


def test_the_qianniu_copy_reads_to_the_conversation(settings):
    land(settings, "chats", "2026-10-08", "qianniu.txt", (FIXTURES / "qianniu.txt").read_bytes())
    con = ingest(settings, "chats", "2026-10-08")
    assert staged(con, "2026-10-08").rows() == MESSAGES
    assert lines_and_format(con, "2026-10-08") == ([2, 4, 6, 10, 12, 14, 17, 19], "txt")
    assert con.execute("SELECT count(*) FROM raw.rejected_rows").fetchone() == (0,)


# each message's first physical line in each fixture, counted by hand
@pytest.mark.parametrize(("name", "file_format", "lines"), [
    ("qianniu-glued.txt", "txt:qianniu_glued", [2, 4, 6, 10, 12, 14, 17, 19]),
    ("qianniu-nick-line.txt", "txt:nick_line", [2, 5, 8, 13, 16, 19, 23, 26]),
    ("qianniu-arrow.txt", "txt", [2, 4, 6, 10, 12, 14, 17, 19]),
    ("wangwang.txt", "txt:wangwang", [8, 9, 10, 12, 13, 18, 20, 21]),
    ("instant.txt", "txt:instant", [2, 3, 4, 6, 7, 8, 10, 11]),
    ("web.txt", "txt:web", [2, 5, 9, 13, 17, 20, 25, 28]),
    ("web.csv", "csv:web", [2, 2, 2, 2, 2, 21, 21, 21]),
])
def test_each_layout_reads_to_the_same_messages_as_the_qianniu_copy(settings, name, file_format,
                                                                     lines):
    land(settings, "chats", "2026-10-08", "qianniu.txt", (FIXTURES / "qianniu.txt").read_bytes())
    land(settings, "chats", "2026-10-09", name, (FIXTURES / name).read_bytes())
    con = ingest(settings, "chats", "2026-10-08")
    ingest(settings, "chats", "2026-10-09")
    assert_frame_equal(staged(con, "2026-10-09"), staged(con, "2026-10-08"))
    assert lines_and_format(con, "2026-10-09") == (lines, file_format)
    rejected = con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows "
                           "WHERE partition_day = '2026-10-09'").fetchall()
    assert rejected == ([(25, "群聊", "group chat (群聊) section, lines 25-30, not loaded: a group "
                                     "chat serves no buyer")] if name == "wangwang.txt" else [])


def test_a_web_workbook_reads_a_conversation_a_row_and_keeps_the_rows_other_cells(settings):
    rows = list(csv.reader(io.StringIO((FIXTURES / "web.csv").read_text(encoding="utf-8"),
                                       newline="")))
    path = settings.landing / "chats" / "2026-10-08" / "网页版聊天记录.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    con = ingest(settings, "chats", "2026-10-08")
    assert staged(con, "2026-10-08").rows() == MESSAGES
    assert lines_and_format(con, "2026-10-08") == ([2] * 5 + [3] * 3, "xlsx:web")
    # the conversation's own cells stay with each of its messages; the text is the messages
    assert con.execute("SELECT DISTINCT line_number, record FROM raw.chats ORDER BY 1").fetchall() \
        == [(2, ["S1001", "tb_小林2019"]), (3, ["S1002", "xiaolin1009"])]
    assert con.execute("SELECT record_headers FROM raw.ingest_files").fetchone() == (
        ["会话ID", "买家"],)


def test_text_before_a_web_rows_first_message_is_rejected_not_added_to_the_row_before(settings):
    land(settings, "chats", "2026-10-08", "web.csv", "\r\n".join([
        "聊天记录", '"2026-10-08 09:05:03\n在吗\ntb_a\n2026-10-08 09:05:10\n在的\n旗舰店:小美"',
        '"与 tb_b 的会话\n2026-10-08 09:06:00\n你好\ntb_b"', ""]))
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT line_number, buyer, sender, content FROM staging.chat_messages "
                       "ORDER BY sent_at").fetchall() == [
        (2, "tb_a", "buyer", "在吗"), (2, "tb_a", "agent", "在的"), (8, "tb_b", "buyer", "你好")]
    assert con.execute("SELECT line_number, raw_text, reason FROM raw.rejected_rows").fetchall() \
        == [(8, "与 tb_b 的会话", "text outside any message")]


def test_a_transcript_without_times_is_refused_by_name(settings):
    path = land(settings, "chats", "2026-10-08", "untimed.txt",
                (FIXTURES / "untimed.txt").read_bytes())
    with pytest.raises(IngestError) as failure:
        ingest(settings, "chats", "2026-10-08")
    message = str(failure.value)
    assert message.startswith(f"{path}: a transcript without times (a `nick:content` line per "
                              "message): no wait can be measured without times")
    assert all(layout.label in message for layout in LAYOUTS.values())
    assert "\n" not in message


def test_a_days_transcripts_read_together_keep_each_files_own_messages(settings):
    """Three files of a day in one frame: each message stays with its file and line, and a
    buyer left waiting at the end of one file is not the buyer the next file's agent serves."""
    land(settings, "chats", "2026-10-08", "旗舰店_小美.txt",
         "tb_a 2026-10-8 9:05:03\n在吗\n旗舰店:小美 2026-10-8 9:05:40\n在的\n"
         "tb_b 2026-10-8 9:06:00\n发货了吗\n")
    land(settings, "chats", "2026-10-08", "旗舰店_小丽.txt",
         "旗舰店:小丽 2026-10-8 9:07:00\n亲\ntb_c 2026-10-8 9:07:30\n有货吗\n")
    land(settings, "chats", "2026-10-08", "旗舰店_小芳.txt", "tb_d 2026-10-8 9:08:00\n你好\n")
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT source_file, line_number, buyer, agent, sender, content "
                       "FROM raw.chats ORDER BY source_file, line_number").fetchall() == [
        ("chats/2026-10-08/旗舰店_小丽.txt", 3, "tb_c", "旗舰店:小丽", "buyer", "有货吗"),
        ("chats/2026-10-08/旗舰店_小美.txt", 1, "tb_a", "旗舰店:小美", "buyer", "在吗"),
        ("chats/2026-10-08/旗舰店_小美.txt", 3, "tb_a", "旗舰店:小美", "agent", "在的"),
        ("chats/2026-10-08/旗舰店_小美.txt", 5, "tb_b", "旗舰店:小美", "buyer", "发货了吗"),
        ("chats/2026-10-08/旗舰店_小芳.txt", 1, "tb_d", "旗舰店:小芳", "buyer", "你好")]
    assert con.execute("SELECT source_file, line_number, reason FROM raw.rejected_rows"
                       ).fetchall() == [("chats/2026-10-08/旗舰店_小丽.txt", 1,
                                         "agent message before any buyer message")]


def test_of_a_days_transcripts_read_together_the_one_in_no_layout_is_the_one_named(settings):
    good = "tb_a 2026-10-8 9:05:03\n在吗\n旗舰店:小美 2026-10-8 9:05:40\n在的\n"
    land(settings, "chats", "2026-10-08", "旗舰店_小美.txt", good)
    bad = land(settings, "chats", "2026-10-08", "旗舰店_小丽.txt", "[09:05] tb_a 在吗\n")
    land(settings, "chats", "2026-10-08", "旗舰店_小芳.txt", good.replace("小美", "小芳"))
    with pytest.raises(IngestError) as failure:
        ingest(settings, "chats", "2026-10-08")
    assert failure.value.path == bad


def test_a_text_file_in_no_layout_known_fails_its_day_naming_the_layouts(settings):
    path = land(settings, "chats", "2026-10-08", "notes.txt",
                "[09:05] tb_a 在吗\n[09:06] 旗舰店:小美 在的\n")
    with pytest.raises(IngestError) as failure:
        ingest(settings, "chats", "2026-10-08")
    assert str(failure.value) == (f"{path}: no line of it opens a message as a chat layout "
                                  "known does: " + "; ".join(
                                      f"{layout.label} ({layout.example})"
                                      for layout in LAYOUTS.values()))


@pytest.mark.parametrize("text", ["", "\r\n\r\n", "当前用户来自 手机淘宝\r\n已读\r\n"])
def test_a_transcript_with_no_message_is_a_day_with_none(settings, text):
    land(settings, "chats", "2026-10-08", "旗舰店_小美.txt", text)
    con = ingest(settings, "chats", "2026-10-08")
    assert con.execute("SELECT rows_read, rows_loaded, file_format FROM raw.ingest_files"
                       ).fetchone() == (0, 0, "txt")


@pytest.mark.parametrize("seed", range(10))
def test_a_qianniu_copy_reads_as_the_qianniu_parser_reads_it(seed):
    """Whatever else a copy holds (system lines, odd whitespace, a bare time), where openers are
    most of its message lines it is read exactly as before the layouts were told apart."""
    rng = random.Random(seed)
    opener = re.compile(r"^\S.*?\s+\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}$")
    tried = 0
    while tried < 25:
        lines = [rng.choice(LINES) for _ in range(rng.randint(1, 30))]
        openers = sum(bool(opener.match(line.strip())) for line in lines)
        if openers <= sum(line == "2026-10-8 9:05:03" for line in lines):
            continue
        tried += 1
        split = line_array("\n".join(lines).encode("utf-8"))
        expected = parse_transcript(split, "旗舰店:大涛")
        (got,) = transcript_rows([(Path("旗舰店_大涛.txt"), split)], DEFAULT_BOTS)
        assert not isinstance(got, IngestError)
        assert (got.layout.name, got.table.to_pylist(), sorted(got.rejects)) == (
            "qianniu", expected.table().to_pylist(), sorted(expected.rejects)), lines


def read(*lines: str) -> tuple[list[tuple[str, str, str, str]], list[tuple[int, str, str]]]:
    (rows,) = transcript_rows([(Path("x.txt"), line_array("\n".join(lines).encode("utf-8")))],
                              DEFAULT_BOTS)
    assert not isinstance(rows, IngestError)
    return ([(r["buyer"], r["agent"], r["sender"], r["content"]) for r in rows.table.to_pylist()],
            rows.rejects)


def test_a_glued_time_is_an_opener_in_a_glued_copy_and_an_agents_content_in_a_spaced_one():
    """In a glued copy a time after a colon is content (no nick ends in one); in a spaced copy
    a glued time is content too: a few glued lines among spaced openers are text."""
    assert read("tb_a2026-10-8 9:00:00", "几点发货", "旗舰店:小美2026-10-8 9:00:30",
                "发货时间：2026-10-9 10:00:00") == ([
        ("tb_a", MEI, "buyer", "几点发货"), ("tb_a", MEI, "agent", "发货时间：2026-10-9 10:00:00")],
        [])
    assert read("tb_a 2026-10-8 9:00:00", "几点发货", "旗舰店:小美 2026-10-8 9:00:30",
                "预计到货2026-10-10 18:00:00") == ([
        ("tb_a", MEI, "buyer", "几点发货"), ("tb_a", MEI, "agent", "预计到货2026-10-10 18:00:00")],
        [])


def test_the_older_export_splits_a_sub_account_from_its_content_at_the_second_colon():
    assert read("即时消息", "2026-10-08 09:00:00 tb_a: 运费:多少",
                "2026-10-08 09:00:30 旗舰店:小美:包邮",
                "2026-10-08 09:01:00 旗舰店：小美: 亲: 在的") == ([
        ("tb_a", MEI, "buyer", "运费:多少"), ("tb_a", MEI, "agent", "包邮"),
        ("tb_a", "旗舰店：小美", "agent", "亲: 在的")], [])


def test_a_group_chat_section_is_cut_up_to_the_next_single_chat_section():
    assert read("单聊", "tb_a(2026-10-08 09:00:00): 在吗", "旗舰店:小美(2026-10-08 09:00:30): 在的",
                "==========", "群聊", "----------", "旗舰店:小丽(2026-10-08 11:00:00): 谁值晚班",
                "tb_群友(2026-10-08 11:00:10): 我", "==========", "单聊",
                "tb_b(2026-10-08 12:00:00): 发货了吗") == ([
        ("tb_a", MEI, "buyer", "在吗"), ("tb_a", MEI, "agent", "在的"),
        ("tb_b", MEI, "buyer", "发货了吗")],
        [(5, "群聊", "group chat (群聊) section, lines 5-9, not loaded: a group chat serves no "
                     "buyer")])


def test_time_lines_open_web_messages_when_the_text_starts_with_one_else_follow_the_nick():
    web = read("没有更多内容了", "2026-10-08 09:00:00", "在吗", "tb_a", "2026-10-08 09:00:30",
               "在的", "旗舰店:小美")
    nick_line = read("tb_a", "2026-10-08 09:00:00", "在吗", "旗舰店:小美", "2026-10-08 09:00:30",
                     "在的")
    assert web == nick_line == ([("tb_a", MEI, "buyer", "在吗"), ("tb_a", MEI, "agent", "在的")],
                                [])
