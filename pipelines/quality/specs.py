"""The suites of `expectations/`: one suite's spec, the suites that judge a table, and the
blocking ones (the payroll path)."""

from __future__ import annotations

import json
from typing import Any

from pipelines.warehouse.database import SQL_DIR

EXPECTATIONS_DIR = SQL_DIR.parent / "expectations"


def suite_spec(name: str) -> dict[str, Any]:
    return json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def suites_for(table: str) -> list[str]:
    """The suites that judge a table: `<schema>.<table>.json` and `<schema>.<table>.<rule>.json`."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob(f"{table}*.json")
                  if p.stem == table or p.stem.startswith(f"{table}."))


def blocking_suites() -> list[str]:
    """The payroll path: the suites whose failure keeps a payroll from being published."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")
                  if suite_spec(p.stem)["meta"]["kefu"].get("blocking"))
