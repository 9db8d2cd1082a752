"""`kefu fairness` on two small shops: the JSON and the report, from the real pipeline; and the
rank statistics it rests on, against values worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.fairness.stats import mean
from pipelines.pay.diagnostics import average_ranks, spearman
from pipelines.warehouse.database import connect_readonly
from tests.conftest import REPO_CONFIG


def test_average_ranks_share_ties() -> None:
    assert list(average_ranks([10, 20, 20, 5])) == [2.0, 3.5, 3.5, 1.0]


def test_spearman_by_hand() -> None:
    # d = 0, 1, 1, 0: 1 - 6 x 2 / (4 x 15) = 0.8
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    # ties: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): Pearson of the ranks
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / (4.5 * 5) ** 0.5)
    assert spearman([1, 2], [2, 1]) is None
    assert spearman([1, 2, 3], [5, 5, 5]) is None
    assert mean([None, 0.5, 1.0]) == 0.75 and mean([None]) is None


def test_fairness_on_two_small_shops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.cli.commands import app

    monkeypatch.setenv("KEFU_CONFIG", str(REPO_CONFIG))
    report, figures_path = tmp_path / "out" / "report.html", tmp_path / "out" / "f.json"
    out = CliRunner().invoke(app, [
        "fairness", "--shops", "2", "--agents", "5", "--scale", "0.05", "--seed", "3",
        "--report", str(report), "--json", str(figures_path), "--workdir", str(tmp_path / "w")])
    assert out.exit_code == 0, out.output
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    assert figures["months"] == {"first": "2026-09", "study": "2026-10", "retest": "2026-11"}
    assert figures["variant_pool_months"] == 2
    for key in ("kpi_spearman", "commission_spearman", "bonus_spearman", "gross_spearman",
                "variant_kpi_spearman"):
        assert len(figures[key]) == 2
        assert all(v is None or -1 <= v <= 1 for v in figures[key])
    # 5 agents: E04 works after-sale, four presale agents per shop
    agents = figures["agents_measured"]
    assert [(a["shop"], a["role"]) for a in agents].count((1, "presale")) == 4
    assert figures["roles"]["aftersale"]["kpi_spearman"] == [None, None]
    # the flip rate is the share of agents whose tier base differs between the two months
    flips = sum(a["tier"] != a["retest_tier"] for a in agents)
    assert figures["retest"]["tier_flips"] == flips
    assert figures["tier_flip_rate"] == pytest.approx(flips / len(agents))
    assert figures["mean"]["kpi_spearman"] == pytest.approx(
        sum(figures["kpi_spearman"]) / 2)
    # the pay read is the pipeline's: the study month's marts.payroll of shop 1
    shop = tmp_path / "w" / "shop01"
    con = connect_readonly(shop / "warehouse.duckdb")
    try:
        paid = dict(con.execute("SELECT employee_id, bonus FROM marts.payroll "
                                "WHERE month = DATE '2026-10-01'").fetchall())
    finally:
        con.close()
    assert {a["employee_id"]: a["bonus"] for a in agents if a["shop"] == 1} == \
        {e: float(b) for e, b in paid.items()}
    assert not (shop / "landing" / "adjustments").exists()
    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "Does the plan pay skill?" in html
    assert "pool_months 2" in html and "<script" not in html
    assert "KPI" in out.output and "commission" in out.output


def test_fairness_refuses_a_retest_month_not_over_yet() -> None:
    from pipelines.cli.commands import app

    out = CliRunner().invoke(app, ["fairness", "--month", "2099-01"])
    assert out.exit_code == 2 and "not over yet" in out.output


def test_fairness_refuses_a_workdir_in_use(tmp_path: Path) -> None:
    from pipelines.cli.commands import app

    (tmp_path / "shop01").mkdir()
    out = CliRunner().invoke(app, ["fairness", "--workdir", str(tmp_path)])
    assert out.exit_code == 2 and "not empty" in out.output
