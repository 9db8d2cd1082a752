"""The benchmark's baseline: the month's payroll as a competent shop analyst would compute it
in one pandas script, from the same landing files and config as kefu-payroll.

It is not part of the product and shares no code with it (no `pipelines.*` or `assets.*`
import outside this package, no DuckDB, no Polars): it re-implements SPEC sections 4-7 the way
kefu applies them, so `make bench` can time the two side by side and `compare()` can show they
pay the same to the cent. Where kefu's rule is a choice rather than the spec's words, the
comment says which file of kefu it mirrors.

    python -m pipelines.bench.baseline --landing data/landing --config config \
        --month 2026-10 --out payroll.csv [--lines kpi_lines.csv]

Like `kefu backfill --month`, it reads the day folders of that month only: an order's latest
export within the month wins, and the 15-day after-sale look-back sees the month's exports.
Money is integer cents until the pay lines, which are exact `Decimal`/`Fraction`, rounded
half-up to the cent line by line.
"""

from .cli import main
from .comparison import compare
from .pay import payroll

__all__ = ["compare", "main", "payroll"]
