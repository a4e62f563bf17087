"""Starting runs, in virtual time: which answers let a start request be sent again (only those
that surely started nothing), what a group's answer means, and the deadline and a stop."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from testerarmy_wait.errors import ApiError, NothingStarted, StartStopped
from testerarmy_wait.outcome import Started, StopReason
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.starting import start_runs
from tests.unit.wire import FakeTime, Reply, ScriptedApi, sequence

RUN = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
RUN2 = "a81b07d4-1111-4222-8333-444455556666"
RUN3 = "b0000000-0000-4000-8000-000000000003"
TEST = StartRequest("test", "11111111-2222-4333-8444-555555555555", {"mode": "fast"})
GROUP = StartRequest("group", "22222222-2222-4333-8444-555555555555", {})
WEBHOOK = StartRequest("webhook", "33333333-2222-4333-8444-555555555555", {}, secret="whsec_x")


def start(
    api: ScriptedApi, time: FakeTime, request: StartRequest = TEST, *, stopped: bool = False,
    deadline_in: float = 600,
) -> Started:  # fmt: skip
    async def go() -> Started:
        stop = asyncio.Event()
        if stopped:
            stop.set()
        async with api.client() as client:
            return await start_runs(
                client,
                request,
                deadline=time.now + deadline_in,
                stop=stop,
                clock=time.clock,
                sleep=time.sleep,
            )

    return asyncio.run(time.drive(go()))


def test_a_test_run_is_started_with_one_post() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(202, {"runId": RUN, "status": "queued"})))
    started = start(api, time)
    assert [r for r, _t in started.targets] == [RUN]
    trigger = started.targets[0][1]
    assert trigger is not None
    assert (trigger.kind, trigger.parameters) == ("test", (("mode", "fast"),))
    assert [(m, p) for _t, m, p in api.asked] == [("POST", f"/api/v1/tests/{TEST.target}/runs")]


def test_429_is_sent_again_after_the_back_off() -> None:
    time = FakeTime()
    api = ScriptedApi(
        time, sequence(Reply(429, headers={"Retry-After": "3"}), Reply(202, {"runId": RUN}))
    )
    started = start(api, time)
    assert [r for r, _t in started.targets] == [RUN]
    assert len(api.asked) == 2
    assert len(time.sleeps) == 1
    assert time.sleeps[0] >= 3


def test_no_connection_is_sent_again() -> None:
    time = FakeTime()
    calls: list[int] = []

    def answer(request: httpx.Request, _now: float) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return Reply(202, {"runId": RUN}).response()

    started = start(ScriptedApi(time, answer), time)
    assert [r for r, _t in started.targets] == [RUN]
    assert len(calls) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_is_never_sent_again_it_may_have_started_a_run(status: int) -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(status)))
    with pytest.raises(ApiError, match=f"HTTP {status}"):
        start(api, time)
    assert len(api.asked) == 1


def test_after_four_refusals_the_error_stands() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(429)))
    with pytest.raises(ApiError, match="HTTP 429"):
        start(api, time)
    assert len(api.asked) == 4


def test_a_retry_that_would_pass_the_deadline_stops_the_start() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(429, headers={"Retry-After": "60"})))
    with pytest.raises(StartStopped, match="deadline passed") as stopped:
        start(api, time, deadline_in=30)
    assert not stopped.value.interrupted
    assert len(api.asked) == 1


def test_a_stop_before_the_start_asks_nothing() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(202, {"runId": RUN})))
    with pytest.raises(StartStopped) as stopped:
        start(api, time, stopped=True)
    assert stopped.value.interrupted
    assert api.asked == []


def test_a_group_waits_for_its_queued_runs_and_reports_those_cancelled_at_start() -> None:
    time = FakeTime()
    body: dict[str, Any] = {
        "status": "queued",
        "batchId": "44444444-2222-4333-8444-555555555555",
        "runIds": [RUN, RUN2],
        "queuedRunIds": [RUN, RUN3],
        "cancelledRunIds": [RUN2],
    }
    started = start(ScriptedApi(time, sequence(Reply(202, body))), time, GROUP)
    assert [r for r, _t in started.targets] == [RUN, RUN3]
    assert [(o.run_id, o.stop) for o in started.cancelled_at_start] == [
        (RUN2, StopReason.CANCELLED_AT_START)
    ]
    assert started.batch_id == body["batchId"]


def test_a_group_whose_every_run_was_cancelled_ran_nothing() -> None:
    time = FakeTime()
    body = {"status": "cancelled", "runIds": [RUN], "cancelledRunIds": [RUN]}
    started = start(ScriptedApi(time, sequence(Reply(202, body))), time, GROUP)
    assert started.targets == []
    assert [o.stop for o in started.cancelled_at_start] == [StopReason.BATCH_CANCELLED]


def test_a_group_that_names_no_run_started_nothing() -> None:
    time = FakeTime()
    with pytest.raises(NothingStarted):
        start(ScriptedApi(time, sequence(Reply(202, {"status": "queued"}))), time, GROUP)


def test_an_ignored_webhook_started_nothing() -> None:
    time = FakeTime()
    body = {"received": True, "ignored": True, "reason": "paused"}
    with pytest.raises(NothingStarted, match="ignored: paused"):
        start(ScriptedApi(time, sequence(Reply(202, body))), time, WEBHOOK)


def test_a_run_id_that_is_not_a_uuid_is_an_error() -> None:
    time = FakeTime()
    api = ScriptedApi(time, sequence(Reply(202, {"runId": "../../etc"})))
    with pytest.raises(ApiError, match="not a UUID"):
        start(api, time)
