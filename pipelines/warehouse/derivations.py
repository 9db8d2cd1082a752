"""Whether a month's derived days are still what staging and the configuration say.

The monthly metrics re-derive every day of the month from staging, so that late refunds, status
changes and late files reach the month whatever order the days ran in. When nothing they are
computed from has changed since the daily run derived them (a month backfilled in one go), that
second pass would compute the same rows again: on a 200-agent month it cost 48 s. Each derived
day is recorded with a fingerprint of its inputs (every staging and config row, the plan's SQL
parameters and the transform's SQL text); the month is re-derived unless every day of every
transform carries the fingerprint its inputs have now."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import duckdb

from pipelines.warehouse.database import SQL_DIR

INPUT_TABLES = ("staging.chat_messages", "staging.orders", "staging.refunds", "staging.ratings",
                "config.roster", "config.promo_days", "config.plan_versions",
                "config.plan_tiers")


def inputs_print(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of every row derived tables are computed from (order-independent)."""
    parts = [con.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {table} AS t")
             .fetchall()[0] for table in INPUT_TABLES]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def derivation_print(inputs: str, sql: tuple[str, ...], params: dict[str, Any]) -> str:
    """What one transform's days were derived from: inputs, SQL texts and parameters."""
    texts = [(SQL_DIR / name).read_text(encoding="utf-8") for name in sql]
    return hashlib.sha256(json.dumps([inputs, texts, params], default=str,
                                     sort_keys=True).encode()).hexdigest()


def record(con: duckdb.DuckDBPyConnection, transform: str, first: date, last: date,
           fingerprint: str, run_id: str) -> None:
    con.execute("DELETE FROM audit.derivations WHERE transform = ? AND day BETWEEN ? AND ?",
                [transform, first, last])
    con.execute("INSERT INTO audit.derivations SELECT ?, CAST(d AS DATE), ?, ? "
                "FROM range(CAST(? AS DATE), CAST(? AS DATE) + INTERVAL 1 DAY, "
                "INTERVAL 1 DAY) AS t(d)", [transform, fingerprint, run_id, first, last])


def is_current(con: duckdb.DuckDBPyConnection, transform: str, first: date, last: date,
               fingerprint: str) -> bool:
    """Every day first..last of `transform` was derived from inputs with this fingerprint."""
    days = (last - first).days + 1
    matching = con.execute(
        "SELECT count(DISTINCT day) FROM audit.derivations WHERE transform = ? "
        "AND day BETWEEN ? AND ? AND fingerprint = ?",
        [transform, first, last, fingerprint]).fetchall()[0][0]
    return matching == days

