"""plan.yaml: the effective-dated pay plan versions (KPI lines, tiers, levels, attribution).
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationError,
    model_validator,
)

from pipelines.config.rules import (
    ROLES,
    ConfigError,
    ConfigModel,
    Day,
    Metric,
    Name,
    Number,
    config_errors,
    hours_range,
    read_yaml,
    rule_error,
)

# --- plan.yaml -----------------------------------------------------------------------------------


class Attribution(ConfigModel):
    """下单优先判定: an order goes to the last human reply before it, within `window_days`."""

    rule: Literal["order_first"]
    window_days: Annotated[int, Field(strict=True, ge=0)]


class KpiLine(ConfigModel):
    """One scored metric: points = weight * clamp((value - worst) / (best - worst), 0, 1)."""

    metric: Metric
    weight: Annotated[Number, Field(gt=0)]
    worst: Number
    best: Number
    min_sample: Annotated[int, Field(strict=True, ge=0)] = 0

    @model_validator(mode="after")
    def _has_range(self) -> KpiLine:
        if self.worst == self.best:
            raise rule_error(("best",), f"equals worst ({self.worst}); a line needs worst != best")
        return self


class BonusTier(ConfigModel):
    """Scores from `min_score` up to the next tier earn `base` * score / 100."""

    min_score: Annotated[Number, Field(ge=0, le=100)]
    base: Annotated[Number, Field(ge=0)]


class PlanVersion(ConfigModel):
    """One effective-dated pay plan; it governs every month whose first day it is in force on."""

    id: Name
    effective_from: Day
    attribution: Attribution
    session_gap_minutes: Annotated[int, Field(strict=True, gt=0)]
    slow_response_seconds: Annotated[int, Field(strict=True, gt=0)]
    service_hours: Annotated[tuple[time, time], BeforeValidator(hours_range)]
    promo_days_excluded_from: list[Metric]
    levels: Annotated[dict[Name, Annotated[Number, Field(ge=0)]], Field(min_length=1)]
    kpi: dict[str, list[KpiLine]]
    bonus_tiers: Annotated[list[BonusTier], Field(min_length=1)]
    prorate: StrictBool
    # KPI lines scored on the numerators and denominators of this month and the pool_months - 1
    # before it, summed: twice the sample, so a month's luck weighs half (1: the month alone)
    pool_months: Annotated[int, Field(strict=True, ge=1, le=12)] = 1

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
                raise rule_error(("kpi", role), f"unknown role; roles are {', '.join(ROLES)}")
        for role in ROLES:
            if role not in self.kpi:
                raise rule_error(("kpi",), f"no lines for role {role}; every role is scored")
            lines = self.kpi[role]
            metrics = [line.metric for line in lines]
            for i, metric in enumerate(metrics):
                if metric in metrics[:i]:
                    raise rule_error(("kpi", role, i, "metric"),
                                f"{metric} is listed twice; each metric once per role")
            total = sum((line.weight for line in lines), Decimal(0))
            if total != 100:
                raise rule_error(("kpi", role), f"weights sum to {total:f}, must be 100")
        return self

    @model_validator(mode="after")
    def _tiers_cover_0_to_100(self) -> PlanVersion:
        scores = [tier.min_score for tier in self.bonus_tiers]
        for i, score in enumerate(scores):
            if score in scores[:i]:
                raise rule_error(("bonus_tiers", i, "min_score"),
                            f"{score} is used by two tiers; min_scores must be distinct")
        if 0 not in scores:
            raise rule_error(("bonus_tiers",), "no tier has min_score 0; tiers must cover 0-100")
        return self

    def tier_for(self, score: Decimal) -> BonusTier:
        """The tier with the highest min_score <= score (the score is already rounded)."""
        eligible = [tier for tier in self.bonus_tiers if tier.min_score <= score]
        if not eligible:
            raise ValueError(f"score {score} is below every tier of plan {self.id}")
        return max(eligible, key=lambda tier: tier.min_score)


class Plan(ConfigModel):
    """All plan versions; each runs from its effective_from until the next one's."""

    versions: Annotated[list[PlanVersion], Field(min_length=1)]
    _source: str = PrivateAttr("plan.yaml")

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Plan:
        for j, later in enumerate(self.versions):
            for i, earlier in enumerate(self.versions[:j]):
                if later.id == earlier.id:
                    raise rule_error(("versions", j, "id"),
                                f"{later.id!r} is also the id of versions[{i}]; ids are unique")
                if later.effective_from == earlier.effective_from:
                    raise rule_error(("versions", j, "effective_from"),
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


def load_plan(path: Path) -> Plan:
    """Read and validate plan.yaml; errors name the file and the field path."""
    data = read_yaml(path)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as err:
        raise config_errors(path, err) from None
    plan._source = str(path)
    return plan
