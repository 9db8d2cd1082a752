"""The GX validating process: GX imported and set up once per process, the process pool of one
worker that runs it (ending with the process that started it), and one frame validated with
each suite there, to an `Outcome` per evaluated expectation."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Outcome:
    expectation: str
    severity: str
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_sample: str | None = None  # the first values that broke it, for the one who acts


def failure_text(outcome: Outcome) -> str:
    """A failed expectation as ops read it: which, how many rows, and the first values."""
    return (f"{outcome.expectation} ({outcome.unexpected_count} unexpected"
            + (f", first: {outcome.unexpected_sample})" if outcome.unexpected_sample else ")")
            if outcome.unexpected_count else f"{outcome.expectation} (observed "
            f"{outcome.observed_value})")


def _shown(value: Any) -> str:
    """A value of a pandas frame as a person writes it: numpy scalars as numbers, NaN as
    missing, a pair of columns in brackets."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(map(_shown, value)) + ")"
    value = value.item() if hasattr(value, "item") else value
    return "missing" if isinstance(value, float) and value != value else str(value)


_GX: tuple[Any, Any] | None = None


def _gx() -> tuple[Any, Any]:
    """GX and the batch definition every suite validates through, set up once per process."""
    global _GX
    if _GX is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every pandas batch under 1 GB by hashing all of it, for a batch
        # marker nothing here reads: at a day of 400k chat rows that was 40% of a suite.
        pandas_execution_engine.HASH_THRESHOLD = 0
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batches = context.data_sources.add_pandas("kefu").add_dataframe_asset("rows") \
            .add_batch_definition_whole_dataframe("partition")
        _GX = gx, batches
    return _GX


_VALIDATOR: ProcessPoolExecutor | None = None


def validator() -> ProcessPoolExecutor:
    """The process that runs GX: importing GX takes about 4 s of one core, and in a process of
    its own it takes them while the pipeline loads files on the other. Frames reach it as Arrow
    tables; it sends outcomes back."""
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = ProcessPoolExecutor(max_workers=1, initializer=_validating_process,
                                         initargs=(os.getpid(),),
                                         mp_context=multiprocessing.get_context("spawn"))
    return _VALIDATOR


def _validating_process(parent: int) -> None:
    """Set up the validating process: it ends when the process that started it has gone (a
    killed run must not leave it behind: a pool's worker otherwise waits for work forever),
    then imports GX."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    _gx()


def warm_up() -> None:
    """Start the validating process (and its GX import) now, before the first suite needs it."""
    validator().submit(int)


def validate_frame(suites: list[tuple[str, dict[str, Any]]], rows: pa.Table,
                   source: str | None) -> list[tuple[str, Outcome]]:
    """Validate one frame with each suite (runs in the validating process): every evaluated
    expectation's outcome, by suite. A failed expectation's sample names the rows that broke it
    by the suite's `row_key` columns (the employee, for ops to act on)."""
    gx, batches = _gx()
    batch = batches.get_batch(batch_parameters={"dataframe": rows.to_pandas()})
    outcomes = []
    for name, spec in suites:
        def suite(expectations: list[dict[str, Any]], name: str = name) -> Any:
            # each expectation's place in the spec rides in its meta: GX does not promise to
            # give results in the suite's order
            return gx.ExpectationSuite(name=f"{name}:{source or ''}", expectations=[
                {"type": e["type"], "kwargs": e["kwargs"], "meta": {**e.get("meta", {}),
                                                                      "kefu_place": place}}
                for place, e in expectations])
        expectations = list(enumerate(spec["expectations"]))
        # BASIC: counts and a short sample of unexpected values, at half SUMMARY's cost
        results = batch.validate(suite(expectations), result_format="BASIC").results
        key = spec.get("meta", {}).get("kefu", {}).get("row_key")
        failed = {r.expectation_config.meta["kefu_place"] for r in results if not r.success}
        keyed = {r.expectation_config.meta["kefu_place"]: r for r in batch.validate(
            suite([e for e in expectations if e[0] in failed]), result_format={
                "result_format": "SUMMARY", "unexpected_index_column_names": key}).results
        } if key and failed else {}
        for result in results:
            config = result.expectation_config
            columns = ",".join(str(config.kwargs[k]) for k in (
                "column", "column_A", "column_B", "column_list") if k in config.kwargs)
            observed = result.result.get("observed_value")
            sample = [_shown(v) for v in result.result.get("partial_unexpected_list", [])[:5]]
            if key and not result.success:
                sample = [_keyed_row(row, key) for row in keyed[config.meta["kefu_place"]]
                          .result.get("partial_unexpected_index_list", [])[:5]]
            outcomes.append((name, Outcome(
                expectation=f"{config.type}({columns})",
                severity=(config.meta or {}).get("severity", "error"),
                success=bool(result.success),
                observed_value=None if observed is None else str(observed),
                unexpected_count=result.result.get("unexpected_count"),
                unexpected_sample=", ".join(sample) or None,
            )))
    return outcomes


def _keyed_row(row: dict[str, Any], key: list[str]) -> str:
    """An unexpected row as ops read it: its key, then the values that broke the expectation
    (`E2 (gross_pay 1780.00, lines_total 1790.00)`)."""
    values = ", ".join(f"{column} {_shown(value)}" for column, value in row.items()
                       if column not in key)
    return " ".join(_shown(row[column]) for column in key) + (f" ({values})" if values else "")
