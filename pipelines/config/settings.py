"""Where things live. Every setting comes from a `KEFU_*` variable; a relative value (and every
default) is relative to the project root, the folder holding pyproject.toml, so that the same
command finds the same files from any working directory (cron runs from `/`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = {
    "KEFU_LANDING": "data/landing",
    "KEFU_WAREHOUSE": "data/warehouse.duckdb",
    "KEFU_CONFIG": "config",
    "KEFU_PUBLISH": "data/publish",
}


def project_path(value: str | os.PathLike[str]) -> Path:
    """`value` as an absolute path: `~` expanded, a relative path taken from the project root."""
    path = Path(value).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else PROJECT_ROOT / path))


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    config: Path
    publish: Path

    @classmethod
    def from_env(cls) -> Settings:
        def setting(name: str) -> Path:
            return project_path(os.environ.get(name) or DEFAULTS[name])

        return cls(
            landing=setting("KEFU_LANDING"),
            warehouse=setting("KEFU_WAREHOUSE"),
            config=setting("KEFU_CONFIG"),
            publish=setting("KEFU_PUBLISH"),
        )
