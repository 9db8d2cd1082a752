"""Which chat messages are one message (sql/staging/chat_messages.sql): identical lines of one
file are as many messages (a buyer who sends 在吗 twice in one second), and the same message in
two files of a day counts once, from the first file."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import ingest, land

HEADER = "时间,客服,买家,发送方,内容\n"
ASKED_TWICE = "2026-10-08 10:00:00,店:甲,b1,买家,在吗\n" * 2
ANSWERED = "2026-10-08 10:00:05,店:甲,b1,客服,在的\n"


def test_identical_lines_of_a_file_count_each_and_a_message_in_two_files_once(settings):
    """a.csv: 在吗 twice in one second (lines 2, 3), the reply (line 4).
    b.csv: the same three, then 好的 (line 5), which only b.csv holds.
    c.csv: 在吗 once and the reply: the first 在吗 and the reply again.
    -> 在吗 a.csv 2 and 3, 在的 a.csv 4, 好的 b.csv 5: four messages, four keys."""
    land(settings, "chats", "2026-10-08", "a.csv", HEADER + ASKED_TWICE + ANSWERED)
    land(settings, "chats", "2026-10-08", "b.csv", HEADER + ASKED_TWICE + ANSWERED
         + "2026-10-08 10:01:00,店:甲,b1,买家,好的\n")
    land(settings, "chats", "2026-10-08", "c.csv", HEADER + ASKED_TWICE[:len(ASKED_TWICE) // 2]
         + ANSWERED)
    con = ingest(settings, "chats", "2026-10-08")
    rows = con.execute("SELECT sent_at, content, source_file, line_number "
                       "FROM staging.chat_messages ORDER BY sent_at, line_number").fetchall()
    at = datetime(2026, 10, 8, 10, 0)
    assert rows == [(at, "在吗", "chats/2026-10-08/a.csv", 2),
                    (at, "在吗", "chats/2026-10-08/a.csv", 3),
                    (at.replace(second=5), "在的", "chats/2026-10-08/a.csv", 4),
                    (at.replace(minute=1), "好的", "chats/2026-10-08/b.csv", 5)]
    assert con.execute("SELECT count(DISTINCT message_key) FROM staging.chat_messages"
                       ).fetchone() == (4,)
