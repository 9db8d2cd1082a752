"""What an ops lead meets on a mistake: a day or month that is not one is a single line naming
the option, before anything runs; a failed run ends in its steps' own errors (the file named),
and the traces go to a log beside the warehouse whose path is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.ingest.sources import SOURCES
from tests.conftest import land, use_env

LOG_LINE = "the full error is in "


@pytest.mark.parametrize(("args", "message"), [
    (["backfill", "--from", "2026-10-05", "--to", "2026-10-01"],
     "Invalid value for --from: 2026-10-05 is after --to 2026-10-01"),
    (["backfill", "--from", "2026-10-32", "--to", "2026-10-31"],
     "Invalid value for --from: '2026-10-32' is not a date, expected YYYY-MM-DD"),
    (["backfill", "--from", "2026-10-01", "--to", "20261005"],
     "Invalid value for --to: '20261005' is not a date, expected YYYY-MM-DD"),
    (["backfill", "--from", "2026-10-01"],
     "Invalid value: --from needs --to YYYY-MM-DD (or give --month YYYY-MM)"),
    (["backfill", "--to", "2026-10-05"],
     "Invalid value: --to needs --from YYYY-MM-DD (or give --month YYYY-MM)"),
    (["backfill"], "Invalid value: give --month YYYY-MM, or --from and --to YYYY-MM-DD"),
    (["backfill", "--month", "2026-10", "--to", "2026-10-05"],
     "Invalid value: give --month or --from/--to, not both"),
    (["backfill", "--month", "2026-13"],
     "Invalid value for --month: '2026-13' is not a month, expected YYYY-MM"),
    (["backfill", "--month", "202610"],
     "Invalid value for --month: '202610' is not a month, expected YYYY-MM"),
    (["payroll", "--month", "2026-1"],
     "Invalid value for --month: '2026-1' is not a month, expected YYYY-MM"),
    (["export", "--month", "2026-10-01"],
     "Invalid value for --month: '2026-10-01' is not a month, expected YYYY-MM"),
    (["nightly", "--date", "2026-02-30"],
     "Invalid value for --date: '2026-02-30' is not a date, expected YYYY-MM-DD"),
])
def test_a_day_or_month_that_is_not_one_is_one_line_naming_the_option_and_nothing_runs(
        settings, monkeypatch, tmp_path, args, message):
    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    for source in SOURCES:  # a landing zone a run would start on
        (settings.landing / source).mkdir(parents=True)
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2, out.output
    # typer's usage error box, 80 columns wide here: the message fits on one of its lines
    assert any(message in line for line in out.output.splitlines()), out.output
    assert "Traceback" not in out.output and "Error:" not in out.output.replace("─ Error ─", "")
    assert not settings.warehouse.exists()
    assert not (tmp_path / "dagster_home").exists()


def test_a_failed_run_ends_in_the_steps_own_error_naming_the_file_and_logs_its_trace(
        settings, monkeypatch, tmp_path):
    """A ratings .xlsx that is no workbook: the step's error used to be calamine's (which does not
    name the file), after Dagster's own error events with their stacks (over 200 lines)."""
    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    bad = land(settings, "ratings", "2026-10-03", "服务评价.xlsx", b"not a workbook")
    out = CliRunner().invoke(app, ["backfill", "--from", "2026-10-03", "--to", "2026-10-03"])
    assert out.exit_code == 1, out.output
    lines = out.output.splitlines()
    assert f"ingest: {bad}: not a readable .xlsx workbook (calamine error: Cannot detect file " \
           "format)" in lines
    for noise in ("Traceback", "Stack Trace", "dagster._core", "CalamineError", "Context:"):
        assert noise not in out.output
    assert lines[-1].startswith(LOG_LINE)
    log = Path(lines[-1].removeprefix(LOG_LINE))
    assert log.parent == settings.warehouse.parent / "logs"
    assert log.name.startswith("kefu-") and log.suffix == ".log"
    trace = log.read_text(encoding="utf-8")
    assert "Stack Trace" in trace and "CalamineError" in trace and str(bad) in trace


def test_a_calendar_of_neither_shape_is_one_line_naming_the_file_and_both_shapes(
        settings, monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    for name in ("plan.yaml", "roster.csv"):
        (config / name).write_bytes((settings.config / name).read_bytes())
    (config / "calendar.yaml").write_text("双11 from 2026-10-20 to 2026-11-11\n",
                                          encoding="utf-8")
    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    monkeypatch.setenv("KEFU_CONFIG", str(config))
    land(settings, "chats", "2026-10-03", "chats.csv", "时间,客服,买家,发送方,内容\n")
    out = CliRunner().invoke(app, ["backfill", "--month", "2026-10"])
    assert out.exit_code == 1, out.output
    assert f"{config / 'calendar.yaml'}: (top level): expected `promotions: [{{name, from, to}}, " \
           "...]` and `shop_closed: [YYYY-MM-DD, ...]`, or a bare list of promotions; got " \
           "'双11 from 2026-10-20 to 2026-11-11'" in out.output.splitlines()
    assert "Traceback" not in out.output
    assert not settings.warehouse.exists()


def test_failure_logs_keep_the_newest_fifty(settings, monkeypatch, tmp_path):
    from pipelines.cli.failures import write_log

    use_env(monkeypatch, settings, tmp_path / "dagster_home")
    logs = settings.warehouse.parent / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    old = [logs / f"kefu-2025{month:02d}{day:02d}-020000.log" for month in range(1, 4)
           for day in range(1, 21)]  # 60 nights of 2025
    for path in old:
        path.write_text("old\n", encoding="utf-8")
    newest = write_log("trace")
    kept = sorted(logs.glob("kefu-*.log"))
    assert len(kept) == 50 and kept[-1] == newest
    assert kept[0] == old[11]  # the 11 oldest of the 61 are gone


def test_a_shop_too_small_for_every_roster_situation_is_a_usage_error(tmp_path):
    out = CliRunner().invoke(app, ["generate", "--agents", "3", "--out", str(tmp_path / "l")])
    assert out.exit_code == 2 and "--agents" in out.output
    assert not (tmp_path / "l").exists()
