"""Summaries for the fairness study; its rank correlation is the plan check's
(`pipelines.pay.diagnostics.spearman`)."""

from __future__ import annotations

from collections.abc import Sequence


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are defined; None if none is."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
