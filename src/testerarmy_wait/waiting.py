"""The poll loop: watch one or many runs concurrently until each finishes or time runs out.

One wall-clock deadline bounds everything. The first poll goes out at once; running
runs are polled every ``poll_interval_s``; transient errors back off with jitter and
respect ``Retry-After``, never past the deadline; a separate budget counts consecutive
errors; permanent errors stop a watch at once. At the deadline: one last look, then
``TIMEOUT`` (or ``API_ERROR`` when the API never gave a usable answer for the run). The last
look fits in time reserved before the job's own deadline (``last_look_timeout_s``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError
from testerarmy_wait.models import Run
from testerarmy_wait.outcome import Progress, RunOutcome, StopReason, Trigger
from testerarmy_wait.schedule import Jitter, bounded, poll_wait, retry_delays, retry_wait

ProgressSink = Callable[[Progress], None]
Sleep = Callable[[float], Awaitable[None]]
LAST_LOOK_TIMEOUT_S = 5.0
CANCEL_TIMEOUT_S = 5.0
NOT_FOUND_GRACE_S = 30.0


@dataclass(frozen=True)
class WaitOptions:
    deadline: float  # on the ``clock``'s scale: polling stops here, then the last look
    poll_interval_s: float = 10.0
    request_timeout_s: float = 30.0
    error_budget: int = 8  # consecutive failed requests tolerated per run
    not_found_grace_s: float = NOT_FOUND_GRACE_S  # 404 tolerated this long after a trigger
    clock: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    retry_base_s: float = 1.0  # first retry back-off; doubles up to a minute
    jitter: Jitter | None = None  # for retry back-off; None = full jitter
    poll_jitter: Jitter | None = None
    last_look_timeout_s: float = LAST_LOOK_TIMEOUT_S  # fits between deadline and the job's end


@dataclass
class _Watch:
    """What we know about one run while it is being watched."""

    run_id: str
    trigger: Trigger | None
    began: float
    run: Run | None = None
    polls: int = 0
    unknown_statuses: list[str] = field(default_factory=list)

    def last_status(self, unseen: str = "unknown") -> str:
        return self.run.status if self.run is not None else unseen

    def outcome(self, stop: StopReason, problem: str | None = None) -> RunOutcome:
        return RunOutcome(
            run_id=self.run_id,
            stop=stop,
            run=self.run,
            problem=problem,
            polls=self.polls,
            trigger=self.trigger,
            unknown_statuses=tuple(self.unknown_statuses),
        )


class Waiter:
    def __init__(
        self,
        client: TesterArmyClient,
        options: WaitOptions,
        on_progress: ProgressSink = lambda _p: None,
    ) -> None:
        self._client = client
        self._opt = options
        self._on_progress = on_progress
        self._began = options.clock()
        self._total = 1
        self._stop: asyncio.Event | None = None

    def _report(self, watch: _Watch, note: str | None = None) -> None:
        elapsed = self._opt.clock() - self._began
        self._on_progress(
            Progress(watch.run_id, watch.last_status(), watch.polls, elapsed, note, self._total)
        )

    def _remember(self, watch: _Watch, run: Run) -> None:
        watch.run = run
        watch.polls += 1
        note = None
        if not run.status_is_known and run.status not in watch.unknown_statuses:
            watch.unknown_statuses.append(run.status)
            note = f"unknown status {run.status[:40]!r}; treating it as still running"
        self._report(watch, note)

    def _request_timeout(self) -> float:
        remaining = self._opt.deadline - self._opt.clock()
        return min(self._opt.request_timeout_s, max(1.0, remaining))

    def _grace_left(self, watch: _Watch) -> float:
        """How much longer a 404 may mean "not visible yet" for a run we just started."""
        if watch.trigger is None or watch.run is not None:
            return 0.0
        return watch.began + self._opt.not_found_grace_s - self._opt.clock()

    def _tolerated_404(self, watch: _Watch, error: ApiError) -> bool:
        return error.status == 404 and self._grace_left(watch) > 0

    async def watch(self, watch: _Watch) -> RunOutcome:
        opt = self._opt
        errors = 0
        retries: Iterator[float] = retry_delays(base_s=opt.retry_base_s, jitter=opt.jitter)
        while True:
            if self._stop is not None and self._stop.is_set():  # no request after a stop
                return watch.outcome(StopReason.INTERRUPTED, _interrupted(watch))
            if opt.clock() >= opt.deadline:
                return await self._last_look(watch)
            try:
                run = await self._client.get_run(watch.run_id, timeout_s=self._request_timeout())
            except ApiError as error:
                if not error.transient and not self._tolerated_404(watch, error):
                    self._report(watch, error.message)
                    return watch.outcome(StopReason.API_ERROR, error.message)
                errors += 1
                if errors > opt.error_budget:
                    problem = f"gave up after {errors} failed requests in a row; last: {error}"
                    self._report(watch, problem)
                    return watch.outcome(StopReason.API_ERROR, problem)
                delay = retry_wait(next(retries), error.retry_after_s)
                if error.status == 404:  # ask once more right at the end of the grace period
                    delay = min(delay, max(0.0, self._grace_left(watch)))
                self._report(watch, f"{error.message}; retrying in {delay:.1f} s")
            else:
                errors = 0
                retries = retry_delays(base_s=opt.retry_base_s, jitter=opt.jitter)
                self._remember(watch, run)
                if run.is_terminal:
                    return watch.outcome(StopReason.FINISHED)
                delay = poll_wait(opt.poll_interval_s, opt.poll_jitter)
            now = opt.clock()
            pause = bounded(delay, now, opt.deadline)
            await opt.sleep(pause)
            if pause < delay:  # the deadline cut the pause short
                return await self._last_look(watch)

    async def _last_look(self, watch: _Watch) -> RunOutcome:
        """At the deadline: one more answer may still show the run finished."""
        try:
            run = await self._client.get_run(
                watch.run_id,
                timeout_s=min(self._opt.last_look_timeout_s, self._opt.request_timeout_s),
            )
        except ApiError as error:
            if not error.transient and not self._tolerated_404(watch, error):
                return watch.outcome(StopReason.API_ERROR, error.message)
            if watch.run is None:  # not one usable answer in the whole wait
                waited = self._opt.clock() - watch.began
                return watch.outcome(
                    StopReason.API_ERROR,
                    f"the API gave no usable answer about the run in {waited:.0f} s "
                    f"(last: {error})",
                )
            return watch.outcome(
                StopReason.TIMEOUT,
                f"still {watch.last_status()} when the deadline passed "
                f"(the last look failed: {error})",
            )
        self._remember(watch, run)
        if run.is_terminal:
            return watch.outcome(StopReason.FINISHED)
        return watch.outcome(
            StopReason.TIMEOUT, f"still {run.status[:40]} when the deadline passed"
        )

    async def wait_all(
        self,
        targets: Sequence[tuple[str, Trigger | None]],
        stop: asyncio.Event | None = None,
    ) -> list[RunOutcome]:
        """Watch every run concurrently; if ``stop`` is set, return at once with the
        unfinished runs marked ``INTERRUPTED``."""
        began = self._opt.clock()
        self._total = max(1, len(targets))
        self._stop = stop
        watches = [_Watch(run_id, trigger, began) for run_id, trigger in targets]
        tasks = [asyncio.create_task(self.watch(w)) for w in watches]
        stopper = asyncio.create_task((stop or asyncio.Event()).wait())
        # One future for all the watches: waiting on it costs the same for 5 runs or 5,000.
        every: asyncio.Future[Any] = asyncio.gather(*tasks, return_exceptions=True)
        try:
            if tasks:
                await asyncio.wait({every, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(every, stopper, return_exceptions=True)
        outcomes: list[RunOutcome] = []
        for watch, task in zip(watches, tasks, strict=True):
            if task.done() and not task.cancelled() and task.exception() is None:
                outcomes.append(task.result())
            elif task.cancelled():
                outcomes.append(watch.outcome(StopReason.INTERRUPTED, _interrupted(watch)))
            else:
                error = task.exception()
                outcomes.append(
                    watch.outcome(StopReason.API_ERROR, f"internal error while waiting: {error!r}")
                )
        return outcomes


def _interrupted(watch: _Watch) -> str:
    return f"the job was interrupted while the run was {watch.last_status('not yet seen')}"


async def cancel_runs(
    client: TesterArmyClient, run_ids: Sequence[str], *, timeout_s: float = CANCEL_TIMEOUT_S
) -> dict[str, str]:
    """Ask the API to cancel each run, concurrently, all within ``timeout_s``.

    Returns what happened to each: ``cancelled``, ``already finished`` or the error."""

    async def one(run_id: str) -> str:
        try:
            cancelled = await client.cancel_run(run_id, timeout_s=timeout_s)
        except ApiError as error:
            return f"cancel failed: {error}"
        return "cancelled" if cancelled else "already finished"

    if not run_ids:
        return {}
    try:
        async with asyncio.timeout(timeout_s):
            results = await asyncio.gather(*(one(r) for r in run_ids))
    except TimeoutError:
        return dict.fromkeys(run_ids, f"cancel not confirmed within {timeout_s:g} s")
    return dict(zip(run_ids, results, strict=True))


UNFINISHED: Final = (StopReason.TIMEOUT, StopReason.INTERRUPTED)


async def cancel_unfinished(
    client: TesterArmyClient,
    outcomes: Sequence[RunOutcome],
    *,
    wanted: Callable[[RunOutcome], bool],
    interrupted: bool,
    timeout_s: float,
) -> tuple[list[RunOutcome], list[str]]:
    """Cancel the runs the wait left unfinished (deadline or interrupt) that ``wanted`` picks.
    Returns the outcomes, those runs marked ``cancel_requested``, and a note per run."""
    chosen = [o.run_id for o in outcomes if o.stop in UNFINISHED and wanted(o)]
    done = await cancel_runs(client, chosen, timeout_s=timeout_s)
    because = "the job was interrupted" if interrupted else "the deadline passed"
    notes = [f"run {run_id}: {what} (asked because {because})" for run_id, what in done.items()]
    marked = set(chosen)
    return [replace(o, cancel_requested=True) if o.run_id in marked else o for o in outcomes], notes
