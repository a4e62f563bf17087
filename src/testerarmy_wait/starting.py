"""Start the runs this invocation was asked to start, and say which to wait for.

A POST is repeated only when the first surely started nothing (429, or no connection),
so a retry can never start a run twice.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from testerarmy_wait.client import ApiError, TesterArmyClient
from testerarmy_wait.config import StartRequest
from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.schedule import retry_delays, retry_wait

Clock = Callable[[], float]
START_ATTEMPTS = 4


class StartRefused(Exception):
    """The API answered, but started nothing we can wait for."""


@dataclass(frozen=True)
class Started:
    targets: list[tuple[str, Trigger | None]]  # runs to wait for; Trigger if started here
    rejected: list[RunOutcome] = field(default_factory=list)  # cancelled at once by the server
    batch_id: str | None = None


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
        group = await client.trigger_group(request.target, request.body)
        trigger = trigger_of(request, group.batch_id)
        cancelled = set(group.cancelled_run_ids)
        # Every run the batch holds, except those the server cancelled at once.
        queued_ids = list(
            dict.fromkeys([r for r in group.run_ids if r not in cancelled] + group.queued_run_ids)
        )
        if group.status == "cancelled" or not queued_ids:
            why = (
                f"the server cancelled every run of group {request.target} when it was "
                f"started ({len(cancelled)} cancelled: duplicates of runs already under way, "
                "or the usage quota); nothing ran"
            )
            every = list(dict.fromkeys(group.run_ids + group.cancelled_run_ids))
            if not every:
                raise StartRefused(f"group {request.target} started no run")
            refused = [
                RunOutcome(r, StopReason.REFUSED, problem=why, trigger=trigger) for r in every
            ]
            return Started([], refused, group.batch_id)
        rejected = [
            RunOutcome(
                run_id,
                StopReason.REJECTED,
                problem="cancelled by the server when the group was started "
                "(a duplicate of a run already under way, or the usage quota)",
                trigger=trigger,
            )
            for run_id in group.cancelled_run_ids
        ]
        targets: list[tuple[str, Trigger | None]] = [(r, trigger) for r in queued_ids]
        return Started(targets, rejected, group.batch_id)
    answer = await client.trigger_webhook(request.target, request.secret or "", request.body)
    if answer.ignored:
        raise StartRefused(f"the webhook was ignored: {(answer.reason or 'no reason given')[:200]}")
    batch_id = answer.batch_id or (answer.batch_ids[0] if answer.batch_ids else None)
    if answer.run_id is None:
        raise StartRefused("the webhook started no run this step can wait for (no runId)")
    return Started([(answer.run_id, trigger_of(request, batch_id))], batch_id=batch_id)


def _checked(started: Started) -> Started:
    """Run ids go into URLs and logs: accept only canonical UUIDs from the server."""
    for run_id in [r for r, _t in started.targets] + [o.run_id for o in started.rejected]:
        try:
            canonical = str(uuid.UUID(run_id)) == run_id.lower() and len(run_id) == 36
        except ValueError:
            canonical = False
        if not canonical:
            raise ApiError("the start request was answered with a run id that is not a UUID")
    return started


class StartStopped(Exception):
    """The deadline passed, or the job was interrupted, before the runs were started."""

    def __init__(self, message: str, *, interrupted: bool) -> None:
        super().__init__(message)
        self.interrupted = interrupted


async def _attempts(
    client: TesterArmyClient, request: StartRequest, deadline: float, clock: Clock
) -> Started:
    delays: Iterator[float] = retry_delays()
    for attempt in range(1, START_ATTEMPTS + 1):
        remaining = deadline - clock()
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                return _checked(await _post(request, client))
        except TimeoutError:
            raise StartStopped(
                "the deadline passed before the start request was answered", interrupted=False
            ) from None
        except ApiError as error:
            if attempt == START_ATTEMPTS or not error.safe_to_repeat_post:
                raise
            delay = min(retry_wait(next(delays), error.retry_after_s), 60.0)
            if clock() + delay >= deadline:
                raise StartStopped(
                    f"the deadline passed while the start request was refused ({error})",
                    interrupted=False,
                ) from error
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


async def start_runs(
    client: TesterArmyClient,
    request: StartRequest,
    *,
    deadline: float,
    stop: asyncio.Event,
    clock: Clock = time.monotonic,
) -> Started:
    """Start the runs, within the deadline and unless the job is interrupted.

    Raises ``ApiError`` or ``StartRefused`` when nothing was started, ``StartStopped``
    when time ran out or a signal came first."""
    if stop.is_set():  # a signal came before anything was asked: start nothing
        raise StartStopped("the job was interrupted before the runs were started", interrupted=True)
    attempts = asyncio.create_task(_attempts(client, request, deadline, clock))
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
