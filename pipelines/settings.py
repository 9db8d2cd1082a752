"""Where things live. Every setting comes from a `KEFU_*` variable, relative to the working dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    config: Path
    publish: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            landing=Path(os.environ.get("KEFU_LANDING", "data/landing")),
            warehouse=Path(os.environ.get("KEFU_WAREHOUSE", "data/warehouse.duckdb")),
            config=Path(os.environ.get("KEFU_CONFIG", "config")),
            publish=Path(os.environ.get("KEFU_PUBLISH", "data/publish")),
        )
