"""Every marts table and column carries a comment in English and Chinese (SPEC 8): finance reads
them in DBeaver and `duckdb_columns()`. A column added without a comment fails here."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.warehouse.database import connect

ASCII_LETTER = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _bilingual(comment: str | None) -> bool:
    return bool(comment and comment.strip() and ASCII_LETTER.search(comment)
                and CJK.search(comment))


def test_every_marts_column_has_an_english_and_chinese_comment(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    try:
        columns = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'marts' ORDER BY table_name, column_index").fetchall()
    finally:
        con.close()
    assert columns, "no tables in schema marts"
    missing = [f"marts.{table}.{column}: {comment!r}" for table, column, comment in columns
               if not _bilingual(comment)]
    assert not missing, "columns without an English and Chinese comment:\n" + "\n".join(missing)


def test_every_marts_table_has_a_comment_and_reconnecting_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    connect(path).close()
    con = connect(path)  # the comments run again on every connection: idempotent
    try:
        tables = con.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
            "ORDER BY table_name").fetchall()
        commented = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' "
            "AND coalesce(comment, '') <> ''").fetchall()[0][0]
        total = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts'").fetchall()[0][0]
    finally:
        con.close()
    assert tables
    missing = [table for table, comment in tables if not _bilingual(comment)]
    assert not missing, f"marts tables without an English and Chinese comment: {missing}"
    assert all("grain" in comment.lower() and "粒度" in comment for _, comment in tables)
    assert commented == total
