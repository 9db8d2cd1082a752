"""The validated configuration: pay plan versions, promotion calendar, roster and adjustments.

Pay depends on every number in these files, so nothing is guessed: a file that breaks a rule
stops the run before anything is written, with a `ConfigError` whose every line names the file,
the field (or CSV line) and the rule (SPEC 5). Money, weights and scores are `Decimal` from the
start; YAML hands over floats, so they are converted through `str()` (0.20 -> Decimal("0.2")),
never through binary floating point.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

KPI_METRICS: tuple[str, ...] = (
    "inquiry_conversion",
    "avg_response_seconds",
    "first_response_seconds",
    "reply_rate",
    "satisfaction",
    "refund_rate",
    "slow_response_rate",
    "qa_ratio",
)
ROLES: tuple[str, ...] = ("presale", "aftersale")
ADJUSTMENT_KINDS: tuple[str, ...] = ("qa_points", "pay")
ROSTER_HEADER: tuple[str, ...] = (
    "employee_id", "name", "account", "level", "role", "effective_from", "effective_to",
)
ADJUSTMENT_HEADER: tuple[str, ...] = ("employee_id", "kind", "amount", "reason")

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
_AMOUNT = re.compile(r"[+-]?\d+(\.\d+)?")


class ConfigError(Exception):
    """A configuration or adjustment file breaks a rule; the message says where and which."""


# --- value parsers shared by the YAML models ---------------------------------------------------


def _rule(where: tuple[str | int, ...], rule: str) -> PydanticCustomError:
    """A cross-field rule broken at `where` (relative to the model that checks it)."""
    return PydanticCustomError("config_rule", "{rule}", {"rule": rule, "where": where})


def _number(value: Any) -> Any:
    """YAML numbers to exact Decimal via their text: float 0.2 must become Decimal("0.2")."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _name(value: Any) -> Any:
    """Names written bare in YAML (a promotion called 618) arrive as ints; keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _day(value: Any) -> date:
    """A calendar day, unquoted (YAML date) or quoted "YYYY-MM-DD"; never a timestamp."""
    if isinstance(value, datetime):
        raise ValueError(f"{value} is a date-time; write the day only, YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return date.fromisoformat(value.strip())
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


def _hours(value: Any) -> tuple[time, time]:
    """"HH:MM-HH:MM" to (start, end); start must come before end within one day."""
    match = _HOURS.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not 'HH:MM-HH:MM' (e.g. '08:00-23:00')")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as err:
        raise ValueError(f"{value!r}: {err} (times run 00:00 to 23:59)") from None
    if start >= end:
        raise ValueError(f"{value!r}: start {start:%H:%M} must be before end {end:%H:%M}")
    return start, end


def _known_metric(value: str) -> str:
    if value not in KPI_METRICS:
        raise ValueError(f"unknown metric {value!r}; known metrics: {', '.join(KPI_METRICS)}")
    return value


Number = Annotated[Decimal, BeforeValidator(_number)]
Name = Annotated[str, BeforeValidator(_name), Field(min_length=1)]
Day = Annotated[date, BeforeValidator(_day)]
Metric = Annotated[str, AfterValidator(_known_metric)]


class _Model(BaseModel):
    # A misspelt key (`weigth`) must fail, not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- plan.yaml -----------------------------------------------------------------------------------


class Attribution(_Model):
    """下单优先判定: an order goes to the last human reply before it, within `window_days`."""

    rule: Literal["order_first"]
    window_days: Annotated[int, Field(strict=True, ge=0)]


class KpiLine(_Model):
    """One scored metric: points = weight * clamp((value - worst) / (best - worst), 0, 1)."""

    metric: Metric
    weight: Annotated[Number, Field(gt=0)]
    worst: Number
    best: Number
    min_sample: Annotated[int, Field(strict=True, ge=0)] = 0

    @model_validator(mode="after")
    def _has_range(self) -> KpiLine:
        if self.worst == self.best:
            raise _rule(("best",), f"equals worst ({self.worst}); a line needs worst != best")
        return self


class BonusTier(_Model):
    """Scores from `min_score` up to the next tier earn `base` * score / 100."""

    min_score: Annotated[Number, Field(ge=0, le=100)]
    base: Annotated[Number, Field(ge=0)]


class PlanVersion(_Model):
    """One effective-dated pay plan; it governs every month whose first day it is in force on."""

    id: Name
    effective_from: Day
    attribution: Attribution
    session_gap_minutes: Annotated[int, Field(strict=True, gt=0)]
    slow_response_seconds: Annotated[int, Field(strict=True, gt=0)]
    service_hours: Annotated[tuple[time, time], BeforeValidator(_hours)]
    promo_days_excluded_from: list[Metric]
    levels: Annotated[dict[Name, Annotated[Number, Field(ge=0)]], Field(min_length=1)]
    kpi: dict[str, list[KpiLine]]
    bonus_tiers: Annotated[list[BonusTier], Field(min_length=1)]
    prorate: StrictBool

    @property
    def service_start(self) -> time:
        return self.service_hours[0]

    @property
    def service_end(self) -> time:
        return self.service_hours[1]

    @model_validator(mode="after")
    def _kpi_lines_add_up(self) -> PlanVersion:
        for role in self.kpi:
            if role not in ROLES:
                raise _rule(("kpi", role), f"unknown role; roles are {', '.join(ROLES)}")
        for role in ROLES:
            if role not in self.kpi:
                raise _rule(("kpi",), f"no lines for role {role}; every role is scored")
            lines = self.kpi[role]
            metrics = [line.metric for line in lines]
            for i, metric in enumerate(metrics):
                if metric in metrics[:i]:
                    raise _rule(("kpi", role, i, "metric"),
                                f"{metric} is listed twice; each metric once per role")
            total = sum((line.weight for line in lines), Decimal(0))
            if total != 100:
                raise _rule(("kpi", role), f"weights sum to {total:f}, must be 100")
        return self

    @model_validator(mode="after")
    def _tiers_cover_0_to_100(self) -> PlanVersion:
        scores = [tier.min_score for tier in self.bonus_tiers]
        for i, score in enumerate(scores):
            if score in scores[:i]:
                raise _rule(("bonus_tiers", i, "min_score"),
                            f"{score} is used by two tiers; min_scores must be distinct")
        if 0 not in scores:
            raise _rule(("bonus_tiers",), "no tier has min_score 0; tiers must cover 0-100")
        return self

    def tier_for(self, score: Decimal) -> BonusTier:
        """The tier with the highest min_score <= score (the score is already rounded)."""
        eligible = [tier for tier in self.bonus_tiers if tier.min_score <= score]
        if not eligible:
            raise ValueError(f"score {score} is below every tier of plan {self.id}")
        return max(eligible, key=lambda tier: tier.min_score)


class Plan(_Model):
    """All plan versions; each runs from its effective_from until the next one's."""

    versions: Annotated[list[PlanVersion], Field(min_length=1)]
    _source: str = PrivateAttr("plan.yaml")

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Plan:
        for j, later in enumerate(self.versions):
            for i, earlier in enumerate(self.versions[:j]):
                if later.id == earlier.id:
                    raise _rule(("versions", j, "id"),
                                f"{later.id!r} is also the id of versions[{i}]; ids are unique")
                if later.effective_from == earlier.effective_from:
                    raise _rule(("versions", j, "effective_from"),
                                f"{later.effective_from} is also the effective_from of "
                                f"versions[{i}] ({earlier.id}); versions must not overlap")
        return self

    def version_for(self, day: date) -> PlanVersion:
        """The version in force on `day`: the latest effective_from on or before it."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            first = min(self.versions, key=lambda v: v.effective_from)
            raise ConfigError(f"{self._source}: versions: no version in force on {day}; the "
                              f"earliest ({first.id}) starts {first.effective_from}")
        return max(in_force, key=lambda v: v.effective_from)


# --- calendar.yaml -------------------------------------------------------------------------------


class Promotion(_Model):
    """A promotion period, inclusive on both ends, in shop-local days."""

    name: Name
    first: Day = Field(alias="from")
    last: Day = Field(alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> Promotion:
        if self.last < self.first:
            raise _rule(("to",), f"{self.last} is before from ({self.first})")
        return self


class Calendar(_Model):
    """Promotion periods (a day belongs to at most one, so its name in reports is unambiguous),
    and the days the shop was closed: no export is expected for them, so they do not keep a
    month from being complete. Written as `promotions:` and `shop_closed:`, or as a bare list
    of promotions."""

    promotions: list[Promotion] = Field(default_factory=list)
    shop_closed: list[Day] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bare_list_is_the_promotions(cls, data: Any) -> Any:
        """A file that is only a list of periods (SPEC 5 reads it the same) lists promotions;
        anything else but a mapping is told which two shapes there are."""
        if isinstance(data, list):
            return {"promotions": data}
        if not isinstance(data, dict):
            raise ValueError("expected `promotions: [{name, from, to}, ...]` and `shop_closed: "
                             f"[YYYY-MM-DD, ...]`, or a bare list of promotions; got {data!r}")
        return data

    @model_validator(mode="after")
    def _promotions_do_not_overlap(self) -> Calendar:
        for j, later in enumerate(self.promotions):
            for i, earlier in enumerate(self.promotions[:j]):
                if later.first <= earlier.last and earlier.first <= later.last:
                    raise _rule(("promotions", j),
                                f"{later.name} ({later.first} to {later.last}) overlaps "
                                f"promotions[{i}] {earlier.name} ({earlier.first} to "
                                f"{earlier.last}); promotions must not overlap")
        return self

    def promo_days(self, first: date, last: date) -> dict[date, str]:
        """Every promotion day between first and last (inclusive) -> the promotion's name."""
        days: dict[date, str] = {}
        for promo in self.promotions:
            start, end = max(promo.first, first), min(promo.last, last)
            for ordinal in range(start.toordinal(), end.toordinal() + 1):
                days[date.fromordinal(ordinal)] = promo.name
        return days


# --- YAML loading and error messages -------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that rejects a key written twice (PyYAML would silently keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(f"{path}: {where}not valid YAML: {problem}") from None


def _field_path(parts: tuple[str | int, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            text += " (key)"
        else:
            text += f".{part}" if text else str(part)
    return text


def _describe(error: ErrorDetails) -> str:
    """One pydantic error as 'field.path: rule', the rule in the reader's terms."""
    ctx = error.get("ctx", {})
    loc = tuple(error["loc"])
    if error["type"] == "config_rule":
        loc, rule = (*loc, *ctx["where"]), error["msg"]
    elif error["type"] == "value_error":
        rule = str(ctx["error"])
    elif error["type"] == "missing":
        rule = "missing (required)"
    elif error["type"] == "extra_forbidden":
        rule = "unknown field"
    else:
        value = error["input"]
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        rule = f"{error['msg']}{shown}"
    return f"{_field_path(loc) or '(top level)'}: {rule}"


def _errors(path: Path, err: ValidationError) -> ConfigError:
    return ConfigError("\n".join(f"{path}: {_describe(e)}" for e in err.errors()))


def load_plan(path: Path) -> Plan:
    """Read and validate plan.yaml; errors name the file and the field path."""
    data = _read_yaml(path)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as err:
        raise _errors(path, err) from None
    plan._source = str(path)
    return plan


def load_calendar(path: Path) -> Calendar:
    """Read and validate calendar.yaml; an empty file means no promotions."""
    data = _read_yaml(path)
    try:
        return Calendar.model_validate({} if data is None else data)
    except ValidationError as err:
        raise _errors(path, err) from None


# --- CSV files: roster and adjustments -----------------------------------------------------------


def _csv_rows(path: Path, header: tuple[str, ...],
              shown: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, trimmed cells by column) for every non-blank row of a UTF-8 CSV file.

    Columns may come in any order but must be exactly `header`; a BOM (Excel's "CSV UTF-8") is
    fine. The line number is the row's first physical line, as a spreadsheet user counts them.
    Messages name the file as `shown` (default: its path).
    """
    name = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found") from None
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise ConfigError(f"{name}: line {line}: not UTF-8 text ({err.reason}); save the file "
                          "as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = [cell.strip() for cell in next(reader, [])]
        if sorted(columns) != sorted(header):
            missing = [c for c in header if c not in columns]
            extra = [c for c in columns if c not in header or columns.count(c) > 1]
            raise ConfigError(f"{name}: line 1: header: expected {','.join(header)}"
                              f"{'; missing ' + ', '.join(missing) if missing else ''}"
                              f"{'; unexpected ' + ', '.join(extra) if extra else ''}")
        previous = reader.line_num
        for cells in reader:
            line, previous = previous + 1, reader.line_num
            if all(not cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                raise ConfigError(f"{name}: line {line}: {len(cells)} fields, the header has "
                                  f"{len(columns)}")
            yield line, {c: cell.strip() for c, cell in zip(columns, cells, strict=True)}
    except csv.Error as err:
        raise ConfigError(f"{name}: line {reader.line_num}: not valid CSV: {err}") from None


def _csv_day(value: str) -> date:
    if not _ISO_DAY.fullmatch(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real day") from None


@dataclass(frozen=True)
class RosterRow:
    """From effective_from to effective_to (inclusive; None = open) `account` is this employee's,
    at this level and role. `line` is kept so every later message can point back to it."""

    employee_id: str
    name: str
    account: str
    level: str
    role: str
    effective_from: date
    effective_to: date | None
    line: int


def normalise_account(account: str) -> str:
    """Chat exports and hand-typed rosters differ in the colon of 主账号:子账号; unify it."""
    return account.replace("：", ":").strip()


def _roster_row(line: int, cells: dict[str, str], levels: set[str]) -> RosterRow:
    for column in ROSTER_HEADER[:-1]:
        if not cells[column]:
            raise ValueError(f"{column}: missing")
    if cells["role"] not in ROLES:
        raise ValueError(f"role: {cells['role']!r} is not one of {', '.join(ROLES)}")
    if cells["level"] not in levels:
        raise ValueError(f"level: {cells['level']!r} is in no plan version's levels "
                         f"({', '.join(sorted(levels))})")
    days: dict[str, date | None] = {}
    for column in ("effective_from", "effective_to"):
        try:
            days[column] = _csv_day(cells[column]) if cells[column] else None
        except ValueError as err:
            raise ValueError(f"{column}: {err}") from None
    first, last = days["effective_from"], days["effective_to"]
    assert first is not None  # checked as a required column above
    if last is not None and last < first:
        raise ValueError(f"effective_to: {last} is before effective_from {first}")
    return RosterRow(cells["employee_id"], cells["name"], normalise_account(cells["account"]),
                     cells["level"], cells["role"], first, last, line)


def _overlap(a: RosterRow, b: RosterRow) -> tuple[date, date | None] | None:
    """The days two rows share (None end = open), or None when they share none."""
    start = max(a.effective_from, b.effective_from)
    ends = [d for d in (a.effective_to, b.effective_to) if d is not None]
    end = min(ends) if ends else None
    return None if end is not None and end < start else (start, end)


def _span(days: tuple[date, date | None]) -> str:
    return f"{days[0]} to {days[1] or 'open end'}"


def load_roster(path: Path, plan: Plan) -> list[RosterRow]:
    """Read and validate roster.csv against the plan's levels.

    Each account is one person's on any day, so rows of one account must not overlap. An
    employee holding several accounts at once must hold the same level and role on all of them,
    or the day's pay would be ambiguous. Every broken rule is reported, not just the first.
    """
    levels = {level for version in plan.versions for level in version.levels}
    rows: list[RosterRow] = []
    problems: list[str] = []
    for line, cells in _csv_rows(path, ROSTER_HEADER):
        try:
            rows.append(_roster_row(line, cells, levels))
        except ValueError as err:
            problems.append(f"{path}: line {line}: {err}")
    for j, later in enumerate(rows):
        for earlier in rows[:j]:
            shared = _overlap(earlier, later)
            if shared is None:
                continue
            if earlier.account == later.account:
                problems.append(
                    f"{path}: lines {earlier.line} and {later.line}: account: {later.account} "
                    f"is on both rows for {_span(shared)}; rows of one account must not overlap")
            elif earlier.employee_id == later.employee_id and \
                    (earlier.level, earlier.role) != (later.level, later.role):
                problems.append(
                    f"{path}: lines {earlier.line} and {later.line}: level/role: "
                    f"{later.employee_id} is {earlier.level} {earlier.role} on one and "
                    f"{later.level} {later.role} on the other for {_span(shared)}; an "
                    "employee holds one level and role per day")
    if problems:
        raise ConfigError("\n".join(problems))
    return rows


@dataclass(frozen=True)
class Adjustment:
    """A manual line for one month: 质检 points on the KPI score, or CNY on gross pay. `file` is
    the landing-relative path (`adjustments/2026-10/qa.csv`), `line` its CSV line."""

    employee_id: str
    kind: str                          # qa_points | pay
    amount: Decimal                    # at most 2 decimals, both kinds
    reason: str
    file: str
    line: int


def on_roster(roster: list[RosterRow], employee_id: str, first: date, last: date) -> bool:
    """Whether a roster row of `employee_id` covers at least one day of first..last."""
    return any(r.employee_id == employee_id and r.effective_from <= last
               and (r.effective_to is None or r.effective_to >= first) for r in roster)


def _adjustment(shown: str, line: int, cells: dict[str, str], month: str,
                roster: list[RosterRow] | None) -> Adjustment:
    """One validated row; a ValueError's text follows `<file> line <n>: ` in the message."""
    employee = cells["employee_id"]
    if not employee:
        raise ValueError("employee_id: missing")
    if roster is not None:
        first = date.fromisoformat(f"{month}-01")
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        if not on_roster(roster, employee, first, last):
            raise ValueError(f"employee {employee} is not on the roster in {month}")
    for column in ADJUSTMENT_HEADER[1:]:
        if not cells[column]:
            raise ValueError(f"employee {employee}: {column}: missing")
    if cells["kind"] not in ADJUSTMENT_KINDS:
        raise ValueError(f"employee {employee}: kind: {cells['kind']!r} is not one of "
                         f"{', '.join(ADJUSTMENT_KINDS)}")
    if not _AMOUNT.fullmatch(cells["amount"]):
        raise ValueError(f"employee {employee}: amount: {cells['amount']!r} is not a plain "
                         "number like -200.00")
    amount = Decimal(cells["amount"])
    if amount != amount.quantize(Decimal("0.01")):
        unit = "pay is in CNY.cents" if cells["kind"] == "pay" else \
            "the KPI score has 2 decimals"
        raise ValueError(f"employee {employee}: amount: {amount} has more than 2 decimals "
                         f"({unit})")
    return Adjustment(employee, cells["kind"], amount, cells["reason"], shown, line)


def adjustment_files(landing: Path, month: str) -> list[Path]:
    """The files of `<landing>/adjustments/<month>/`: every one must be a .csv (an .xlsx left
    there would otherwise be ignored without a word); hidden and Excel lock files are skipped."""
    folder = landing / "adjustments" / month
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith((".", "~$")))
    others = [p for p in files if p.suffix.lower() != ".csv"]
    if others:
        raise ConfigError("\n".join(
            f"{p.relative_to(landing).as_posix()}: not a .csv file; adjustments are CSV "
            f"({','.join(ADJUSTMENT_HEADER)})" for p in others))
    return files


def load_adjustments(landing: Path, month: str,
                     roster: list[RosterRow] | None = None) -> list[Adjustment]:
    """Every row of `<landing>/adjustments/<month>/*.csv` (month 'YYYY-MM'); none if no folder.

    Each row is validated: the kind is known, the amount parses and has at most 2 decimals,
    and (given the roster) the employee is on it on some day of the month. Every bad row is
    reported, one line each: `adjustments/2026-10/qa.csv line 3: employee E99 is not on the
    roster in 2026-10`; then nothing is returned."""
    adjustments: list[Adjustment] = []
    problems: list[str] = []
    for path in adjustment_files(landing, month):
        shown = path.relative_to(landing).as_posix()
        for line, cells in _csv_rows(path, ADJUSTMENT_HEADER, shown):
            try:
                adjustments.append(_adjustment(shown, line, cells, month, roster))
            except ValueError as err:
                problems.append(f"{shown} line {line}: {err}")
    if problems:
        raise ConfigError("\n".join(problems))
    return adjustments


# --- everything together -------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """The three validated files of `KEFU_CONFIG`, loaded together so a run sees one state."""

    plan: Plan
    calendar: Calendar
    roster: list[RosterRow]


def load_config(config_dir: Path) -> Config:
    """Load plan.yaml, calendar.yaml and roster.csv from `config_dir`; a broken rule stops here."""
    config_dir = Path(config_dir)
    plan = load_plan(config_dir / "plan.yaml")
    return Config(plan, load_calendar(config_dir / "calendar.yaml"),
                  load_roster(config_dir / "roster.csv", plan))
