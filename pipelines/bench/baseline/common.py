"""What every part of the baseline shares: the error a file the pipeline would refuse raises, and
the one resolution of its time and day columns."""

from __future__ import annotations

US = "datetime64[us]"  # one resolution for every time and day column, so merges line up


class BaselineError(Exception):
    """A file the pipeline would refuse too (unreadable, no header, a bad adjustment)."""
