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
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError
from testerarmy_wait.outcome import Progress, RunOutcome, StopReason, Trigger
from testerarmy_wait.schedule import (
    Expectation,
    Jitter,
    bounded,
    expectation_from,
    history_gap,
    poll_wait,
    retry_delays,
    retry_wait,
)

if TYPE_CHECKING:
    from testerarmy_wait.listing import ListFeed
    from testerarmy_wait.models import Run


#: With more runs than this the waiter watches them through their projects' listing
#: (``listing.ListFeed``, loaded only then).
LIST_THRESHOLD: Final = 20
ProgressSink = Callable[[Progress], None]
Sleep = Callable[[float], Awaitable[None]]
LAST_LOOK_TIMEOUT_S = 5.0
CANCEL_TIMEOUT_S = 5.0
NOT_FOUND_GRACE_S = 30.0


@dataclass(frozen=True)
class WaitOptions:
    """The deadline, the pauses and the tolerances of waiting, with the clock to read."""

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
    use_history: bool = True  # shape the schedule by each test's recent durations
    list_threshold: int = LIST_THRESHOLD  # more runs than this: watched through the list
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
    expected: str | None = None  # the test's history, once known

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


def parse_timestamp(text: str | None) -> float | None:
    """An ISO 8601 time from the server as a Unix timestamp (None when unreadable)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


class HistoryBook:
    """Each test's expectation, from its recent completed runs: one list request per test,
    shared by every run of it, and never an error (no history is no expectation)."""

    def __init__(self, client: TesterArmyClient, *, timeout_s: float) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._fetches: dict[str, asyncio.Future[Expectation | None]] = {}

    async def expectation(self, test_id: str, *, timeout_s: float) -> Expectation | None:
        """The test's expectation, or None when there is none or it takes longer than
        ``timeout_s`` (the fetch goes on for the next poll)."""
        fetch = self._fetches.get(test_id)
        if fetch is None:
            fetch = asyncio.ensure_future(self._fetch(test_id))
            self._fetches[test_id] = fetch
        try:  # shielded: a watch stopping does not stop the others' fetch
            return await asyncio.wait_for(asyncio.shield(fetch), timeout_s)
        except TimeoutError:
            return None

    def known(self, test_id: str) -> Expectation | None:
        """The test's expectation when it has already been fetched (no request is made)."""
        fetch = self._fetches.get(test_id)
        if fetch is None or not fetch.done() or fetch.cancelled() or fetch.exception():
            return None
        return fetch.result()

    async def close(self) -> None:
        """Stop the fetches still under way: no request after the wait."""
        from testerarmy_wait.listing import cancel_pending

        await cancel_pending(self._fetches.values())

    async def _fetch(self, test_id: str) -> Expectation | None:
        try:
            page = await self._client.list_runs(
                test_id=test_id, status="completed", limit=100, timeout_s=self._timeout_s
            )
        except ApiError:
            return None
        durations = [
            r.duration_ms / 1000
            for r in page.runs
            if r.status == "completed" and r.duration_ms is not None and r.test_id == test_id
        ]
        return expectation_from(durations)


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
        self._history = HistoryBook(client, timeout_s=options.request_timeout_s)
        self._feed: ListFeed | None = None
        self._open_in_project: Counter[str] = Counter()

    def typical_s(self, test_id: str | None) -> float | None:
        """How long the test's runs usually take, when its history was read while waiting."""
        expectation = self._history.known(test_id) if test_id else None
        return expectation.median_s if expectation is not None else None

    def _report(self, watch: _Watch, note: str | None = None) -> None:
        elapsed = self._opt.clock() - self._began
        self._on_progress(
            Progress(
                watch.run_id,
                watch.last_status(),
                watch.polls,
                elapsed,
                note,
                self._total,
                watch.expected,
            )
        )

    def _remember(self, watch: _Watch, run: Run) -> None:
        watch.run = run
        watch.polls += 1
        note = None
        if not run.status_is_known and run.status not in watch.unknown_statuses:
            watch.unknown_statuses.append(run.status)
            note = f"unknown status {run.status[:40]!r}; treating it as still running"
        self._report(watch, note)

    async def _next_pause(self, watch: _Watch, run: Run) -> float:
        """The pause before asking again about a run that is not finished: shaped by its
        test's history while it runs (see ``schedule.history_gap``), else the interval."""
        opt = self._opt
        if self._feed is not None:  # through the list: every run on the same beat
            return opt.poll_interval_s
        fixed = poll_wait(opt.poll_interval_s, opt.poll_jitter)
        started = parse_timestamp(run.started_at)
        if not opt.use_history or run.status != "running" or not run.test_id or started is None:
            return fixed
        expectation = await self._history.expectation(
            run.test_id, timeout_s=self._request_timeout()
        )
        if expectation is None:
            return fixed
        if watch.expected is None:
            watch.expected = expectation.describe()
            self._report(watch, f"its test {watch.expected}")
        elapsed = self._client.server_now() - started
        gap = history_gap(expectation, elapsed, opt.poll_interval_s)
        return poll_wait(gap, opt.poll_jitter)

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

    async def _ask(self, watch: _Watch, timeout_s: float) -> Run:
        """The run's state now: on its own, or from its project's listing."""
        if self._feed is None:
            return await self._client.get_run(watch.run_id, timeout_s=timeout_s)
        project = watch.run.project_id if watch.run is not None else None
        run = await self._feed.get_run(watch.run_id, project, timeout_s=timeout_s)
        if project is None and run.project_id is not None:
            self._open_in_project[run.project_id] += 1
        return run

    async def watch(self, watch: _Watch) -> RunOutcome:
        try:
            return await self._watch(watch)
        finally:
            project = watch.run.project_id if watch.run is not None else None
            if project is not None and self._open_in_project[project] > 0:
                self._open_in_project[project] -= 1

    async def _watch(self, watch: _Watch) -> RunOutcome:
        opt = self._opt
        errors = 0
        retries: Iterator[float] = retry_delays(base_s=opt.retry_base_s, jitter=opt.jitter)
        while True:
            if self._stop is not None and self._stop.is_set():  # no request after a stop
                return watch.outcome(StopReason.INTERRUPTED, _interrupted(watch))
            if opt.clock() >= opt.deadline:
                return await self._last_look(watch)
            try:
                run = await self._ask(watch, self._request_timeout())
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
                delay = await self._next_pause(watch, run)
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
        if len(targets) > self._opt.list_threshold:
            from testerarmy_wait.listing import ListFeed  # only for many runs

            self._feed = ListFeed(
                self._client,
                unfinished_in=self._open_in_project.__getitem__,
                gather_s=min(1.0, 0.2 * self._opt.poll_interval_s),
            )
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
            await self._history.close()
            if self._feed is not None:
                await self._feed.close()
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


async def cancel_batch(
    client: TesterArmyClient, batch_id: str, run_ids: Sequence[str], *, timeout_s: float
) -> dict[str, str] | None:
    """Cancel a whole batch in one request; what happened to each of ``run_ids``, or None when
    the request failed (then cancel them one by one)."""
    try:
        async with asyncio.timeout(timeout_s):
            answer = await client.cancel_batch(batch_id, timeout_s=timeout_s)
    except (ApiError, TimeoutError):
        return None
    cancelled = {r.lower() for r in answer.cancelled_run_ids}
    finished = {r.lower() for r in answer.already_finished_run_ids}
    return {
        run_id: "cancelled"
        if run_id.lower() in cancelled
        else "already finished"
        if run_id.lower() in finished
        else "cancel not confirmed (the batch did not name it)"
        for run_id in run_ids
    }


def _whole_batch(outcomes: Sequence[RunOutcome], chosen: Sequence[RunOutcome], batch: str) -> bool:
    """Whether cancelling the batch cancels the chosen runs and nothing else that may still be
    under way: every chosen run is of the batch, and every other run of it is surely over."""
    picked = {id(o) for o in chosen}
    if not all(o.trigger and o.trigger.batch_id == batch for o in chosen):
        return False
    return all(
        id(o) in picked or o.stop in _OVER
        for o in outcomes
        if o.trigger and o.trigger.batch_id == batch
    )


_OVER: Final = (StopReason.FINISHED, StopReason.CANCELLED_AT_START, StopReason.BATCH_CANCELLED)


async def cancel_unfinished(
    client: TesterArmyClient,
    outcomes: Sequence[RunOutcome],
    *,
    wanted: Callable[[RunOutcome], bool],
    interrupted: bool,
    timeout_s: float,
    batch_id: str | None = None,
) -> tuple[list[RunOutcome], list[str]]:
    """Cancel the runs the wait left unfinished (deadline or interrupt) that ``wanted`` picks:
    with one request for the whole batch when they all belong to ``batch_id`` (a group this
    step started), else one per run. Returns the outcomes, those runs marked
    ``cancel_requested``, and a note per run."""
    chosen = [o for o in outcomes if o.stop in UNFINISHED and wanted(o)]
    ids = [o.run_id for o in chosen]
    done: dict[str, str] | None = None
    if batch_id and chosen and _whole_batch(outcomes, chosen, batch_id):
        done = await cancel_batch(client, batch_id, ids, timeout_s=timeout_s)
    if done is None:
        done = await cancel_runs(client, ids, timeout_s=timeout_s)
    because = "the job was interrupted" if interrupted else "the deadline passed"
    notes = [f"run {run_id}: {what} (asked because {because})" for run_id, what in done.items()]
    marked = set(ids)
    return [replace(o, cancel_requested=True) if o.run_id in marked else o for o in outcomes], notes
