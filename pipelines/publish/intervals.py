"""95% intervals of a KPI line's value, shown on the statement so an agent sees how much of a
rate is luck of the sample. Presentation only: floats, never used for points, score or pay.

- A proportion (conversion, reply, satisfaction, slow responses, and the refund rate read as the
  share of credited orders refunded): the Wilson score interval, which stays inside [0, 1] and
  is honest at 0 of n or n of n, where the normal interval collapses to a point.
- A mean of waits (average and first response): mean ± t(0.975, n − 1) · s / √n, with s the
  per-wait standard deviation from the month's sum of squared waits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from statistics import NormalDist

LEVEL = 0.95
Z = NormalDist().inv_cdf((1 + LEVEL) / 2)  # 1.959964


def wilson(share: float, n: int) -> tuple[float, float]:
    """The Wilson score interval of a proportion `share` observed over `n` trials (n > 0)."""
    p = min(max(share, 0.0), 1.0)  # a refund rate over money can exceed 1; a share cannot
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _t_density(df: int) -> Callable[[float], float]:
    log_norm = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                - 0.5 * math.log(df * math.pi))
    return lambda x: math.exp(log_norm - (df + 1) / 2 * math.log1p(x * x / df))


def _t_central(t: float, density: Callable[[float], float], steps: int = 200) -> float:
    """P(-t < T < t) for Student's t of that density (Simpson's rule on [0, t])."""
    h = t / steps
    inner = sum((4 if i % 2 else 2) * density(i * h) for i in range(1, steps))
    return 2 * h / 3 * (density(0.0) + inner + density(t))


@lru_cache(maxsize=1024)
def t_quantile(df: int) -> float:
    """The two-sided 95% quantile of Student's t (12.706 at 1 degree of freedom, 2.045 at 29);
    from 1000 degrees of freedom on, the normal's 1.960 (they differ by under 0.2%)."""
    if df >= 1000:
        return Z
    # Newton's method from the normal's quantile, which is below t's: the central probability
    # is concave in t, so each step lands short of the root and the steps shrink to it.
    density, t = _t_density(df), Z
    for _ in range(100):
        step = (LEVEL - _t_central(t, density)) / (2 * density(t))
        t += step
        if step < 1e-9:
            break
    return t


def mean_interval(mean: float, sum_squares: float, n: int) -> tuple[float, float] | None:
    """The t interval of a mean of `n` waits whose squares sum to `sum_squares`; None with fewer
    than 2 waits (no spread to measure). A wait is never negative: the bound stops at 0."""
    if n < 2:
        return None
    variance = max(sum_squares - n * mean * mean, 0.0) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(variance / n)
    return max(mean - half, 0.0), mean + half
