"""The rules every configuration file is read under (SPEC 5). Pay depends on every number in
these files, so nothing is guessed: a file that breaks a rule stops the run before anything is
written, with a `ConfigError` whose every line names the file, the field (or CSV line) and the
rule. Money, weights and scores are `Decimal` from the start; YAML hands over floats, so they are
converted through `str()` (0.20 -> Decimal("0.2")), never through binary floating point. Here:
the shared value parsers of the YAML models, YAML and CSV reading, and the error messages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
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

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
AMOUNT = re.compile(r"[+-]?\d+(\.\d+)?")


class ConfigError(Exception):
    """A configuration or adjustment file breaks a rule; the message says where and which."""


# --- value parsers shared by the YAML models ---------------------------------------------------


def rule_error(where: tuple[str | int, ...], rule: str) -> PydanticCustomError:
    """A cross-field rule broken at `where` (relative to the model that checks it)."""
    return PydanticCustomError("config_rule", "{rule}", {"rule": rule, "where": where})


def decimal_number(value: Any) -> Any:
    """YAML numbers to exact Decimal via their text: float 0.2 must become Decimal("0.2")."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def clean_name(value: Any) -> Any:
    """Names written bare in YAML (a promotion called 618) arrive as ints; keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def config_day(value: Any) -> date:
    """A calendar day, unquoted (YAML date) or quoted "YYYY-MM-DD"; never a timestamp."""
    if isinstance(value, datetime):
        raise ValueError(f"{value} is a date-time; write the day only, YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DAY.fullmatch(value.strip()):
        return date.fromisoformat(value.strip())
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


def hours_range(value: Any) -> tuple[time, time]:
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


def known_metric(value: str) -> str:
    if value not in KPI_METRICS:
        raise ValueError(f"unknown metric {value!r}; known metrics: {', '.join(KPI_METRICS)}")
    return value


Number = Annotated[Decimal, BeforeValidator(decimal_number)]
Name = Annotated[str, BeforeValidator(clean_name), Field(min_length=1)]
Day = Annotated[date, BeforeValidator(config_day)]
Metric = Annotated[str, AfterValidator(known_metric)]


class ConfigModel(BaseModel):
    # A misspelt key (`weigth`) must fail, not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def read_yaml(path: Path) -> Any:
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


def config_errors(path: Path, err: ValidationError) -> ConfigError:
    return ConfigError("\n".join(f"{path}: {_describe(e)}" for e in err.errors()))


# --- CSV files: roster and adjustments -----------------------------------------------------------


def csv_rows(path: Path, header: tuple[str, ...],
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


def csv_day(value: str) -> date:
    if not ISO_DAY.fullmatch(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real day") from None
