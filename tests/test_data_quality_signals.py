"""The signals a backfill or payroll summary ends with, on a generated month: the generator
plants an account no roster row maps and one unreadable row per source, and says so in its
manifest."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from pipelines.cli.signals import data_quality_signals
from pipelines.config.shop import load_config
from pipelines.generator.vocab import UNMAPPED_ACCOUNT
from pipelines.warehouse.database import connect_readonly


def test_the_month_ends_with_its_unmapped_account_rejected_rows_and_where_to_read_them(
        clean_month):
    manifest = json.loads((clean_month.landing / "_manifest.json").read_text(encoding="utf-8"))
    planted = Counter(row["source"] for row in manifest["bad_rows"])
    con = connect_readonly(clean_month.warehouse)
    # worked out from the chats themselves, not from marts.unmapped_accounts
    (agent_messages, buyers, days), = con.execute(
        "WITH m AS (SELECT DISTINCT message_key, CAST(sent_at AS DATE) AS day, sender, buyer "
        "FROM staging.chat_messages WHERE agent = ?), "
        "per_day AS (SELECT count(DISTINCT buyer) AS buyers FROM m GROUP BY day) "
        "SELECT count(*) FILTER (WHERE sender = 'agent'), (SELECT sum(buyers) FROM per_day), "
        "count(DISTINCT day) FROM m", [UNMAPPED_ACCOUNT]).fetchall()
    signals = data_quality_signals(con, load_config(clean_month.config), date(2026, 10, 1),
                                   date(2026, 10, 31))
    con.close()
    assert signals[0].startswith(f"unmapped account {UNMAPPED_ACCOUNT}: {agent_messages} agent "
                                 f"message(s) to {buyers} buyer(s) (counted per day) on {days} "
                                 "day(s) count for nobody")
    rejected = [s for s in signals if "rejected" in s]
    assert rejected == [
        f"{n} {source} row(s) rejected on {n} day(s); read them with: SELECT * FROM "
        f"raw.rejected_rows WHERE source = '{source}' AND partition_day BETWEEN '2026-10-01' "
        "AND '2026-10-31'" for source, n in sorted(planted.items())]
    assert not any("provisional" in s for s in signals)  # every export of the month is there
