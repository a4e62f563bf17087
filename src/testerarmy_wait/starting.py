"""Start the runs this invocation was asked to start, and say which to wait for.

``start_request.start_request`` turns the settings into the request to send (which endpoint,
what body); ``start_runs`` sends it. A POST is repeated only when the first surely started
nothing (429, or no connection), so a retry can never start a run twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError, NothingStarted, StartStopped, retry_after_of
from testerarmy_wait.ids import is_canonical_uuid
from testerarmy_wait.outcome import RunOutcome, Started, StopReason, Trigger
from testerarmy_wait.request_retry import OutOfTime, RetryPolicy, retried
from testerarmy_wait.start_request import StartRequest

Clock = Callable[[], float]
Sleep = Callable[[float], Any]
START_ATTEMPTS = 4
START_RETRY_MAX_S = 60.0


def trigger_of(request: StartRequest, batch_id: str | None = None) -> Trigger:
    target = "group webhook " + request.target if request.kind == "webhook" else request.target
    return Trigger(request.kind, target, request.parameters(), batch_id)


async def _post(request: StartRequest, client: TesterArmyClient) -> Started:
    if request.kind == "test":
        queued = await client.trigger_test(request.target, request.body)
        return Started([(queued.run_id, trigger_of(request))])
    if request.kind == "pull-request":
        queued = await client.trigger_pull_request(request.target, request.body)
        return Started([(queued.run_id, trigger_of(request))])
    if request.kind == "group":
        return await _post_group(request, client)
    answer = await client.trigger_webhook(request.target, request.secret or "", request.body)
    if answer.ignored:
        reason = client.redactor.cut(answer.reason or "no reason given", 200)
        raise NothingStarted(f"the webhook was ignored: {reason}")
    batch_id = answer.batch_id or (answer.batch_ids[0] if answer.batch_ids else None)
    if answer.run_id is None:
        raise NothingStarted("the webhook started no run this step can wait for (no runId)")
    return Started([(answer.run_id, trigger_of(request, batch_id))], batch_id=batch_id)


async def _post_group(request: StartRequest, client: TesterArmyClient) -> Started:
    group = await client.trigger_group(request.target, request.body)
    trigger = trigger_of(request, group.batch_id)
    cancelled = set(group.cancelled_run_ids)
    # Every run the batch holds, except those the server cancelled at once.
    queued_ids = list(
        dict.fromkeys([r for r in group.run_ids if r not in cancelled] + group.queued_run_ids)
    )
    if group.status == "cancelled" or not queued_ids:
        every = list(dict.fromkeys(group.run_ids + group.cancelled_run_ids))
        if not every:
            raise NothingStarted(f"group {request.target} started no run")
        why = (
            f"the server cancelled every run of group {request.target} when it was "
            f"started ({len(cancelled)} cancelled: duplicates of runs already under way, "
            "or the usage quota); nothing ran"
        )
        batch = [
            RunOutcome(r, StopReason.BATCH_CANCELLED, problem=why, trigger=trigger) for r in every
        ]
        return Started([], batch, group.batch_id)
    at_start = [
        RunOutcome(
            run_id,
            StopReason.CANCELLED_AT_START,
            problem="cancelled by the server when the group was started "
            "(a duplicate of a run already under way, or the usage quota)",
            trigger=trigger,
        )
        for run_id in group.cancelled_run_ids
    ]
    return Started([(r, trigger) for r in queued_ids], at_start, group.batch_id)


def _checked(started: Started) -> Started:
    """Run ids go into URLs and logs: accept only canonical UUIDs from the server."""
    every = [r for r, _t in started.targets] + [o.run_id for o in started.cancelled_at_start]
    if not all(is_canonical_uuid(run_id) for run_id in every):
        raise ApiError("the start request was answered with a run id that is not a UUID")
    return started


async def _attempts(
    client: TesterArmyClient, request: StartRequest, deadline: float, clock: Clock, sleep: Sleep
) -> Started:
    """The start request, sent again (at most ``START_ATTEMPTS`` in all) only when the first
    surely started nothing, never past ``deadline``."""

    async def attempt() -> Started:
        try:
            async with asyncio.timeout(max(0.0, deadline - clock())):
                return _checked(await _post(request, client))
        except TimeoutError:
            raise StartStopped(
                "the deadline passed before the start request was answered", interrupted=False
            ) from None

    policy = RetryPolicy(
        retryable=lambda error: isinstance(error, ApiError) and error.safe_to_repeat_post,
        retry_after_s=retry_after_of,
        left=lambda: deadline - clock(),
        sleep=sleep,
        max_tries=START_ATTEMPTS,
        max_pause_s=START_RETRY_MAX_S,
    )
    try:
        return await retried(attempt, policy, ApiError)
    except OutOfTime as stopped:
        raise StartStopped(
            f"the deadline passed while the start request was refused ({stopped.last})",
            interrupted=False,
        ) from stopped.last


async def start_runs(
    client: TesterArmyClient,
    request: StartRequest,
    *,
    deadline: float,
    stop: asyncio.Event,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> Started:
    """Start the runs, within the deadline and unless the job is interrupted.

    Raises ``ApiError`` or ``NothingStarted`` when nothing was started, ``StartStopped``
    when time ran out or a signal came first."""
    if stop.is_set():  # a signal came before anything was asked: start nothing
        raise StartStopped("the job was interrupted before the runs were started", interrupted=True)
    attempts = asyncio.create_task(_attempts(client, request, deadline, clock, sleep))
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({attempts, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if not attempts.done():
        attempts.cancel()
        await asyncio.gather(attempts, return_exceptions=True)
        raise StartStopped(
            "the job was interrupted while the runs were being started", interrupted=True
        )
    return attempts.result()
