"""What-if: a month's KPI and payroll under a candidate plan file, beside the real ones.

`run_whatif` reads the month's `marts.agent_monthly_metrics` (numerators and denominators; for a
closed month that was re-run, `restated.*`, as with the current figures it compares with;
summed with the months before it if the candidate pools them, `pipelines/pay/pooling.py`) and
the month's other inputs as the payroll asset reads them (`pipelines/pay/month_inputs.py`: the
levels held day by day, `raw.adjustments`, the restatement lines the month pays), scores them
with the candidate plan's version in force on the month's first day (`pipelines.pay.scoring`) and
pays them through `pipelines.pay.month_pay.pay_month`, the payroll asset's own function. The results
go to a scratch file beside the warehouse, `whatif.duckdb` (tables `whatif.kpi_monthly` and
`whatif.payroll`, replaced on each run); the warehouse is only read
(pipelines/warehouse/writer_lock.py `reading`: a what-if never waits for, nor blocks, a run), and
the published files are never
written.

The metrics are not recomputed: their promotion exclusions (and attribution window, session gap,
slow threshold and service hours) are those of the plan that produced them. When the candidate
differs there, the result carries a note saying so.

Restatement lines of closed months that the month pays are carried as recorded (the candidate
does not re-score the closed months); the result notes them.

The result also carries the candidate's plan diagnostics on the month (pipelines/pay/plan_check.py,
the same as `kefu plan-check --plan`): what in it lets luck move pay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.config.plan import PlanVersion, load_plan
from pipelines.config.rules import ConfigError
from pipelines.pay.diagnostics import PlanDiagnostics
from pipelines.pay.month_inputs import load_month_inputs, qa_points_by_employee
from pipelines.pay.month_pay import KpiResult, pay_month
from pipelines.pay.plan_check import diagnose_month
from pipelines.pay.pooling import month_metrics
from pipelines.pay.scoring import CENT, Score, score_employee
from pipelines.warehouse.database import month_table, read_rows, transaction, write_rows
from pipelines.warehouse.writer_lock import reading, writer_lock

ZERO = Decimal("0.00")
# Plan settings the monthly metrics were computed with; scoring cannot change them.
METRIC_SETTINGS = ("promo_days_excluded_from", "attribution", "session_gap_minutes",
                   "slow_response_seconds", "service_hours")

# The scratch tables take the marts tables' columns (less run_id) plus the candidate file; they
# live in `whatif.duckdb` beside the warehouse, attached to the reading connection as SCRATCH.
SCRATCH_FILE = "whatif.duckdb"
SCRATCH = "whatif_scratch"
# Tables in its main schema: opened as a file (catalog `whatif`) they read as whatif.payroll.
WHATIF_DDL = (
    f"CREATE OR REPLACE TABLE {SCRATCH}.kpi_monthly AS SELECT * EXCLUDE (run_id), "
    "'' AS plan_file FROM marts.kpi_monthly LIMIT 0",
    f"CREATE OR REPLACE TABLE {SCRATCH}.payroll AS SELECT * EXCLUDE (run_id), "
    "'' AS plan_file FROM marts.payroll LIMIT 0",
)


def scratch_path(warehouse: Path) -> Path:
    """Where `kefu whatif` writes its tables: `whatif.duckdb` in the warehouse's folder."""
    return Path(warehouse).parent / SCRATCH_FILE

@dataclass(frozen=True)
class Comparison:
    """One employee: the published figures (None if absent from marts) and the candidate's."""

    employee_id: str
    name: str
    current_score: Decimal | None
    current_tier_base: Decimal | None
    current_bonus: Decimal | None
    current_gross: Decimal | None
    candidate_score: Decimal | None
    candidate_tier_base: Decimal | None
    candidate_bonus: Decimal
    candidate_gross: Decimal

    @property
    def difference(self) -> Decimal:
        return self.candidate_gross - (self.current_gross or ZERO)


@dataclass(frozen=True)
class WhatIf:
    month: date
    candidate_file: str
    candidate_version: str
    current_version: str
    rows: list[Comparison]
    notes: list[str] = field(default_factory=list)
    diagnostics: PlanDiagnostics | None = None    # the candidate's, on the month

    @property
    def current_total(self) -> Decimal:
        return sum((r.current_gross or ZERO for r in self.rows), ZERO)

    @property
    def candidate_total(self) -> Decimal:
        return sum((r.candidate_gross for r in self.rows), ZERO)

    @property
    def total_difference(self) -> Decimal:
        return self.candidate_total - self.current_total


def _metric_setting_notes(candidate: PlanVersion, current: PlanVersion | None,
                          current_id: str) -> list[str]:
    if current is None:
        return [f"the metrics were computed under plan version {current_id}, which the current "
                "plan.yaml no longer has; metric settings could not be compared"]
    notes = []
    for name in METRIC_SETTINGS:
        theirs, ours = getattr(current, name), getattr(candidate, name)
        if theirs != ours:
            notes.append(f"candidate {name} {_shown(ours)} differs from {_shown(theirs)} of "
                         f"{current_id}, under which the monthly metrics were computed; they "
                         "are not recomputed, so the candidate is scored on metrics computed "
                         "with the current setting")
    return notes


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, tuple):
        return "-".join(f"{t:%H:%M}" for t in value)
    if hasattr(value, "model_dump"):
        return str(value.model_dump())
    return str(value)


def run_whatif(warehouse: Path, config: Path, candidate: Path, first: date,
               publish: Path | None = None,
               on_note: Callable[[str], None] | None = None) -> WhatIf:
    """Score and pay month `first` under `candidate` (a plan.yaml), write whatif.kpi_monthly and
    whatif.payroll of `scratch_path(warehouse)` (replacing them), and compare with
    marts.kpi_monthly / marts.payroll: of the warehouse, or, while a run writes it, of the
    published snapshot in `publish` (`on_note` is told so).

    The month's inputs (adjustments, days by level, restatement lines) are the warehouse's, as
    the payroll asset reads them, and the pay is assembled by the same
    `pipelines.pay.month_pay.pay_month`: the plan in force gives a 0.00 difference for everyone.

    Raises ConfigError if the candidate is invalid or lacks a level someone held, LookupError if
    the month has no monthly metrics in the warehouse."""
    plan = load_plan(candidate)
    version = plan.version_for(first)
    with reading(warehouse, publish / "kefu.duckdb" if publish else None,
                 **({"on_note": on_note} if on_note else {})) as con:
        # A closed month that has been re-run is compared as it now stands (restated.*).
        pooled = month_metrics(con, first, version)
        metrics = [m.row for m in pooled]
        if not metrics:
            raise LookupError(f"no marts.agent_monthly_metrics rows for {first:%Y-%m}: run "
                              f"`kefu backfill --month {first:%Y-%m}` first")
        inputs = load_month_inputs(con, first)
        qa = qa_points_by_employee(inputs.adjustments)
        current = {r["employee_id"]: r for r in read_rows(
            con, "SELECT p.employee_id, k.kpi_score, k.tier_base, p.bonus, p.gross_pay "
                 f"FROM {month_table(con, 'marts.payroll', first)} AS p "
                 f"LEFT JOIN {month_table(con, 'marts.kpi_monthly', first)} AS k "
                 "USING (month, employee_id) WHERE p.month = ?", [first])}
        current_id = metrics[0]["plan_version"]
        try:
            current_plan = load_plan(config / "plan.yaml")
            current_version = next((v for v in current_plan.versions if v.id == current_id),
                                   None)
        except ConfigError:
            current_version = None
        notes = _metric_setting_notes(version, current_version, current_id)
        missing = sorted({(level, e) for e, levels in inputs.days_by_level.items()
                          for level in levels if level not in version.levels})
        if missing:
            raise ConfigError("\n".join(
                f"{candidate}: levels: version {version.id} has no base salary for level "
                f"{level!r}, held by {employee_id} in {first:%Y-%m}"
                for level, employee_id in missing))
        alone = [m.row["employee_id"] for m in pooled if len(m.months) < version.pool_months]
        if alone:
            notes.append(f"pool_months {version.pool_months}: " + ", ".join(alone) + " have "
                         f"no monthly metrics in every month before {first:%Y-%m} it pools, "
                         "so their KPI lines sum the months they have")
        if inputs.restatements:
            notes.append("restatement lines of closed months paid in " f"{first:%Y-%m} ("
                         + ", ".join(sorted(inputs.restatements)) + ") are carried as "
                         "recorded: the candidate does not re-score the closed months")

        kpi_rows: list[dict[str, Any]] = []
        kpis: list[KpiResult] = []
        scored: list[tuple[dict[str, Any], Score]] = []
        for m in metrics:
            score = score_employee(m, version.kpi[m["role"]],
                                   qa.get(m["employee_id"], Decimal(0)), version)
            scored.append((m, score))
            tier_base = score.tier.base.quantize(CENT) if score.tier else None
            kpis.append(KpiResult(m["employee_id"], m["name"], m["level"], m["role"],
                                  score.kpi_score, score.tier))
            kpi_rows.append({
                "month": first, "employee_id": m["employee_id"], "name": m["name"],
                "level": m["level"], "role": m["role"], "line_points": score.line_points,
                "qa_points": score.qa_points, "kpi_score": score.kpi_score,
                "tier_min_score": score.tier.min_score if score.tier else None,
                "tier_base": tier_base, "flags": "; ".join(score.flags),
                "plan_version": version.id, "plan_file": str(candidate),
            })
        diagnostics = diagnose_month(con, first, version, scored)
        pay = pay_month(version, inputs, kpis, "whatif")
        pay_rows = [{**{k: v for k, v in row.items() if k != "run_id"},
                     "plan_file": str(candidate)} for row in pay.payroll]
        comparisons: list[Comparison] = []
        for row in pay.payroll:
            now = current.get(row["employee_id"], {})
            tier_base = None if row["tier_base"] is None else row["tier_base"].quantize(CENT)
            comparisons.append(Comparison(
                row["employee_id"], row["name"], now.get("kpi_score"), now.get("tier_base"),
                now.get("bonus"), now.get("gross_pay"), row["kpi_score"], tier_base,
                row["bonus"], row["gross_pay"]))
        missing_current = [c.employee_id for c in comparisons if c.current_gross is None]
        if missing_current:
            notes.append("no marts.payroll row (counted as 0.00) for " + ", ".join(
                missing_current) + f": run `kefu payroll --month {first:%Y-%m}`")
        scratch = scratch_path(warehouse)
        with writer_lock(scratch, "kefu whatif", what=f"the what-if scratch file {scratch}"):
            con.execute(f"ATTACH '{str(scratch).replace(chr(39), chr(39) * 2)}' AS {SCRATCH} "
                        "(READ_WRITE)")
            try:
                with transaction(con):
                    for statement in WHATIF_DDL:
                        con.execute(statement)
                    write_rows(con, f"{SCRATCH}.kpi_monthly", kpi_rows)
                    write_rows(con, f"{SCRATCH}.payroll", pay_rows)
            finally:
                con.execute(f"DETACH {SCRATCH}")
    return WhatIf(first, str(candidate), version.id, current_id, comparisons, notes,
                  diagnostics)
