"""Rank statistics for the fairness study: Spearman's rank correlation with average ranks for
ties (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """1-based ranks; tied values share the mean of the ranks they span."""
    _, group, counts = np.unique(np.asarray(values, dtype=float), return_inverse=True,
                                 return_counts=True)
    last = np.cumsum(counts)
    return ((last - counts + 1 + last) / 2)[group]


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho: the Pearson correlation of the average ranks. None with fewer than 3
    pairs or when either side is constant (no ranking to compare)."""
    if len(x) != len(y):
        raise ValueError(f"spearman needs pairs, got {len(x)} and {len(y)} values")
    if len(x) < 3:
        return None
    rx, ry = average_ranks(x), average_ranks(y)
    dx, dy = rx - rx.mean(), ry - ry.mean()
    norm = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    return None if norm == 0 else float((dx * dy).sum() / norm)


def mean(values: Sequence[float | None]) -> float | None:
    """The mean of the values that are defined; None if none is."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None
