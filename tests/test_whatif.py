"""`kefu whatif`: a month scored and paid under a candidate plan, checked by hand-computable facts
on a small real month; marts and the published files are never touched."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.config.rules import ConfigError
from pipelines.config.settings import Settings
from pipelines.pay.whatif import run_whatif, scratch_path
from tests.conftest import use_env

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
CENT = Decimal("0.01")


@pytest.fixture
def month(clean_month: Settings, tmp_path: Path) -> Settings:
    """The month with its own copy of the warehouse (the publish folder is shared, read-only)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(clean_month.warehouse, warehouse)
    return replace(clean_month, warehouse=warehouse)


def candidate(settings: Settings, path: Path, change=lambda version: None) -> Path:
    """config/plan.yaml through yaml, every version changed by `change`, written to `path`."""
    data = yaml.safe_load((settings.config / "plan.yaml").read_text(encoding="utf-8"))
    for version in data["versions"]:
        change(version)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def marts_checksums(warehouse: Path) -> dict[str, str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "ORDER BY table_name").fetchall()]
        return {t: hashlib.sha256(repr(con.execute(
            f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall()).encode()).hexdigest()
            for t in tables}
    finally:
        con.close()


def folder_checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def whatif_rows(warehouse: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(scratch_path(warehouse)), read_only=True)
    try:
        return con.execute(f"SELECT * FROM whatif.{table} ORDER BY employee_id").fetchall()
    finally:
        con.close()


def test_an_identical_candidate_reproduces_the_payroll(month: Settings, tmp_path: Path):
    plan = candidate(month, tmp_path / "same.yaml")
    result = run_whatif(month.warehouse, month.config, plan, FIRST)
    assert len(result.rows) == 6
    assert result.notes == []
    for r in result.rows:
        assert r.current_gross is not None
        assert (r.candidate_score, r.candidate_tier_base, r.candidate_bonus, r.candidate_gross) \
            == (r.current_score, r.current_tier_base, r.current_bonus, r.current_gross)
        assert r.difference == 0
    assert result.total_difference == Decimal("0.00")
    assert result.candidate_total == result.current_total > 0
    # the scratch tables hold the same figures as marts.payroll, column for column
    con = duckdb.connect(str(month.warehouse), read_only=True)
    columns = "employee_id, name, month, level, role, days_employed, base_salary, kpi_score, " \
              "tier_base, bonus, adjustments, gross_pay, plan_version, status"
    marts = con.execute(f"SELECT {columns} FROM marts.payroll WHERE month = ? "
                        "ORDER BY employee_id", [FIRST]).fetchall()
    con.close()
    con = duckdb.connect(str(scratch_path(month.warehouse)), read_only=True)
    scratch = con.execute(f"SELECT {columns} FROM whatif.payroll ORDER BY employee_id").fetchall()
    con.close()
    assert scratch == marts


def test_doubled_tier_bases_double_each_bonus_and_touch_nothing(clean_month: Settings,
                                                                 month: Settings,
                                                                 tmp_path: Path, monkeypatch):
    def double(version: dict) -> None:
        for tier in version["bonus_tiers"]:
            tier["base"] *= 2

    plan = candidate(month, tmp_path / "double.yaml", double)
    published = folder_checksums(clean_month.publish)
    assert any(name.startswith("payroll_") for name in published)  # the month was published
    marts = marts_checksums(month.warehouse)

    result = run_whatif(month.warehouse, month.config, plan, FIRST)
    con = duckdb.connect(str(month.warehouse), read_only=True)
    days = dict(con.execute("SELECT employee_id, days_employed FROM marts.payroll "
                            "WHERE month = ?", [FIRST]).fetchall())
    con.close()
    assert 31 in days.values()                              # the exact case below is exercised
    for r in result.rows:
        assert r.candidate_score == r.current_score        # tiers do not change the score
        assert r.candidate_tier_base == 2 * r.current_tier_base
        # bonus = round(base x score / 100 x share). A whole month (share 1): base is whole CNY
        # and the score has 2 decimals, so base x score / 100 is already in cents and doubling
        # is exact. Prorated: round(2x) - 2 round(x) = f - 2e with |e|, |f| <= 0.005, a whole
        # number of cents of size <= 0.015, so at most one cent.
        if days[r.employee_id] == 31:
            assert r.candidate_bonus == 2 * r.current_bonus
        else:
            assert abs(r.candidate_bonus - 2 * r.current_bonus) <= CENT
        # base salary and adjustments are unchanged: the gross moves by the bonus alone
        assert r.difference == r.candidate_bonus - r.current_bonus
    assert result.total_difference == sum((r.candidate_bonus - r.current_bonus
                                           for r in result.rows), Decimal(0))
    assert result.total_difference > 0

    # the command line: same figures printed, the scratch tables replaced (not appended to)
    use_env(monkeypatch, month)  # its publish folder is clean_month's
    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["whatif", "--plan", str(plan), "--month", "2026-10"])
    assert out.exit_code == 0, out.output
    assert f"difference {result.total_difference:+}" in out.output
    # then the candidate's plan check on the month: E05's 81.20 is near the edge of 80, where
    # the candidate's tier base goes from 2000 to 4000
    assert result.diagnostics is not None and result.diagnostics.plan_version == "default-2026"
    assert "Plan check 2026-10: default-2026" in out.output
    assert "at 80 the tier base goes from 2000 to 4000" in " ".join(out.output.split())
    assert len(whatif_rows(month.warehouse, "payroll")) == 6
    assert len(whatif_rows(month.warehouse, "kpi_monthly")) == 6

    assert marts_checksums(month.warehouse) == marts
    assert folder_checksums(clean_month.publish) == published


def test_a_different_promo_exclusion_is_reported(month: Settings, tmp_path: Path):
    def no_promo(version: dict) -> None:
        version["promo_days_excluded_from"] = []

    plan = candidate(month, tmp_path / "promo.yaml", no_promo)
    result = run_whatif(month.warehouse, month.config, plan, FIRST)
    assert len(result.notes) == 1
    assert "promo_days_excluded_from [] differs from [inquiry_conversion]" in result.notes[0]


def test_an_invalid_candidate_stops_naming_the_field(month: Settings, tmp_path: Path,
                                                     monkeypatch):
    def ninety(version: dict) -> None:
        version["kpi"]["presale"][0]["weight"] -= 10

    plan = candidate(month, tmp_path / "bad.yaml", ninety)
    with pytest.raises(ConfigError, match=r"versions\[0\]\.kpi\.presale: weights sum to 90"):
        run_whatif(month.warehouse, month.config, plan, FIRST)

    use_env(monkeypatch, month)
    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["whatif", "--plan", str(plan), "--month", "2026-10"])
    assert out.exit_code == 1
    assert "kpi.presale: weights sum to 90, must be 100" in out.output
    con = duckdb.connect(str(month.warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_schemas() "
                       "WHERE schema_name = 'whatif'").fetchall() == [(0,)]
    con.close()
