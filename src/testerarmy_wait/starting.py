"""Start the runs this invocation was asked to start, and say which to wait for.

A POST is repeated only when the first surely started nothing (429, or no connection),
so a retry can never start a run twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

from testerarmy_wait.client import ApiError, TesterArmyClient
from testerarmy_wait.config import StartRequest
from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.schedule import retry_delays, retry_wait

Sleep = Callable[[float], Awaitable[None]]
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
        if group.status == "cancelled" or not (group.queued_run_ids or group.run_ids):
            raise StartRefused(
                f"the server cancelled every run of group {request.target} when it was "
                f"started ({len(group.cancelled_run_ids)} cancelled: duplicates of runs "
                "already under way, or the usage quota); nothing ran"
            )
        cancelled = set(group.cancelled_run_ids)
        queued_ids = group.queued_run_ids or [r for r in group.run_ids if r not in cancelled]
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


async def start_runs(client: TesterArmyClient, request: StartRequest, sleep: Sleep) -> Started:
    """Start the runs; raise ``ApiError`` or ``StartRefused`` when nothing was started."""
    delays: Iterator[float] = retry_delays()
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return await _post(request, client)
        except ApiError as error:
            if attempt == START_ATTEMPTS or not error.safe_to_repeat_post:
                raise
            await sleep(min(retry_wait(next(delays), error.retry_after_s), 60.0))
    raise AssertionError("unreachable")  # pragma: no cover
