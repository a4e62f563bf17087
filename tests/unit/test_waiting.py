"""The waiter, in virtual time: a scripted API behind ``httpx.MockTransport`` and a fake clock
whose sleep only moves time. Nothing here depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.listing import ListFeed
from testerarmy_wait.outcome import Progress, RunOutcome, StopReason, Trigger
from testerarmy_wait.waiting import HistoryBook, Waiter, WaitOptions, cancel_unfinished
from tests.unit.wire import API, KEY, FakeTime, Reply, ScriptedApi, run_body, sequence, wire

RUN = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
OTHER = "a81b07d4-1111-4222-8333-444455556666"
TRIGGER = Trigger("test", "t-1")


def options(time: FakeTime, **overrides: Any) -> WaitOptions:
    values: dict[str, Any] = {
        "deadline": time.now + 120,
        "poll_interval_s": 10.0,
        "retry_base_s": 1.0,
        "clock": time.clock,
        "sleep": time.sleep,
        "jitter": lambda delay: delay,  # back-off without randomness: 1, 2, 4, ...
        "poll_jitter": lambda _spread: 0.0,
    }
    values.update(overrides)
    return WaitOptions(**values)


def wait(
    api: ScriptedApi,
    time: FakeTime,
    targets: list[tuple[str, Trigger | None]] | None = None,
    stop: Callable[[], asyncio.Event] | None = None,
    events: list[Progress] | None = None,
    **overrides: Any,
) -> list[RunOutcome]:
    async def go() -> list[RunOutcome]:
        async with api.client() as client:
            sink = events.append if events is not None else (lambda _event: None)
            waiter = Waiter(client, options(time, **overrides), sink)
            return await waiter.wait_all(targets or [(RUN, None)], stop() if stop else None)

    return asyncio.run(time.drive(go()))


def status_until(finish_at: float, final: str = "completed") -> Callable[..., httpx.Response]:
    """The run is running until ``finish_at`` (fake time), then ``final``."""
    start: list[float] = []

    def answer(request: httpx.Request, now: float) -> httpx.Response:
        start.append(now) if not start else None
        status = final if now - start[0] >= finish_at else "running"
        run_id = request.url.path.rsplit("/", 1)[-1]
        return Reply(200, run_body(run_id, status)).response()

    return answer


def test_the_first_poll_goes_out_at_once_then_every_interval() -> None:
    time = FakeTime()
    api = ScriptedApi(time, status_until(25))
    [outcome] = wait(api, time)
    assert outcome.stop is StopReason.FINISHED
    assert api.times == [0, 10, 20, 30]
    assert time.sleeps == [10, 10, 10]
    assert outcome.polls == 4


def test_a_finished_run_costs_one_request() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(200, run_body(RUN, "completed"))))
    [outcome] = wait(api, time)
    assert (outcome.stop, len(api.asked), time.sleeps) == (StopReason.FINISHED, 1, [])


def test_transient_errors_back_off_exponentially_then_the_run_is_judged() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time,
        sequence(Reply(503), Reply(502), Reply(500), Reply(200, run_body(RUN, "completed"))),
    )
    [outcome] = wait(api, time)
    assert outcome.stop is StopReason.FINISHED
    assert time.sleeps == [1, 2, 4]


def test_retry_after_wins_when_it_asks_for_longer_than_the_back_off() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time,
        sequence(
            Reply(429, headers={"Retry-After": "7"}),
            Reply(429, headers={"Retry-After": "0"}),
            Reply(200, run_body(RUN, "completed")),
        ),
    )
    wait(api, time)
    assert time.sleeps == [7, 2]  # 7 s asked for; then the back-off's 2 s beats 0 s


def test_retry_after_past_the_deadline_is_cut_at_the_deadline_then_one_last_look() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time,
        sequence(
            Reply(200, run_body(RUN, "running")),
            Reply(429, headers={"Retry-After": "3600"}),
            Reply(200, run_body(RUN, "completed")),
        ),
    )
    [outcome] = wait(api, time, deadline=time.now + 30)
    assert outcome.stop is StopReason.FINISHED  # the last look saw it finish
    assert sum(time.sleeps) == pytest.approx(30)
    assert len(api.asked) == 3


def test_the_error_budget_ends_the_watch_as_an_api_error() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(503)))
    [outcome] = wait(api, time, error_budget=3)
    assert outcome.stop is StopReason.API_ERROR
    assert "gave up after 4 failed requests in a row" in (outcome.problem or "")
    assert len(api.asked) == 4


@pytest.mark.parametrize("status", [400, 401, 403])
def test_a_permanent_error_stops_at_once(status: int) -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(status, {"error": "x", "message": "no"})))
    [outcome] = wait(api, time)
    assert outcome.stop is StopReason.API_ERROR
    assert len(api.asked) == 1
    assert time.sleeps == []


def test_404_for_a_run_just_started_is_retried_through_the_grace_period() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time, sequence(Reply(404), Reply(404), Reply(200, run_body(RUN, "completed")))
    )
    [outcome] = wait(api, time, targets=[(RUN, TRIGGER)], not_found_grace_s=30)
    assert outcome.stop is StopReason.FINISHED
    assert len(api.asked) == 3


def test_404_past_the_grace_period_is_an_error_after_a_look_at_its_very_end() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(404)))
    [outcome] = wait(api, time, targets=[(RUN, TRIGGER)], not_found_grace_s=5)
    assert outcome.stop is StopReason.API_ERROR
    assert "not found" in (outcome.problem or "")
    assert sum(time.sleeps) == pytest.approx(5)  # 1 + 2 + the rest of the grace period


def test_404_for_a_run_it_was_handed_is_an_error_at_once() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(404)))
    [outcome] = wait(api, time, targets=[(RUN, None)])
    assert outcome.stop is StopReason.API_ERROR
    assert len(api.asked) == 1


def test_still_running_at_the_deadline_is_a_timeout_after_one_last_look() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(200, run_body(RUN, "running"))))
    [outcome] = wait(api, time, deadline=time.now + 25)
    assert outcome.stop is StopReason.TIMEOUT
    assert api.times == [0, 10, 20, 25]  # the third pause is cut at the deadline
    assert "still running when the deadline passed" in (outcome.problem or "")


def test_a_permanent_error_on_the_last_look_is_an_error_not_a_timeout() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time, sequence(Reply(200, run_body(RUN, "running")), Reply(401, {"message": "no"}))
    )
    [outcome] = wait(api, time, deadline=time.now + 5)
    assert outcome.stop is StopReason.API_ERROR
    assert "HTTP 401" in (outcome.problem or "")


def test_a_failing_last_look_after_the_run_was_seen_is_a_timeout() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(200, run_body(RUN, "running")), Reply(503)))
    [outcome] = wait(api, time, deadline=time.now + 5)
    assert outcome.stop is StopReason.TIMEOUT
    assert "the last look failed" in (outcome.problem or "")


def test_no_usable_answer_in_the_whole_wait_is_an_api_error() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(503)))
    [outcome] = wait(api, time, deadline=time.now + 20)
    assert outcome.stop is StopReason.API_ERROR
    assert "no usable answer about the run in 20 s" in (outcome.problem or "")


def test_a_stop_request_ends_every_watch_as_interrupted() -> None:
    time = FakeTime()
    made: list[asyncio.Event] = []

    def answer(request: httpx.Request, _now: float) -> httpx.Response:
        if len(api.asked) == 3:  # the job is cancelled while the third answer is on its way
            made[0].set()
        run_id = request.url.path.rsplit("/", 1)[-1]
        return Reply(200, run_body(run_id, "running")).response()

    api = ScriptedApi(time, answer)

    def stop() -> asyncio.Event:
        made.append(asyncio.Event())
        return made[0]

    outcomes = wait(api, time, targets=[(RUN, None), (OTHER, None)], stop=stop)
    assert [o.stop for o in outcomes] == [StopReason.INTERRUPTED] * 2
    assert "interrupted while the run was running" in (outcomes[0].problem or "")
    assert len(api.asked) == 3


def test_an_unknown_status_is_reported_once_and_treated_as_running() -> None:
    time = FakeTime()
    answers = sequence(
        Reply(200, run_body(RUN, "paused")),
        Reply(200, run_body(RUN, "paused")),
        Reply(200, run_body(RUN, "completed")),
    )
    api = ScriptedApi(time, answers)
    events: list[Progress] = []
    [outcome] = wait(api, time, events=events)
    assert outcome.stop is StopReason.FINISHED
    assert outcome.unknown_statuses == ("paused",)
    assert [e.note for e in events if e.note] == [
        "unknown status 'paused'; treating it as still running"
    ]


def test_an_answer_about_another_run_is_an_api_error() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(200, run_body(OTHER, "completed"))))
    [outcome] = wait(api, time)
    assert outcome.stop is StopReason.API_ERROR
    assert "another run" in (outcome.problem or "")


def test_many_runs_are_watched_concurrently_and_each_judged() -> None:
    time = FakeTime()
    runs = [f"3f2a9c1e-5b7d-4e21-9a0c-{n:012x}" for n in range(50)]
    api = ScriptedApi(time, status_until(0))
    outcomes = wait(api, time, targets=[(r, None) for r in runs])
    assert [o.run_id for o in outcomes] == runs
    assert {o.stop for o in outcomes} == {StopReason.FINISHED}
    assert len(api.asked) == 50


def test_cancel_unfinished_asks_only_for_the_runs_it_is_told_to() -> None:
    time = FakeTime()

    def answer(request: httpx.Request, _now: float) -> httpx.Response:
        return Reply(409 if OTHER in request.url.path else 200).response()

    api = ScriptedApi(time, answer)
    outcomes = [
        RunOutcome(RUN, StopReason.TIMEOUT, trigger=TRIGGER),
        RunOutcome(OTHER, StopReason.INTERRUPTED, trigger=TRIGGER),
        RunOutcome("b0000000-0000-4000-8000-000000000000", StopReason.FINISHED, trigger=TRIGGER),
        RunOutcome("c0000000-0000-4000-8000-000000000000", StopReason.TIMEOUT),
    ]

    async def go() -> tuple[list[RunOutcome], list[str]]:
        async with api.client() as client:
            return await cancel_unfinished(
                client,
                outcomes,
                wanted=lambda o: o.trigger is not None,
                interrupted=False,
                timeout_s=5,
            )

    marked, notes = asyncio.run(time.drive(go()))
    assert [p for _t, _m, p in api.asked] == [
        f"/api/v1/runs/{RUN}/cancel",
        f"/api/v1/runs/{OTHER}/cancel",
    ]
    assert [o.cancel_requested for o in marked] == [True, True, False, False]
    assert notes == [
        f"run {RUN}: cancelled (asked because the deadline passed)",
        f"run {OTHER}: already finished (asked because the deadline passed)",
    ]


# ------------------------------------------------------------------ history, lists, batches

TEST_ID = "11111111-2222-4333-8444-555555555555"
PROJECT = "7e5a1c2b-0d3f-4a6b-9c8d-1e2f3a4b5c6d"


def history_api(time: FakeTime, ends_after: float, past: list[float]) -> ScriptedApi:
    """Runs of one test, started when the wait began, finishing ``ends_after`` seconds in;
    the test's completed runs took ``past`` seconds."""
    began = time.now

    def answer(request: httpx.Request, now: float) -> httpx.Response:
        headers = {"Date": formatdate(WALL + now, usegmt=True)}
        if request.url.path.endswith("/v1/runs"):
            runs = [
                {"id": f"00000000-0000-4000-8000-{n:012d}", "status": "completed",
                 "testId": TEST_ID, "durationMs": round(d * 1000)}
                for n, d in enumerate(past)
            ]  # fmt: skip
            return Reply(200, {"runs": runs, "nextCursor": None}, headers).response()
        run_id = request.url.path.rsplit("/", 1)[-1]
        status = "completed" if now - began >= ends_after else "running"
        started = datetime.fromtimestamp(WALL + began, UTC).isoformat()
        body = run_body(run_id, status, testId=TEST_ID, startedAt=started)
        return Reply(200, body, headers).response()

    return ScriptedApi(time, answer)


WALL = 1_800_000_000.0


def wait_with_history(api: ScriptedApi, time: FakeTime, runs: list[str]) -> list[Progress]:
    events: list[Progress] = []

    async def go() -> None:
        async with api.client(wall_clock=lambda: WALL + time.now) as client:
            waiter = Waiter(client, options(time, deadline=time.now + 3600), events.append)
            await waiter.wait_all([(r, None) for r in runs])

    asyncio.run(time.drive(go()))
    return events


def test_history_makes_polls_sparse_early_and_dense_near_the_usual_end() -> None:
    time = FakeTime()
    api = history_api(time, 181, [175.0, 178.0, 180.0, 182.0, 185.0, 180.0, 179.0, 181.0])
    events = wait_with_history(api, time, [RUN])
    gets = [t for t, _m, p in api.asked if p.endswith(RUN)]
    fixed_requests = 1 + 19  # a 10 s poller over 181 s
    assert len(api.asked) < 0.8 * fixed_requests
    assert gets[-1] - gets[0] - 181 < 2.0  # seen within two seconds of its end
    notes = [e.note for e in events if e.note]
    assert notes == ["its test usually ~3m 00s, from 8 runs"]
    assert {e.expected for e in events[1:]} == {"usually ~3m 00s, from 8 runs"}


def test_the_history_is_asked_once_per_test() -> None:
    time = FakeTime()
    api = history_api(time, 60, [60.0] * 10)
    wait_with_history(api, time, [RUN, OTHER])
    lists = [p for _t, _m, p in api.asked if p.endswith("/v1/runs")]
    assert lists == ["/api/v1/runs"]


def test_without_usable_history_the_interval_holds() -> None:
    time = FakeTime()
    api = history_api(time, 45, [10.0, 300.0, 40.0])  # too few to say anything
    wait_with_history(api, time, [RUN])
    gets = [t for t, _m, p in api.asked if p.endswith(RUN)]
    assert [round(b - a) for a, b in itertools.pairwise(gets)] == [10, 10, 10, 10, 10]


def project_api(time: FakeTime, runs: list[str], ends_at: dict[str, float]) -> ScriptedApi:
    """Runs of one project; the list endpoint answers pages of the running ones."""

    def status(run_id: str) -> str:
        return "completed" if time.now >= ends_at[run_id] else "running"

    def answer(request: httpx.Request, _now: float) -> httpx.Response:
        if request.url.path.endswith("/v1/runs"):
            wanted = request.url.params.get("status")
            listed = [r for r in runs if status(r) == wanted]
            start = int(request.url.params.get("cursor") or 0)
            page = listed[start : start + 100]
            more = str(start + 100) if start + 100 < len(listed) else None
            body = [run_body(r, wanted or "", projectId=PROJECT) for r in page]
            return Reply(200, {"runs": body, "nextCursor": more}).response()
        run_id = request.url.path.rsplit("/", 1)[-1]
        return Reply(200, run_body(run_id, status(run_id), projectId=PROJECT)).response()

    return ScriptedApi(time, answer)


def test_many_runs_are_watched_through_their_projects_list() -> None:
    time = FakeTime()
    runs = [f"3f2a9c1e-5b7d-4e21-9a0c-{n:012x}" for n in range(250)]
    ends = {r: time.now + 35 + (n % 3) for n, r in enumerate(runs)}  # all end at 35-37 s
    api = project_api(time, runs, ends)
    outcomes = wait(api, time, targets=[(r, None) for r in runs])
    assert {o.stop for o in outcomes} == {StopReason.FINISHED}
    gets = [p for _t, _m, p in api.asked if not p.endswith("/v1/runs")]
    lists = [p for _t, _m, p in api.asked if p.endswith("/v1/runs")]
    # one GET each to learn the project, one each to read the final answer; in between,
    # rounds of list requests (3 pages of running runs, 1 of queued ones) instead of GETs
    assert len(gets) == 2 * 250
    assert 0 < len(lists) <= 4 * 4
    assert len(api.asked) < 0.5 * 250 * 5  # a GET per run per round: 5 rounds, 1,250


def test_a_failed_listing_falls_back_to_one_request_per_run() -> None:
    time = FakeTime()
    runs = [f"3f2a9c1e-5b7d-4e21-9a0c-{n:012x}" for n in range(30)]
    ends = dict.fromkeys(runs, time.now + 15)
    good = project_api(time, runs, ends)

    def answer(request: httpx.Request, now: float) -> httpx.Response:
        if request.url.path.endswith("/v1/runs"):
            return Reply(503).response()
        return good.answer(request, now)

    api = ScriptedApi(time, answer)
    outcomes = wait(api, time, targets=[(r, None) for r in runs])
    assert {o.stop for o in outcomes} == {StopReason.FINISHED}
    assert len([p for _t, _m, p in api.asked if not p.endswith("/v1/runs")]) == 30 * 3


def test_runs_of_a_batch_started_here_are_cancelled_with_one_request() -> None:
    time = FakeTime()
    batch = "44444444-2222-4333-8444-555555555555"

    def answer(request: httpx.Request, _now: float) -> httpx.Response:
        body = {
            "batchId": batch,
            "cancelled": 1,
            "alreadyFinished": 1,
            "cancelledRunIds": [RUN],
            "alreadyFinishedRunIds": [OTHER],
        }
        return Reply(200, body).response()

    api = ScriptedApi(time, answer)
    trigger = Trigger("group", "g", batch_id=batch)
    outcomes = [
        RunOutcome(RUN, StopReason.TIMEOUT, trigger=trigger),
        RunOutcome(OTHER, StopReason.TIMEOUT, trigger=trigger),
    ]

    async def go() -> tuple[list[RunOutcome], list[str]]:
        async with api.client() as client:
            return await cancel_unfinished(
                client, outcomes, wanted=lambda _o: True, interrupted=True, timeout_s=5,
                batch_id=batch,
            )  # fmt: skip

    marked, notes = asyncio.run(time.drive(go()))
    assert [(m, p) for _t, m, p in api.asked] == [("POST", f"/api/v1/batches/{batch}/cancel")]
    assert all(o.cancel_requested for o in marked)
    assert notes == [
        f"run {RUN}: cancelled (asked because the job was interrupted)",
        f"run {OTHER}: already finished (asked because the job was interrupted)",
    ]


def test_a_batch_member_in_an_unknown_state_keeps_the_batch_uncancelled() -> None:
    """A member the wait lost to an API error may still run: cancelling the batch would
    cancel it too, so the chosen run is cancelled on its own."""
    time = FakeTime()
    batch = "44444444-2222-4333-8444-555555555555"
    api = ScriptedApi(time, sequence(Reply(200, run_body(RUN, "cancelled"))))
    trigger = Trigger("group", "g", batch_id=batch)
    outcomes = [
        RunOutcome(RUN, StopReason.TIMEOUT, trigger=trigger),
        RunOutcome(OTHER, StopReason.API_ERROR, trigger=trigger),
    ]

    async def go() -> tuple[list[RunOutcome], list[str]]:
        async with api.client() as client:
            return await cancel_unfinished(
                client, outcomes, wanted=lambda _o: True, interrupted=True, timeout_s=5,
                batch_id=batch,
            )  # fmt: skip

    marked, _notes = asyncio.run(time.drive(go()))
    assert [(m, p) for _t, m, p in api.asked] == [("POST", f"/api/v1/runs/{RUN}/cancel")]
    assert [o.cancel_requested for o in marked] == [True, False]


# ------------------------------------------------------------------ bounded background work


def _hanging_lists(run_id: str) -> tuple[httpx.MockTransport, list[str], asyncio.Event]:
    """A transport whose list requests never answer; a run's own GET answers at once."""
    never = asyncio.Event()
    asked: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path.endswith("/v1/runs"):
            await never.wait()
        return wire(200, run_body(run_id, "running", projectId="p1", testId="t1"))

    return httpx.MockTransport(handler), asked, never


async def test_a_listing_that_never_answers_falls_back_to_the_run_and_is_stopped() -> None:
    transport, asked, _never = _hanging_lists(RUN)
    async with TesterArmyClient(API, KEY, transport=transport) as client:
        feed = ListFeed(client, unfinished_in=lambda _p: 1, gather_s=0.0)
        run = await feed.get_run(RUN, "p1", timeout_s=0.5)
        assert (run.id, run.status) == (RUN, "running")
        assert asked[-1].endswith(f"/v1/runs/{RUN}")  # asked on its own after the listing
        await feed.close()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == []  # the listing was cancelled: nothing is sent after the wait


async def test_a_slow_history_does_not_hold_a_poll_and_is_stopped_with_the_wait() -> None:
    transport, asked, _never = _hanging_lists(RUN)
    async with TesterArmyClient(API, KEY, transport=transport) as client:
        history = HistoryBook(client, timeout_s=600.0)
        assert await history.expectation("t1", timeout_s=0.3) is None
        assert asked == ["/api/v1/runs"]
        await history.close()
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == []
