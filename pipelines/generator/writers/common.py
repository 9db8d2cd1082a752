"""What the writers share: a day's folder of a source, money as text, rows sorted by time; and
the files beside the exports: the hand-edited roster and adjustments CSVs and the manifest."""

import csv
import json
from pathlib import Path

from ..clock import Month

ROSTER_HEADER = [
    "employee_id", "name", "account", "level", "role", "effective_from", "effective_to",
]
ADJUSTMENT_HEADER = ["employee_id", "kind", "amount", "reason"]


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def csv_day(root: Path, source: str, month: Month, d: int, name: str) -> Path:
    folder = root / source / month.iso_dates[d]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def write_plain_csv(path: Path, header: list[str], rows: list[list[str]]) -> int:
    """UTF-8 without BOM, LF: the files people edit by hand (roster, adjustments)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def write_manifest(path: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")


def first(row: tuple) -> int:
    return row[0]
