"""The config files as kefu reads them: the plan version in force (plan.yaml), the promotion
days (calendar.yaml), the roster and who holds which account each day, and the month's
adjustments (landing/adjustments/<month>/*.csv, validated as kefu validates them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .common import US, BaselineError

# --- config ---------------------------------------------------------------------------------


def _dec(value: Any) -> Decimal:
    """YAML floats through their text: 0.2 must be Decimal('0.2'), not the binary float."""
    return Decimal(str(value))


@dataclass(frozen=True)
class Plan:
    id: str
    window_days: int
    session_gap: pd.Timedelta
    slow_seconds: int
    service_start: int          # seconds after midnight, inclusive
    service_end: int            # exclusive
    promo_excluded: frozenset[str]
    levels: dict[str, Decimal]
    kpi: dict[str, list[dict[str, Any]]]
    tiers: list[tuple[Decimal, Decimal]]  # (min_score, base), highest first
    prorate: bool


def _clock(text: str) -> int:
    h, m = (int(x) for x in text.strip().split(":"))
    return h * 3600 + m * 60


def load_plan(path: Path, first: date) -> Plan:
    """The version in force on the month's first day (the latest effective_from on or before)."""
    versions = yaml.safe_load(path.read_text(encoding="utf-8-sig"))["versions"]
    in_force = [v for v in versions if date.fromisoformat(str(v["effective_from"])) <= first]
    if not in_force:
        raise BaselineError(f"{path}: no plan version in force on {first}")
    v = max(in_force, key=lambda v: date.fromisoformat(str(v["effective_from"])))
    start, end = v["service_hours"].split("-")
    kpi = {role: [{"metric": line["metric"], "weight": _dec(line["weight"]),
                   "worst": _dec(line["worst"]), "best": _dec(line["best"]),
                   "min_sample": int(line.get("min_sample", 0))} for line in lines]
           for role, lines in v["kpi"].items()}
    tiers = sorted(((_dec(t["min_score"]), _dec(t["base"])) for t in v["bonus_tiers"]),
                   reverse=True)
    return Plan(str(v["id"]), int(v["attribution"]["window_days"]),
                pd.Timedelta(minutes=int(v["session_gap_minutes"])),
                int(v["slow_response_seconds"]), _clock(start), _clock(end),
                frozenset(v.get("promo_days_excluded_from") or []),
                {str(k): _dec(x) for k, x in v["levels"].items()}, kpi, tiers,
                bool(v["prorate"]))


def promo_days(path: Path) -> set[date]:
    """Every promotion day of calendar.yaml (`promotions:` or a bare list of periods)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) if path.exists() else None
    periods = data.get("promotions", []) if isinstance(data, dict) else (data or [])
    days: set[date] = set()
    for p in periods:
        a, b = date.fromisoformat(str(p["from"])), date.fromisoformat(str(p["to"]))
        days.update(a + timedelta(days=i) for i in range((b - a).days + 1))
    return days


def load_roster(path: Path) -> pd.DataFrame:
    roster = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    roster.columns = [c.strip() for c in roster.columns]
    roster = roster.apply(lambda col: col.str.strip())
    roster = roster[(roster != "").any(axis=1)]
    # the roster's 主账号:子账号 may be typed with the full-width colon
    roster["account"] = roster["account"].str.replace("：", ":").str.strip()
    roster["effective_from"] = pd.to_datetime(roster["effective_from"], format="%Y-%m-%d") \
        .astype(US)
    # an open end (empty) is any day after the month
    roster["effective_to"] = pd.to_datetime(roster["effective_to"].replace("", "2200-01-01"),
                                            format="%Y-%m-%d").astype(US)
    return roster


def held_by_day(roster: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """(day, roster row) for every roster row in force that day: who holds which account."""
    grid = roster.merge(pd.DataFrame({"day": days.astype(US)}), how="cross")
    return grid[(grid["day"] >= grid["effective_from"]) & (grid["day"] <= grid["effective_to"])]


def load_adjustments(landing: Path, month: str, roster: pd.DataFrame, first: date,
                     last: date) -> pd.DataFrame:
    """adjustments/<month>/*.csv, validated as kefu validates them: a bad row stops the run."""
    folder = landing / "adjustments" / month
    files = sorted(p for p in folder.iterdir() if p.is_file()
                   and not p.name.startswith((".", "~$"))) if folder.is_dir() else []
    frames = []
    for path in files:
        if path.suffix.lower() != ".csv":
            raise BaselineError(f"{path}: not a .csv file")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.columns = [c.strip() for c in frame.columns]
        if sorted(frame.columns) != ["amount", "employee_id", "kind", "reason"]:
            raise BaselineError(f"{path}: line 1: header must be employee_id,kind,amount,reason")
        frame = frame.apply(lambda col: col.str.strip())
        frames.append(frame[(frame != "").any(axis=1)])
    if not frames:
        return pd.DataFrame({"employee_id": [], "kind": [], "amount": []})
    adj = pd.concat(frames, ignore_index=True)
    on_roster = set(roster.loc[(roster["effective_from"] <= pd.Timestamp(last))
                               & (roster["effective_to"] >= pd.Timestamp(first)), "employee_id"])
    bad = ~adj["employee_id"].isin(on_roster) | ~adj["kind"].isin(["qa_points", "pay"]) \
        | ~adj["amount"].str.fullmatch(r"[+-]?\d+(\.\d{1,2}0*)?") | (adj["reason"] == "")
    if bad.any():
        raise BaselineError(f"adjustments/{month}: bad rows:\n{adj[bad].to_string()}")
    adj["amount"] = adj["amount"].map(lambda s: Decimal(s).quantize(Decimal("0.01")))
    return adj
