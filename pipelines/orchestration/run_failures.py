"""What a failed run says: each failed step's own error, and each check that failed with the
expectations it found broken, in words an ops lead can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import AssetCheckSeverity, ExecuteInProcessResult, Failure

if TYPE_CHECKING:
    from dagster_shared.error import SerializableErrorInfo  # what Dagster records of an error


def failed_steps(result: ExecuteInProcessResult) -> list[tuple[str, SerializableErrorInfo]]:
    """(step, error) of each failed step, the error with its causes and stacks."""
    return [(event.step_key or "?", event.step_failure_data.error)
            for event in result.all_events
            if event.event_type_value == "STEP_FAILURE" and event.step_failure_data.error]


def failed_checks(result: ExecuteInProcessResult) -> list[str]:
    """Each check that failed at ERROR severity, with the expectations it found broken and
    their first values (a blocking check's step error names only the check)."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity != AssetCheckSeverity.ERROR:
            continue
        lines.append(f"check {evaluation.check_name} of {evaluation.asset_key.to_user_string()} "
                     "failed:")
        failed = evaluation.metadata.get("failed")
        lines += [f"  {line.lstrip('- ')}" for line in
                  (str(failed.value) if failed is not None else "").splitlines()]
    return lines


def own_error(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The error the step's code raised: Dagster wraps it as the cause of a Dagster*Error of its
    own ("Error occurred while executing op ..."). Not the deepest cause: an IngestError names
    the file, the calamine error it wraps does not."""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    return error


# Errors whose messages are written to be read, each line naming a file, a field, a day or a
# check: our own, and the Failure an asset raises to say why it stops.
OWN_MODULES = ("pipelines.", "assets.")
ASSET_FAILURE = f"{Failure.__module__}.{Failure.__name__}"


def error_text(error: SerializableErrorInfo) -> str:
    """What an ops lead reads of a step's error: the message of ours in full, without its class;
    of any other error (a bug, a library's), its class and first line, the rest being in the
    trace."""
    qualified, _, text = error.message.strip().partition(": ")  # "module.Class: message"
    if not text:
        return error.cls_name or qualified
    if qualified.startswith(OWN_MODULES) or qualified == ASSET_FAILURE:
        return text
    return f"{error.cls_name}: {text.splitlines()[0]}"
