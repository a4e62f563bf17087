"""Retrying runs this step started: a run that ended ``ERROR`` because the infrastructure
broke (``status: failed``) or, with ``retry-on: failed``, one whose result blocks (``FAILED``
with blocking issues not in the baseline) is started again with the same trigger and waited
for, up to ``retries`` times, within the one deadline (never when less is left than the
test usually takes). A run the step was handed is never
started again. A group's failed members are started again one by one, as test runs of their
tests (a batch rerun would start the members that passed too).

What to retry and how are pure decisions (``retryable``, ``retry_request``); ``retry_failed``
does it.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Final, Literal

from testerarmy_wait.errors import ApiError, NothingStarted, StartStopped
from testerarmy_wait.outcome import Retried, RunOutcome, Trigger
from testerarmy_wait.policy import Policy, Result
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.verdict import RunVerdict, decide

if TYPE_CHECKING:
    from testerarmy_wait.baseline.model import Baseline

RetryOn = Literal["infra", "failed"]
#: What a retry of one run needs at least, when the failed attempt's duration is unknown.
MIN_RETRY_S: Final = 30.0
#: Group-run fields a test run also takes.
_TEST_RUN_FIELDS: Final = ("platform", "deviceModel", "projectEnvironmentId")


def retryable(run: RunVerdict, retry_on: RetryOn) -> bool:
    """Whether this finished attempt is worth another: infrastructure failures always,
    blocking failures when asked; never a run the step was handed."""
    outcome = run.outcome
    if outcome is None or outcome.trigger is None:
        return False
    if run.result is Result.ERROR and run.run is not None and run.run.status == "failed":
        return True
    return retry_on == "failed" and run.result is Result.FAILED and bool(run.blocking_issues)


def test_request(original: StartRequest, test_id: str) -> StartRequest:
    """A test run of one member of what ``original`` starts (a group, a project's pull-request
    run, a webhook): the fields a test run also takes, and the build's app."""
    body: dict[str, object] = {k: original.body[k] for k in _TEST_RUN_FIELDS if k in original.body}
    mobile = original.body.get("mobile")
    if isinstance(mobile, dict) and mobile.get("appId"):
        body["appId"] = mobile["appId"]
    return StartRequest("test", test_id, body)


def retry_request(original: StartRequest, run: RunVerdict) -> StartRequest | None:
    """The request that starts ``run`` again: the same one for a test or a pull-request run;
    a test run of the member's test for a group or webhook run (None when the run does not
    say which test it was)."""
    if original.kind in ("test", "pull-request"):
        return original
    test_id = run.run.test_id if run.run is not None else None
    if not test_id:
        return None
    return test_request(original, test_id)


def expected_seconds(run: RunVerdict, typical_s: float | None = None) -> float:
    """How long another attempt may take: the test's typical duration from its history when
    known, else the failed attempt's own duration; at least ``MIN_RETRY_S``."""
    if typical_s is not None and math.isfinite(typical_s) and typical_s > 0:
        return max(MIN_RETRY_S, typical_s)
    duration_ms = run.duration_ms
    return max(MIN_RETRY_S, (duration_ms or 0) / 1000)


Start = Callable[[StartRequest], Awaitable[list[tuple[str, Trigger | None]]]]
Wait = Callable[[list[tuple[str, Trigger | None]]], Awaitable[list[RunOutcome]]]


def _judged(
    outcomes: Sequence[RunOutcome], policy: Policy, baseline: Baseline | None, today: date
) -> list[RunVerdict]:
    return [decide([o], policy, baseline=baseline, today=today).runs[0] for o in outcomes]


async def retry_failed(
    outcomes: list[RunOutcome],
    *,
    request: StartRequest,
    retries: int,
    retry_on: RetryOn,
    policy: Policy,
    baseline: Baseline | None,
    today: date,
    start: Start,
    wait: Wait,
    left_s: Callable[[], float],
    stop: asyncio.Event,
    typical_s: Callable[[str | None], float | None] = lambda _test: None,
) -> Retried:
    """Start again what ``retryable`` picks, up to ``retries`` times each."""
    earlier: dict[str, tuple[RunOutcome, ...]] = {}
    notes: list[str] = []
    for attempt in range(2, retries + 2):
        judged = _judged(outcomes, policy, baseline, today)
        picked = [n for n, run in enumerate(judged) if retryable(run, retry_on)]
        if not picked or stop.is_set():
            break
        for n in picked:
            run = judged[n]
            again = retry_request(request, run)
            if again is None:
                notes.append(f"run {run.run_id}: not retried: the run names no test")
                continue
            needed = expected_seconds(run, typical_s(run.run.test_id if run.run else None))
            if left_s() < needed:
                notes.append(
                    f"run {run.run_id}: not retried: {left_s():.0f} s left, its test "
                    f"takes about {needed:.0f} s"
                )
                continue
            try:
                targets = await start(again)
            except (ApiError, NothingStarted, StartStopped) as error:
                notes.append(f"run {run.run_id}: could not be retried: {error}")
                continue
            if not targets:
                continue
            [last] = await wait(targets[:1])
            earlier[last.run_id] = (*earlier.pop(run.run_id, ()), outcomes[n])
            notes.append(
                f"run {run.run_id}: {run.result.value}, retried as run {last.run_id} "
                f"(attempt {attempt})"
            )
            outcomes[n] = last
    return Retried(outcomes, earlier, notes)
