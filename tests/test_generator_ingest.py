"""The sample shop's month goes through the real ingest: nothing rejected but what it planted."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pipelines.generator import generate
from pipelines.runner import backfill_days
from pipelines.warehouse import connect


def test_generated_month_loads_with_only_the_planted_bad_rows_rejected(settings, instance):
    manifest = generate("2026-10", settings.landing, agents=6, seed=11, scale=0.15)
    summary = backfill_days(settings, date(2026, 10, 1), date(2026, 10, 31), instance)
    con = connect(settings.warehouse)
    rejected = con.execute("SELECT source, source_file, line_number FROM raw.rejected_rows "
                           "ORDER BY ALL").fetchall()
    planted = sorted((b["source"], b["file"], b["line"]) for b in manifest["bad_rows"])
    assert rejected == planted
    assert {s.source: s.rows_read for s in summary} == {
        source: manifest["counts"][source] for source in ("chats", "orders", "refunds", "ratings")}
    files = con.execute("SELECT count(*) FROM raw.ingest_files WHERE rows_read <> rows_loaded + "
                        "rows_rejected").fetchall()
    assert files == [(0,)]


def test_the_shipped_example_roster_is_the_generators_default_month(tmp_path):
    generate("2026-10", tmp_path, agents=12, seed=7)
    shipped = Path(__file__).resolve().parent.parent / "config" / "roster.csv"
    assert (tmp_path / "_roster.csv").read_bytes() == shipped.read_bytes()
    assert json.loads((tmp_path / "_manifest.json").read_text(encoding="utf-8"))["seed"] == 7
