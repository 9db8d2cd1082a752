"""`kefu close` and restatement: a closed month's payroll never changes again; a re-run of it
(here, a refund that arrives after September was paid) records each employee's difference as a
pay line of the first open month, worked out here by hand from the KPI rule."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance
from typer.testing import CliRunner

from pipelines.cli.commands import app
from pipelines.config.settings import Settings
from pipelines.generator.writers import REFUND_HEADER
from pipelines.orchestration.jobs import monthly_job
from pipelines.orchestration.runner import backfill_days, backfill_month, nightly, run_range
from pipelines.pay.closing import NotClosable, close_month
from pipelines.pay.whatif import run_whatif, scratch_path
from pipelines.warehouse.database import connect
from tests.conftest import REPO_CONFIG, land, use_env, warehouse_rows

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
MONTHLY_TABLES = ("agent_monthly_metrics", "kpi_lines", "kpi_monthly", "payroll_lines", "payroll")
LATE_REFUND_DAY = "2026-10-05"


@pytest.fixture(scope="module")
def paid_september(tmp_path_factory) -> Settings:
    """September computed, published and closed; October computed and published after it. Both
    months come from the generator with one seed, so the same people work both; the roster is
    September's, which covers October too."""
    from pipelines.generator import generate

    root = tmp_path_factory.mktemp("closing")
    config = root / "config"
    shutil.copytree(REPO_CONFIG, config)
    generate("2026-09", root / "landing", agents=5, seed=3, scale=0.05)
    shutil.copy(root / "landing" / "_roster.csv", config / "roster.csv")
    generate("2026-10", root / "landing", agents=5, seed=3, scale=0.05)
    settings = Settings(landing=root / "landing", warehouse=root / "warehouse.duckdb",
                        config=config, publish=root / "publish")
    with DagsterInstance.ephemeral() as instance:
        backfill_month(settings, SEP, date(2026, 9, 30), instance)
        con = connect(settings.warehouse)
        try:
            close_month(con, SEP, settings.publish, "finance")
        finally:
            con.close()
        backfill_month(settings, OCT, date(2026, 10, 31), instance)
    return settings


@pytest.fixture
def shop(paid_september: Settings, tmp_path: Path) -> Settings:
    """A copy of the two months (warehouse, landing, config and publish folder) to change
    freely: a test that fixes the plan must not change it for the tests after it."""
    for name in ("landing", "publish", "config"):
        shutil.copytree(getattr(paid_september, name), tmp_path / name)
    shutil.copy(paid_september.warehouse, tmp_path / "warehouse.duckdb")
    return replace(paid_september, landing=tmp_path / "landing", publish=tmp_path / "publish",
                   config=tmp_path / "config", warehouse=tmp_path / "warehouse.duckdb")


def month_checksums(settings: Settings, schema: str, month: date) -> dict[str, str]:
    return {table: hashlib.sha256(repr(warehouse_rows(
        settings, f"SELECT * FROM {schema}.{table} WHERE month = ? ORDER BY ALL", [month])
    ).encode()).hexdigest() for table in MONTHLY_TABLES}


def published(settings: Settings, month: date) -> dict[str, str]:
    files = [*settings.publish.glob(f"payroll_{month:%Y-%m}.*"),
             *(settings.publish / "statements" / f"{month:%Y-%m}").glob("*")]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


def rerun(settings: Settings, month: date, reason: str | None = None,
          last: date | None = None) -> None:
    with DagsterInstance.ephemeral() as instance:
        run_range(settings, monthly_job, month.isoformat(), (last or month).isoformat(),
                  instance, reason)


def gross(settings: Settings, schema: str, month: date) -> dict[str, Decimal]:
    return dict(warehouse_rows(settings, f"SELECT employee_id, gross_pay FROM {schema}.payroll "
                                         "WHERE month = ?", [month]))


def half_up(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_only_a_published_payroll_that_passes_its_checks_can_be_closed(shop: Settings):
    con = connect(shop.warehouse)
    try:
        with pytest.raises(NotClosable, match="2026-11 has no payroll"):
            close_month(con, NOV, shop.publish, "finance")
        csv = shop.publish / "payroll_2026-10.csv"
        csv.rename(csv.with_suffix(".bak"))
        with pytest.raises(NotClosable, match="2026-10 is not published"):
            close_month(con, OCT, shop.publish, "finance")
        csv.with_suffix(".bak").rename(csv)
        published = csv.read_bytes()
        *rows, last = published.decode("utf-8-sig").splitlines()
        older = [*rows, last.rsplit(",", 1)[0] + ",a-run-before-the-last-recompute"]
        csv.write_text("\n".join(older) + "\n", encoding="utf-8-sig")
        with pytest.raises(NotClosable, match="is not the payroll in the warehouse"):
            close_month(con, OCT, shop.publish, "finance")
        csv.write_bytes(published)
        con.execute("UPDATE marts.payroll SET gross_pay = gross_pay + 1 "
                    "WHERE month = ? AND employee_id = 'E01'", [OCT])
        with pytest.raises(NotClosable, match=r"fails its blocking checks \(marts\.payroll"):
            close_month(con, OCT, shop.publish, "finance")
        con.execute("UPDATE marts.payroll SET gross_pay = gross_pay - 1 "
                    "WHERE month = ? AND employee_id = 'E01'", [OCT])
        closed, new = close_month(con, OCT, shop.publish, "finance")
        assert new and closed.month == OCT
        assert closed.gross_pay_total == sum(gross(shop, "marts", OCT).values())
        assert closed.payroll_csv_sha256 == hashlib.sha256(csv.read_bytes()).hexdigest()
        again, new = close_month(con, OCT, shop.publish, "someone else")
        assert not new and again == closed
    finally:
        con.close()


def test_a_rerun_of_a_closed_month_without_news_changes_nothing(shop: Settings):
    marts_before = month_checksums(shop, "marts", SEP)
    files_before = published(shop, SEP)
    october = gross(shop, "marts", OCT)
    rerun(shop, SEP)
    assert month_checksums(shop, "marts", SEP) == marts_before
    assert published(shop, SEP) == files_before
    assert gross(shop, "restated", SEP) == gross(shop, "marts", SEP)
    assert warehouse_rows(shop, "SELECT count(*) FROM marts.restatements") == [(0,)]
    assert gross(shop, "marts", OCT) == october


def late_refund_candidate(settings: Settings) -> tuple[str, str, Decimal, date]:
    """A paid September order credited to an employee all of whose KPI lines are scored (so each
    line's weight is the plan's) and whose refund line would move if the whole order were
    refunded: (employee, order, amount, credit day)."""
    rows = warehouse_rows(settings, """
        SELECT DISTINCT r.employee_id, a.order_id, a.amount, a.credit_day,
               l.numerator, l.denominator, l.worst, l.best
        FROM staging.order_attribution a
        JOIN config.roster r ON r.account = a.credited_account
             AND a.credit_day BETWEEN r.effective_from
                 AND coalesce(r.effective_to, DATE '9999-12-31')
        JOIN marts.kpi_lines l ON l.month = ? AND l.employee_id = r.employee_id
             AND l.metric = 'refund_rate' AND l.status = 'scored'
        WHERE a.is_paid AND a.credit_day BETWEEN ? AND ?
          AND a.order_id NOT IN (SELECT order_id FROM staging.refunds)
          AND NOT EXISTS (SELECT 1 FROM marts.kpi_lines x WHERE x.month = l.month
                          AND x.employee_id = l.employee_id AND x.status <> 'scored')
        ORDER BY a.amount DESC, a.order_id
        """, [SEP, SEP, date(2026, 9, 30)])
    for employee_id, order_id, amount, day, refunded, sales, worst, best in rows:
        before, after = refunded / sales, (refunded + amount) / sales
        if max(before, after) > best and min(before, after) < worst:
            return employee_id, order_id, amount, day
    raise AssertionError("no order whose refund would move a refund_rate line")


def land_refund(settings: Settings, order_id: str, amount: Decimal) -> None:
    row = (f'"=""{order_id}""","=""5000000000000000001""",\'2026100522001,2026-09-20 10:00:00,'
           f"BAG-129,2026-10-05 12:00:00,{amount},男士手拿包,{amount},手工退款,是,"
           "2026-10-03 09:00:00,2026-10-06 09:00:00,退款成功,买家已收到货,质量问题,开线,"
           "卖家,售后,2026-10-05 12:00:00,全部退款")
    land(settings, "refunds", LATE_REFUND_DAY, "RefundList20261005-late.csv",
         f"{','.join(REFUND_HEADER)}\r\n{row}\r\n", encoding="gbk")


def expected_difference(settings: Settings, employee_id: str, refund: Decimal) -> Decimal:
    """SPEC 6/7 by hand: the refund line's points, the score, the tier and the prorated bonus
    after the refund, minus the bonus paid (base salary does not move)."""
    (refunded, sales, weight, worst, best, points), = warehouse_rows(
        settings, "SELECT numerator, denominator, weight, worst, best, points "
        "FROM marts.kpi_lines WHERE month = ? AND employee_id = ? AND metric = 'refund_rate'",
        [SEP, employee_id])
    (line_points, qa_points), = warehouse_rows(
        settings, "SELECT line_points, qa_points FROM marts.kpi_monthly "
        "WHERE month = ? AND employee_id = ?", [SEP, employee_id])
    (days, bonus), = warehouse_rows(
        settings, "SELECT days_employed, bonus FROM marts.payroll "
        "WHERE month = ? AND employee_id = ?", [SEP, employee_id])
    rate = Fraction(refunded + refund) / Fraction(sales)
    achieved = min(max((rate - Fraction(worst)) / (Fraction(best) - Fraction(worst)), 0), 1)
    new_points = half_up(Fraction(weight) * achieved, 4)
    score = half_up(Fraction(min(max(line_points - points + new_points + qa_points, 0), 100)),
                    2)
    base = 3000 if score >= 90 else 2000 if score >= 80 else 1000
    new_bonus = half_up(Fraction(base) * Fraction(score) / 100 * Fraction(days, 30), 2)
    return new_bonus - bonus


def test_a_late_refund_is_a_clawback_line_on_the_next_statement(shop: Settings, monkeypatch):
    employee_id, order_id, amount, day = late_refund_candidate(shop)
    difference = expected_difference(shop, employee_id, amount)
    assert difference < 0
    september = month_checksums(shop, "marts", SEP)
    september_files = published(shop, SEP)
    october = gross(shop, "marts", OCT)

    land_refund(shop, order_id, amount)
    with DagsterInstance.ephemeral() as instance:
        backfill_days(shop, date.fromisoformat(LATE_REFUND_DAY),
                      date.fromisoformat(LATE_REFUND_DAY), instance)
        backfill_days(shop, day, day, instance)
    rerun(shop, SEP, reason="late refund on order " + order_id)

    # September stays as it was paid, in the warehouse and in the published files.
    assert month_checksums(shop, "marts", SEP) == september
    assert published(shop, SEP) == september_files
    # The re-run's figures are in restated.*, and the difference is recorded once.
    restatements = warehouse_rows(
        shop, "SELECT employee_id, paid_in_month, paid_gross, restated_gross, difference, "
        "reason FROM marts.restatements")
    paid = gross(shop, "marts", SEP)[employee_id]
    assert restatements == [(employee_id, OCT, paid, paid + difference, difference,
                             f"late refund on order {order_id}")]
    assert gross(shop, "restated", SEP)[employee_id] == paid + difference
    # October pays it: one more line, and the gross moves by exactly the difference.
    (kind, amount_paid, explanation), = warehouse_rows(
        shop, "SELECT kind, amount, explanation FROM marts.payroll_lines WHERE month = ? "
        "AND employee_id = ? AND explanation LIKE 'restatement of 2026-09%'", [OCT, employee_id])
    assert (kind, amount_paid) == ("adjustment", difference)
    assert "refund_rate" in explanation and order_id in explanation
    assert gross(shop, "marts", OCT) == {
        e: g + (difference if e == employee_id else 0) for e, g in october.items()}
    # ... and the agent reads it on the October statement, republished in the same run.
    page = (shop.publish / "statements" / "2026-10" / f"{employee_id}.html").read_text("utf-8")
    assert "restatement of 2026-09" in page and str(difference) in page
    # kefu restatement shows it.
    use_env(monkeypatch, shop)
    out = CliRunner().invoke(app, ["restatement", "--month", "2026-09"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert employee_id in out.output and f"{difference:+}" in out.output
    assert "2026-09 is closed" in out.output

    # Re-running again pays nothing twice.
    rerun(shop, SEP, reason="late refund on order " + order_id)
    assert warehouse_rows(shop, "SELECT count(*), sum(difference) FROM marts.restatements") \
        == [(1, difference)]
    assert gross(shop, "marts", OCT)[employee_id] == october[employee_id] + difference

    # Once October is closed too, a re-run of September owes nothing more: October paid it.
    con = connect(shop.warehouse)
    try:
        close_month(con, OCT, shop.publish, "finance")
    finally:
        con.close()
    october_closed = month_checksums(shop, "marts", OCT)
    rerun(shop, SEP)
    assert month_checksums(shop, "marts", OCT) == october_closed
    assert warehouse_rows(shop, "SELECT paid_in_month, difference FROM marts.restatements") \
        == [(OCT, difference)]


def test_kefu_close_and_payroll_of_a_closed_month_from_the_command_line(shop: Settings, tmp_path,
                                                                         monkeypatch):
    use_env(monkeypatch, shop, tmp_path / "dagster_home")
    runner = CliRunner()
    out = runner.invoke(app, ["payroll", "--month", "2026-09", "--reason", "checking"],
                        terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "re-running 2026-09..2026-10" in out.output and "2026-09 is closed" in out.output
    out = runner.invoke(app, ["export", "--month", "2026-09"], terminal_width=200)
    assert out.exit_code == 1 and "published files are final" in out.output
    out = runner.invoke(app, ["close", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "2026-10 closed" in out.output
    out = runner.invoke(app, ["close", "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 0 and "already closed" in out.output
    out = runner.invoke(app, ["close", "--month", "2026-11"], terminal_width=200)
    assert out.exit_code == 1 and "has no payroll" in out.output
    assert duckdb.connect(str(shop.warehouse), read_only=True).execute(
        "SELECT list(month ORDER BY month) FROM marts.closed_months").fetchall() == [([SEP, OCT],)]


def test_a_plan_fix_to_a_closed_month_is_judged_on_the_rerun_and_paid_next_month(shop: Settings):
    """The 80-89 tier base was meant to be 2100, not 2000: September (closed) and October are
    re-run under the fixed plan, as `kefu payroll --month 2026-09` does. September's checks judge
    the re-run's rows (the paid ones still say 2000); each of its 80-89 employees is owed
    100 x score / 100 x days / 30, paid in October, whose own bonus is at 2100."""
    fixed = shop.config / "plan.yaml"
    fixed.write_text(fixed.read_text(encoding="utf-8").replace(
        "{min_score: 80, base: 2000}", "{min_score: 80, base: 2100}"), encoding="utf-8")
    tier_80 = warehouse_rows(shop, "SELECT employee_id, kpi_score, days_employed FROM "
                                   "marts.payroll WHERE month = ? AND tier_base = 2000", [SEP])
    rerun(shop, SEP, reason="plan fix", last=OCT)
    owed = {e: half_up(Fraction(100) * Fraction(score) / 100 * Fraction(days, 30), 2)
            for e, score, days in tier_80}
    assert owed, "the test month needs someone in the 80-89 tier"
    assert dict(warehouse_rows(shop, "SELECT employee_id, difference FROM marts.restatements "
                                     "WHERE closed_month = ? AND paid_in_month = ?",
                               [SEP, OCT])) == owed
    assert warehouse_rows(shop, "SELECT count(*) FROM audit.check_results WHERE NOT success "
                                "AND severity = 'error' AND suite LIKE 'marts.%'") == [(0,)]
    for employee_id, difference in owed.items():
        assert warehouse_rows(
            shop, "SELECT amount FROM marts.payroll_lines WHERE month = ? AND employee_id = ? "
            "AND explanation LIKE 'restatement of 2026-09%'", [OCT, employee_id]
        ) == [(difference,)]
    assert {changes.split("; ")[0] for (changes,) in warehouse_rows(
        shop, "SELECT changes FROM marts.restatements")} == {"tier base 2000.00 -> 2100.00"}
    # what-if compares a candidate with September as it now stands: the fixed plan changes
    # nothing more
    whatif = run_whatif(shop.warehouse, shop.config, fixed, SEP)
    assert whatif.total_difference == 0
    assert {base for (base,) in warehouse_rows(
        shop, "SELECT DISTINCT tier_base FROM marts.payroll WHERE month = ?", [OCT])} <= {
        Decimal("3000.00"), Decimal("2100.00"), Decimal("1000.00")}


def test_a_late_refund_in_the_next_months_export_restates_the_closed_month_by_itself(
        shop: Settings):
    """No one re-runs September: the nightly run that loads October's refund export finds the
    refund of a September order and restates September, paid in October (issue 9, point 2)."""
    employee_id, order_id, amount, _ = late_refund_candidate(shop)
    difference = expected_difference(shop, employee_id, amount)
    september = month_checksums(shop, "marts", SEP)
    september_files = published(shop, SEP)
    october = gross(shop, "marts", OCT)

    land_refund(shop, order_id, amount)
    with DagsterInstance.ephemeral() as instance:
        nightly(shop, date.fromisoformat(LATE_REFUND_DAY), instance)

    assert month_checksums(shop, "marts", SEP) == september
    assert published(shop, SEP) == september_files
    (paid_in, restated_difference, reason), = warehouse_rows(
        shop, "SELECT paid_in_month, difference, reason FROM marts.restatements "
        "WHERE employee_id = ?", [employee_id])
    assert (paid_in, restated_difference) == (OCT, difference)
    assert order_id in reason and "late data loaded for 2026-10-03..2026-10-05" in reason
    (explanation,), = warehouse_rows(
        shop, "SELECT explanation FROM marts.payroll_lines WHERE month = ? AND employee_id = ? "
        "AND explanation LIKE 'restatement of 2026-09%'", [OCT, employee_id])
    assert order_id in explanation
    assert gross(shop, "marts", OCT)[employee_id] == october[employee_id] + difference

    # The next night loads the same files again: nothing is late any more, nothing paid twice.
    with DagsterInstance.ephemeral() as instance:
        nightly(shop, date.fromisoformat(LATE_REFUND_DAY), instance)
    assert warehouse_rows(shop, "SELECT count(*), sum(difference) FROM marts.restatements") \
        == [(1, difference)]
    assert gross(shop, "marts", OCT)[employee_id] == october[employee_id] + difference


def schema_checksums(settings: Settings, schema: str) -> dict[str, str]:
    tables = [t for (t,) in warehouse_rows(
        settings, "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
                  "ORDER BY table_name", [schema])]
    return {t: hashlib.sha256(repr(warehouse_rows(
        settings, f"SELECT * FROM {schema}.{t} ORDER BY ALL")).encode()).hexdigest()
        for t in tables}


def test_whatif_with_the_plan_in_force_is_zero_on_a_month_that_pays_a_restatement(
        shop: Settings, monkeypatch):
    """October pays September's late-refund clawback. What-if computes October's pay through
    the payroll's own function, restatement line included: 0.00 for everyone (it used to show
    the clawback's opposite for the employee, the line being left out), and it writes only
    whatif.*."""
    employee_id, order_id, amount, day = late_refund_candidate(shop)
    land_refund(shop, order_id, amount)
    with DagsterInstance.ephemeral() as instance:
        backfill_days(shop, date.fromisoformat(LATE_REFUND_DAY),
                      date.fromisoformat(LATE_REFUND_DAY), instance)
        backfill_days(shop, day, day, instance)
    rerun(shop, SEP, reason="late refund on order " + order_id)
    (difference,), = warehouse_rows(shop, "SELECT difference FROM marts.restatements "
                                          "WHERE paid_in_month = ?", [OCT])
    assert difference < 0
    marts, restated = schema_checksums(shop, "marts"), schema_checksums(shop, "restated")

    result = run_whatif(shop.warehouse, shop.config, shop.config / "plan.yaml", OCT)
    paid = gross(shop, "marts", OCT)
    assert {r.employee_id: r.candidate_gross for r in result.rows} == paid
    assert all(r.difference == Decimal("0.00") for r in result.rows)
    assert result.total_difference == Decimal("0.00")
    assert any(f"paid in 2026-10 ({employee_id})" in note for note in result.notes)
    # the scratch payroll carries the clawback as the real one does
    scratch = duckdb.connect(str(scratch_path(shop.warehouse)), read_only=True)
    try:
        (adjustments,), = scratch.execute("SELECT adjustments FROM whatif.payroll "
                                          "WHERE employee_id = ?", [employee_id]).fetchall()
    finally:
        scratch.close()
    assert adjustments == warehouse_rows(
        shop, "SELECT adjustments FROM marts.payroll WHERE month = ? AND employee_id = ?",
        [OCT, employee_id])[0][0]
    assert schema_checksums(shop, "marts") == marts
    assert schema_checksums(shop, "restated") == restated

    use_env(monkeypatch, shop)
    out = CliRunner().invoke(app, ["whatif", "--plan", str(shop.config / "plan.yaml"),
                                   "--month", "2026-10"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "difference +0.00" in out.output
    assert schema_checksums(shop, "marts") == marts


def test_the_dagster_sensor_asks_to_restate_a_closed_month_after_a_daily_run(shop: Settings,
                                                                             monkeypatch):
    """The UI path of the test above: after the daily run that loads October's refund export,
    `restate_closed_months` asks for September with October, naming the refund's order."""
    from dagster import build_run_status_sensor_context

    from pipelines.orchestration.jobs import daily_job
    from pipelines.orchestration.schedules import restate_closed_months

    _, order_id, amount, _ = late_refund_candidate(shop)
    land_refund(shop, order_id, amount)
    use_env(monkeypatch, shop)
    with DagsterInstance.ephemeral() as instance:
        result = run_range(shop, daily_job, LATE_REFUND_DAY, LATE_REFUND_DAY, instance)
        [request] = restate_closed_months(build_run_status_sensor_context(
            sensor_name="restate_closed_months", dagster_event=result.get_run_success_event(),
            dagster_instance=instance, dagster_run=result.dagster_run))
    assert (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"]) == ("2026-09-01", "2026-10-01")
    assert order_id in request.tags["kefu/reason"]
