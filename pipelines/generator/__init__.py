"""Simulated Taobao shop month for the demo, tests, benchmark and fairness studies (SPEC 10)."""

from .generate import generate

__all__ = ["generate"]
