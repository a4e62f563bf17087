"""The waiter, in virtual time: a scripted API behind ``httpx.MockTransport`` and a fake clock
whose sleep only moves time. Nothing here depends on how fast the machine is."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testerarmy_wait.outcome import Progress, RunOutcome, StopReason, Trigger
from testerarmy_wait.waiting import Waiter, WaitOptions, cancel_unfinished
from tests.unit.wire import FakeTime, Reply, ScriptedApi, run_body, sequence

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

    return asyncio.run(go())


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

    marked, notes = asyncio.run(go())
    assert [p for _t, _m, p in api.asked] == [
        f"/api/v1/runs/{RUN}/cancel",
        f"/api/v1/runs/{OTHER}/cancel",
    ]
    assert [o.cancel_requested for o in marked] == [True, True, False, False]
    assert notes == [
        f"run {RUN}: cancelled (asked because the deadline passed)",
        f"run {OTHER}: already finished (asked because the deadline passed)",
    ]
