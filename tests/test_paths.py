"""Paths resolve the same from any working directory: cron runs `kefu` from `/`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config.settings import PROJECT_ROOT, Settings
from pipelines.orchestration.runner import dagster_home

REPO = Path(__file__).resolve().parent.parent
KEFU = Path(sys.executable).with_name("kefu")
VARIABLES = ("KEFU_LANDING", "KEFU_WAREHOUSE", "KEFU_CONFIG", "KEFU_PUBLISH", "DAGSTER_HOME")


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_project_root_holds_pyproject():
    assert PROJECT_ROOT == REPO
    assert (PROJECT_ROOT / "pyproject.toml").is_file()


def test_defaults_are_the_projects_folders_from_any_working_directory(no_env, tmp_path):
    no_env.chdir(REPO)
    from_root = Settings.from_env()
    for cwd in (tmp_path, Path("/")):
        no_env.chdir(cwd)
        assert Settings.from_env() == from_root
    assert from_root == Settings(landing=REPO / "data" / "landing",
                                 warehouse=REPO / "data" / "warehouse.duckdb",
                                 config=REPO / "config", publish=REPO / "data" / "publish")
    assert dagster_home() == REPO / "data" / "dagster_home"


def test_relative_values_are_taken_from_the_project_root_absolute_ones_as_given(no_env, tmp_path):
    no_env.chdir(tmp_path)
    no_env.setenv("KEFU_WAREHOUSE", "elsewhere/w.duckdb")
    no_env.setenv("KEFU_LANDING", "./drop/../landing")
    no_env.setenv("KEFU_PUBLISH", str(tmp_path / "pub"))
    no_env.setenv("DAGSTER_HOME", "dh")
    settings = Settings.from_env()
    assert settings.warehouse == REPO / "elsewhere" / "w.duckdb"
    assert settings.landing == REPO / "landing"
    assert settings.publish == tmp_path / "pub"
    assert settings.config == REPO / "config"
    assert all(Path(p).is_absolute() for p in vars(settings).values())
    assert dagster_home() == REPO / "dh"


def test_kefu_run_from_another_directory_names_and_uses_the_projects_warehouse(tmp_path):
    """`kefu restatement` from a foreign working directory announces the project's paths and
    creates nothing there (it used to create an empty data/warehouse.duckdb in the cwd)."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    out = subprocess.run([str(KEFU), "restatement", "--month", "2026-10"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=120)
    first_line = out.stdout.splitlines()[0]
    assert first_line == (f"warehouse {REPO / 'data' / 'warehouse.duckdb'} · "
                          f"landing {REPO / 'data' / 'landing'}")
    assert list(tmp_path.iterdir()) == []


def test_an_unforeseen_failure_is_one_line_and_its_trace_goes_to_a_log_beside_the_warehouse(
        tmp_path):
    """A failure no command foresees (here the operating system refusing a landing folder
    inside a file, as it would a full disk) used to end in typer's pages of traceback."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env["KEFU_WAREHOUSE"] = str(tmp_path / "shop" / "warehouse.duckdb")
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    landing = tmp_path / "a_file" / "landing"
    out = subprocess.run([str(KEFU), "generate", "--out", str(landing)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    logs = list((tmp_path / "shop" / "logs").glob("kefu-*.log"))
    assert len(logs) == 1
    assert out.stdout.splitlines()[-2:] == [
        f"kefu generate failed: NotADirectoryError: [Errno 20] Not a directory: "
        f"'{landing / 'chats' / '2026-10-01'}'", f"the full error is in {logs[0]}"]
    assert "Traceback" not in out.stdout + out.stderr
    trace = logs[0].read_text(encoding="utf-8")
    assert f"generate --out {landing}" in trace.splitlines()[0]
    assert "Traceback (most recent call last)" in trace
    assert "NotADirectoryError" in trace
