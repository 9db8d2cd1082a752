"""The sample shop's month goes through the real ingest: nothing rejected but what it planted."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.generator import generate
from pipelines.warehouse.database import connect


def test_generated_month_loads_with_only_the_planted_bad_rows_rejected(clean_month):
    """clean_month is a generated October (6 agents) run end to end through the real ingest."""
    manifest = json.loads((clean_month.landing / "_manifest.json").read_text(encoding="utf-8"))
    con = connect(clean_month.warehouse)
    rejected = con.execute("SELECT source, source_file, line_number FROM raw.rejected_rows "
                           "ORDER BY ALL").fetchall()
    planted = sorted((b["source"], b["file"], b["line"]) for b in manifest["bad_rows"])
    assert rejected == planted
    read = dict(con.execute("SELECT source, sum(rows_read) FROM raw.ingest_files "
                            "GROUP BY source").fetchall())
    assert read == {source: manifest["counts"][source]
                    for source in ("chats", "orders", "refunds", "ratings")}
    files = con.execute("SELECT count(*) FROM raw.ingest_files WHERE rows_read <> rows_loaded + "
                        "rows_rejected").fetchall()
    assert files == [(0,)]
    # Taobao's 46 order columns: the 8 canonical ones as fields, the other 38 in `record`
    (record, headers, canonical), = con.execute(
        "SELECT map(f.record_headers, o.record), f.record_headers, f.canonical_headers "
        "FROM raw.orders AS o JOIN raw.ingest_files AS f "
        "ON f.file_path = o.source_file LIMIT 1").fetchall()
    assert len(record) == 38 and len(headers) == 38 and len(json.loads(canonical)) == 8
    assert "收货地址" in headers and "订单编号" not in headers
    # the values stay where the file had them: the address column holds an address
    assert record["收货地址"].endswith(")") and "号(" in record["收货地址"]
    con.close()


def test_the_shipped_example_roster_is_the_generators_default_month(tmp_path):
    generate("2026-10", tmp_path, agents=12, seed=7)
    shipped = Path(__file__).resolve().parent.parent / "config" / "roster.csv"
    assert (tmp_path / "_roster.csv").read_bytes() == shipped.read_bytes()
    assert json.loads((tmp_path / "_manifest.json").read_text(encoding="utf-8"))["seed"] == 7
