"""One job, from settings to verdict: start the runs if asked to, wait for every run within
the deadline, cancel what the settings say to cancel, and judge.

The deadline is ``timeout`` from the moment the client exists; the last look and the cancels
fit inside it (``reserves``). A signal (``StopSignals``) ends the wait at once, before or
during it. Nothing here writes a report: the verdict is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.config import Settings
from testerarmy_wait.errors import ApiError, NothingStarted, StartStopped
from testerarmy_wait.outcome import Progress, Retried, RunOutcome, Started, StopReason, Trigger
from testerarmy_wait.policy import ExitCode
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.signals import StopSignals
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.verdict import (
    Verdict,
    decide,
    failed_before_waiting,
    handed_over,
    not_started,
    skipped,
    usage_error,
)
from testerarmy_wait.waiting import (
    CANCEL_TIMEOUT_S,
    LAST_LOOK_TIMEOUT_S,
    Waiter,
    WaitOptions,
    cancel_unfinished,
)

if TYPE_CHECKING:
    from testerarmy_wait.baseline.model import Baseline
    from testerarmy_wait.rerun import AttemptState

#: At most this share of the timeout is kept back for the last look and for the cancels.
RESERVE_SHARE: Final = 0.1
Clock = Callable[[], float]


def reserves(settings: Settings) -> tuple[float, float]:
    """(last look, cancels): seconds kept back before the job's deadline, so that the last
    look and the cancels fit inside ``timeout`` instead of running past it."""
    share = settings.timeout_s * RESERVE_SHARE
    last_look = min(LAST_LOOK_TIMEOUT_S, settings.request_timeout_s, share)
    may_cancel = settings.start is not None or bool(settings.cancel_on_timeout)
    cancels = min(CANCEL_TIMEOUT_S, share) if may_cancel else 0.0
    return last_look, cancels


def interrupted_before_looking(run_id: str, trigger: Trigger | None) -> RunOutcome:
    return RunOutcome(
        run_id,
        StopReason.INTERRUPTED,
        problem="the job was interrupted before the run was looked at",
        trigger=trigger,
    )


async def run_job(
    settings: Settings,
    signals: StopSignals,
    *,
    redactor: Redactor | None = None,
    on_progress: Callable[[Progress], None] = lambda _event: None,
    on_note: Callable[[str], None] = lambda _note: None,
    on_transfer: Callable[[int, int, float], None] | None = None,
    clock: Clock = time.monotonic,
    previous: AttemptState | None = None,
) -> Verdict:
    """The whole job; see the module docstring. ``redactor`` is the program's (none: the
    client's, which knows the key alone); ``previous`` what an earlier attempt of this CI
    job left, when this is a re-run (only what did not pass then is started)."""
    stop = asyncio.Event()
    signals.attach(stop)
    try:
        async with TesterArmyClient(
            settings.api_url,
            settings.api_key,
            request_timeout_s=settings.request_timeout_s,
            route=settings.route,
            secrets=redactor.secrets if redactor is not None else (),
        ) as client:
            return await _judged(
                settings,
                signals,
                client,
                redactor=client.redactor if redactor is None else redactor,
                stop=stop,
                on_progress=on_progress,
                on_note=on_note,
                on_transfer=on_transfer,
                clock=clock,
                previous=previous,
            )
    finally:
        signals.detach()


async def _start(
    settings: Settings,
    signals: StopSignals,
    client: TesterArmyClient,
    *,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
) -> Started | Verdict:
    """The runs to wait for: handed over, or started now; a verdict when none could be."""
    if settings.start is None:
        return Started([(run_id, None) for run_id in settings.run_ids])
    from testerarmy_wait.starting import start_runs  # only when runs are started here

    try:
        return await start_runs(client, settings.start, deadline=deadline, stop=stop, clock=clock)
    except (ApiError, NothingStarted, StartStopped) as error:
        interrupted = isinstance(error, StartStopped) and error.interrupted
        return not_started(
            str(error),
            settings.policy,
            deadline_passed=isinstance(error, StartStopped) and not error.interrupted,
            interrupted_by=(signals.first or "SIGINT") if interrupted else None,
            requests=client.requests,
        )


def _read_baseline(settings: Settings, redactor: Redactor) -> Baseline | Verdict | None:
    """The baseline the settings name, or the usage error that says why it cannot be used."""
    if settings.baseline is None:
        return None
    from testerarmy_wait.baseline.file import BaselineError, read_baseline  # only with one

    try:
        return read_baseline(settings.baseline.path, settings.baseline.display)
    except BaselineError as error:
        return usage_error(redactor.message(str(error)), settings.policy)


async def _judged(
    settings: Settings,
    signals: StopSignals,
    client: TesterArmyClient,
    *,
    redactor: Redactor,
    stop: asyncio.Event,
    on_progress: Callable[[Progress], None],
    on_note: Callable[[str], None],
    on_transfer: Callable[[int, int, float], None] | None,
    clock: Clock,
    previous: AttemptState | None = None,
) -> Verdict:
    began = clock()
    end = began + settings.timeout_s
    last_look_s, cancel_s = reserves(settings)
    deadline = end - last_look_s - cancel_s
    if settings.skip is not None:  # nothing to ask of tester.army
        return skipped(settings.skip, settings.policy)
    baseline = _read_baseline(settings, redactor)  # inside the deadline, before any start
    if isinstance(baseline, Verdict):
        return baseline.with_elapsed(clock() - began)
    gate = await _gate(settings, signals, stop=stop, deadline=deadline, clock=clock)
    if isinstance(gate, Verdict):
        return gate.with_elapsed(clock() - began)
    notes = () if gate is None else (gate,)
    for note in notes:
        on_note(note)

    async def judged(start: StartRequest | None) -> Verdict:
        return await _started_and_judged(
            replace(settings, start=start),
            signals,
            client,
            stop=stop,
            on_progress=on_progress,
            on_note=on_note,
            clock=clock,
            times=(began, end, deadline, last_look_s),
            baseline=baseline,
            previous=previous,
        )

    if settings.mobile is None:
        verdict = await judged(settings.start)
    else:
        verdict = await _with_mobile(
            settings,
            client,
            judged,
            redactor=redactor,
            signals=signals,
            stop=stop,
            deadline=deadline,
            clock=clock,
            on_note=on_note,
            on_transfer=on_transfer,
        )
    return replace(verdict, notes=(*notes, *verdict.notes))


async def _with_mobile(
    settings: Settings,
    client: TesterArmyClient,
    judged: Callable[[StartRequest], Awaitable[Verdict]],
    *,
    redactor: Redactor,
    signals: StopSignals,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
    on_note: Callable[[str], None],
    on_transfer: Callable[[int, int, float], None] | None,
) -> Verdict:
    """The job with the build uploaded first and deleted afterwards (``mobile.flow``)."""
    from testerarmy_wait.mobile.flow import with_the_app  # only for mobile builds

    assert settings.mobile is not None
    assert settings.start is not None
    return await with_the_app(
        settings.mobile,
        settings.start,
        client,
        judged,
        policy=settings.policy,
        route=settings.route,
        redactor=redactor,
        signals=signals,
        stop=stop,
        deadline=deadline,
        clock=clock,
        on_note=on_note,
        on_transfer=on_transfer,
    )


async def _gate(
    settings: Settings,
    signals: StopSignals,
    *,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
) -> Verdict | str | None:
    """The readiness gate: None when there is none, the line saying how long the deployment
    took to answer, or the verdict when it never did (or a signal came first)."""
    check = settings.ready
    if check is None:
        return None
    from testerarmy_wait.ready_gate import wait_until_ready  # only with a target URL

    async def pause(seconds: float) -> None:  # wakes at once on a signal
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    probing = asyncio.create_task(
        wait_until_ready(check, deadline=deadline, clock=clock, sleep=pause, stop=stop)
    )
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({probing, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not probing.done() or probing.result().stopped:
        probing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await probing
        return not_started(
            f"the job was interrupted while waiting for the deployment at {check.url}",
            settings.policy,
            interrupted_by=signals.first or "SIGINT",
        )
    readiness = probing.result()
    if readiness.ready:
        return readiness.describe(check)
    return failed_before_waiting(readiness.describe(check), ExitCode.API_ERROR, settings.policy)


async def _started_and_judged(
    settings: Settings,
    signals: StopSignals,
    client: TesterArmyClient,
    *,
    stop: asyncio.Event,
    on_progress: Callable[[Progress], None],
    on_note: Callable[[str], None],
    clock: Clock,
    times: tuple[float, float, float, float],
    baseline: Baseline | None,
    previous: AttemptState | None = None,
) -> Verdict:
    """Start the runs (when asked to), wait for them, cancel what is to be cancelled, judge."""
    began, end, deadline, last_look_s = times
    today = datetime.now(UTC).date()
    waiter = _waiter(settings, client, (deadline, last_look_s), clock, on_progress)
    reused, requests = await _reused(
        settings, previous, waiter, stop=stop, baseline=baseline, today=today, on_note=on_note
    )
    started = await _start_all(
        settings, requests, signals, client, stop=stop, deadline=deadline, clock=clock
    )
    if isinstance(started, Verdict):
        return started.with_elapsed(clock() - began)
    _tell_started(started, on_note)
    if not settings.inputs.wait and not stop.is_set():  # handed to a later step
        return _handed(settings, client, reused, started, clock() - began)
    retried = await _waited(
        settings,
        client,
        waiter,
        started.targets,
        stop=stop,
        deadline=deadline,
        clock=clock,
        on_note=on_note,
        baseline=baseline,
        today=today,
    )
    outcomes, notes = await _cancelled(
        settings, client, started, retried, signals=signals, end=end, clock=clock
    )
    return decide(
        reused + outcomes,
        settings.policy,
        elapsed_s=clock() - began,
        requests=client.requests,
        interrupted_by=signals.first,
        notes=[*retried.notes, *notes],
        batch_id=started.batch_id,
        baseline=baseline,
        today=today,
        earlier=retried.earlier,
        flaky_fails=settings.inputs.flaky == "fail",
    )


def _handed(
    settings: Settings,
    client: TesterArmyClient,
    reused: list[RunOutcome],
    started: Started,
    elapsed_s: float,
) -> Verdict:
    """The runs handed to a later step (``wait: false``), reused ones first."""
    return handed_over(
        [(o.run_id, None) for o in reused] + started.targets,
        settings.policy,
        requests=client.requests,
        elapsed_s=elapsed_s,
        batch_id=started.batch_id,
    )


async def _cancelled(
    settings: Settings,
    client: TesterArmyClient,
    started: Started,
    retried: Retried,
    *,
    signals: StopSignals,
    end: float,
    clock: Clock,
) -> tuple[list[RunOutcome], list[str]]:
    """Cancel what the settings say to cancel, within the cancel budget."""
    interrupted = signals.first is not None
    cancel_s = CANCEL_TIMEOUT_S if interrupted else max(0.5, min(CANCEL_TIMEOUT_S, end - clock()))
    return await cancel_unfinished(
        client,
        retried.outcomes + started.cancelled_at_start,
        wanted=lambda o: settings.cancels(o.trigger is not None, interrupted=interrupted),
        interrupted=interrupted,
        timeout_s=cancel_s,
        batch_id=started.batch_id,
    )


def _tell_started(started: Started, on_note: Callable[[str], None]) -> None:
    for run_id, trigger in started.targets:
        if trigger is not None:
            on_note(f"started run {run_id} ({trigger.kind} {trigger.target})")


async def _waited(
    settings: Settings,
    client: TesterArmyClient,
    waiter: Waiter,
    targets: list[tuple[str, Trigger | None]],
    *,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
    on_note: Callable[[str], None],
    baseline: Baseline | None,
    today: date,
) -> Retried:
    """Every run waited for, and the failed ones retried as the settings say."""
    if stop.is_set():  # a signal came before the wait began: ask the API nothing more
        return Retried([interrupted_before_looking(r, t) for r, t in targets], {}, [])
    outcomes = await waiter.wait_all(targets, stop)
    if not settings.inputs.retries or settings.start is None or stop.is_set():
        return Retried(outcomes, {}, [])
    retried = await _retried(
        settings,
        client,
        waiter,
        outcomes,
        stop=stop,
        deadline=deadline,
        clock=clock,
        baseline=baseline,
        today=today,
    )
    for line in retried.notes:
        on_note(line)
    return retried


def _waiter(  # one per job: the re-run's look at earlier runs, the wait, the retries
    settings: Settings,
    client: TesterArmyClient,
    times: tuple[float, float],
    clock: Clock,
    on_progress: Callable[[Progress], None],
) -> Waiter:
    deadline, last_look_s = times
    options = WaitOptions(
        deadline=deadline,
        poll_interval_s=settings.poll_interval_s,
        request_timeout_s=settings.request_timeout_s,
        error_budget=settings.error_budget,
        retry_base_s=min(1.0, settings.poll_interval_s),  # never slower than polling
        last_look_timeout_s=max(0.1, last_look_s),
        clock=clock,
    )
    return Waiter(client, options, on_progress)


async def _reused(
    settings: Settings,
    previous: AttemptState | None,
    waiter: Waiter,
    *,
    stop: asyncio.Event,
    baseline: Baseline | None,
    today: date,
    on_note: Callable[[str], None],
) -> tuple[list[RunOutcome], tuple[StartRequest, ...] | None]:
    """On a re-run: the previous attempt's passing runs the API still says passed (looked at
    once each), and what to start (None: as the settings say)."""
    if previous is None or settings.start is None:
        return [], None
    from testerarmy_wait.rerun import plan, verified  # only on a re-run
    from testerarmy_wait.retrying import test_request

    chosen = plan(settings.start, previous)
    on_note(f"re-run of this job: {chosen.note}")
    claimed = list(chosen.reuse)
    looked = await waiter.wait_all([(run_id, None) for _test, run_id in claimed], stop)
    judged = [decide([o], settings.policy, baseline=baseline, today=today).runs[0] for o in looked]
    kept, again = verified(claimed, judged)
    reused = [replace(run.outcome, previous_attempt=True) for run in kept if run.outcome]
    for run in kept:
        on_note(f"run {run.run_id} passed in the previous attempt: not started again")
    requests = chosen.requests
    if again:
        on_note(f"{len(again)} of the previous attempt's passing runs no longer pass: run again")
        more = tuple(test_request(settings.start, test_id) for test_id in again)
        requests = None if settings.start.kind == "test" else (*(requests or ()), *more)
    return reused, requests


async def _start_all(
    settings: Settings,
    requests: tuple[StartRequest, ...] | None,
    signals: StopSignals,
    client: TesterArmyClient,
    *,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
) -> Started | Verdict:
    """What ``requests`` start (None: what the settings say), one after another."""
    if requests is None:
        return await _start(settings, signals, client, stop=stop, deadline=deadline, clock=clock)
    targets: list[tuple[str, Trigger | None]] = []
    for request in requests:
        started = await _start(
            replace(settings, start=request),
            signals,
            client,
            stop=stop,
            deadline=deadline,
            clock=clock,
        )
        if isinstance(started, Verdict):
            return started
        targets += started.targets
    return Started(targets)


async def _retried(
    settings: Settings,
    client: TesterArmyClient,
    waiter: Waiter,
    outcomes: list[RunOutcome],
    *,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock,
    baseline: Baseline | None,
    today: date,
) -> Retried:
    """Runs that failed, started again as ``retries`` and ``retry-on`` say."""
    assert settings.start is not None
    from testerarmy_wait.retrying import retry_failed
    from testerarmy_wait.starting import start_runs

    async def start(request: StartRequest) -> list[tuple[str, Trigger | None]]:
        begun = await start_runs(client, request, deadline=deadline, stop=stop, clock=clock)
        return begun.targets

    async def wait(targets: list[tuple[str, Trigger | None]]) -> list[RunOutcome]:
        return await waiter.wait_all(targets, stop)

    return await retry_failed(
        outcomes,
        request=settings.start,
        retries=settings.inputs.retries,
        retry_on=settings.inputs.retry_on,
        policy=settings.policy,
        baseline=baseline,
        today=today,
        start=start,
        wait=wait,
        left_s=lambda: deadline - clock(),
        stop=stop,
        typical_s=waiter.typical_s,
    )
