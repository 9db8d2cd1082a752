"""What finance and the agents read, written into `KEFU_PUBLISH` (SPEC 9):

- `kefu.duckdb`, the read-only snapshot (`pipelines/publish/snapshot.py`);
- `payroll_<YYYY-MM>.csv` / `.xlsx` / `.parquet`, the month's exports
  (`pipelines/publish/exports.py`);
- `statements/<YYYY-MM>/<employee_id>.html` (see `pipelines/publish/statements.py`).

The publish asset and the `kefu export` / `kefu statement` commands call the same functions.
Every file is written to a temporary name in its own folder and then `os.replace`d, so a reader
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from pipelines.publish.exports import export_payroll, month_label
from pipelines.publish.snapshot import write_snapshot
from pipelines.publish.statements import write_statements


@dataclass
class Published:
    snapshot: Path | None = None
    snapshot_tables: int = 0
    files: list[Path] = field(default_factory=list)
    rows_by_month: dict[str, int] = field(default_factory=dict)
    statements_by_month: dict[str, int] = field(default_factory=dict)


def publish_months(con: duckdb.DuckDBPyConnection, months: list[date],
                   publish_dir: Path) -> Published:
    """The snapshot once, then per month the CSV, the XLSX and every employee's statement."""
    published = Published()
    published.snapshot, published.snapshot_tables = write_snapshot(con, publish_dir)
    published.files.append(published.snapshot)
    for month in months:
        label = month_label(month)
        for fmt in ("csv", "xlsx"):
            path, rows = export_payroll(con, month, publish_dir, fmt)
            published.files.append(path)
            published.rows_by_month[label] = rows
        statements = write_statements(con, month, publish_dir)
        published.files.extend(statements)
        published.statements_by_month[label] = len(statements)
    return published
