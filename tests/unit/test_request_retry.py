"""Retrying one request, in virtual time: backoff drives the tries, the caller's sleep takes
every pause (none is slept for real), Retry-After wins when longer, and retrying stops before
a pause that would end past the time left."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

import pytest

from testerarmy_wait import errors
from testerarmy_wait.errors import ApiError
from testerarmy_wait.request_retry import OutOfTime, RetryPolicy, retried
from tests.unit.wire import FakeTime


def flaky(failures: list[Exception]) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    """An attempt failing with ``failures`` in turn, then answering "ok"; and its call count."""
    calls = [0]

    async def attempt() -> str:
        calls[0] += 1
        if failures:
            raise failures.pop(0)
        return "ok"

    return calls, attempt


def policy(clock: FakeTime, *, budget_s: float = 600, max_tries: int | None = None) -> RetryPolicy:
    end = clock.now + budget_s
    return RetryPolicy(
        retryable=lambda error: isinstance(error, ApiError) and error.transient,
        retry_after_s=lambda error: getattr(error, "retry_after_s", None),
        left=lambda: end - clock.clock(),
        sleep=clock.sleep,
        max_tries=max_tries,
        delays=itertools.count(1.0),  # 1, 2, 3 ... s: no jitter to pin
    )


def transient(retry_after_s: float | None = None) -> ApiError:
    return ApiError("HTTP 503", status=503, transient=True, retry_after_s=retry_after_s)


def run(attempt: Callable[[], Awaitable[str]], retry: RetryPolicy, clock: FakeTime) -> str:
    return asyncio.run(clock.drive(retried(attempt, retry, ApiError)))


def test_transient_failures_are_sent_again_after_pauses_taken_by_the_callers_sleep() -> None:
    clock = FakeTime()
    calls, attempt = flaky([transient(), transient()])
    assert run(attempt, policy(clock), clock) == "ok"
    assert calls == [3]
    assert clock.sleeps == [1.0, 2.0]  # the pauses, in virtual time only


def test_a_longer_retry_after_wins_over_the_back_off() -> None:
    clock = FakeTime()
    _calls, attempt = flaky([transient(retry_after_s=30.0), transient(retry_after_s=0.5)])
    run(attempt, policy(clock), clock)
    assert clock.sleeps == [30.0, 2.0]


def test_a_failure_that_may_not_be_sent_again_is_raised_at_once() -> None:
    clock = FakeTime()
    refused = ApiError("HTTP 400", status=400)
    calls, attempt = flaky([refused])
    with pytest.raises(ApiError) as raised:
        run(attempt, policy(clock), clock)
    assert raised.value is refused
    assert (calls, clock.sleeps) == ([1], [])


def test_the_tries_are_bounded_and_the_last_failure_is_raised() -> None:
    clock = FakeTime()
    last = transient()
    calls, attempt = flaky([transient(), transient(), last, transient()])
    with pytest.raises(ApiError) as raised:
        run(attempt, policy(clock, max_tries=3), clock)
    assert raised.value is last
    assert calls == [3]
    assert clock.sleeps == [1.0, 2.0]


def test_no_pause_ends_past_the_time_left() -> None:
    clock = FakeTime()
    calls, attempt = flaky([transient(), transient(), transient(), transient()])
    with pytest.raises(OutOfTime) as raised:
        run(attempt, policy(clock, budget_s=5.0), clock)  # 1 s, 2 s, then 3 s would end at 6 s
    assert isinstance(raised.value.last, ApiError)
    assert isinstance(raised.value, errors.TesterArmyWaitError)
    assert calls == [3]
    assert clock.sleeps == [1.0, 2.0]
    assert clock.now <= 1000.0 + 5.0


def test_a_retry_after_beyond_the_time_left_stops_at_once() -> None:
    clock = FakeTime()
    calls, attempt = flaky([transient(retry_after_s=3600.0)])
    with pytest.raises(OutOfTime):
        run(attempt, policy(clock, budget_s=60.0), clock)
    assert (calls, clock.sleeps) == ([1], [])


def test_failures_of_other_kinds_are_not_caught() -> None:
    clock = FakeTime()

    async def attempt() -> str:
        raise KeyError("not a request failure")

    with pytest.raises(KeyError):
        run(attempt, policy(clock), clock)
    assert clock.sleeps == []


def test_backoff_writes_nothing_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Its own lines would reach the job's log, unredacted and unasked."""
    clock = FakeTime()
    _calls, attempt = flaky([transient(), ApiError("HTTP 400 ghp_SECRET", status=400)])
    with caplog.at_level(logging.DEBUG), pytest.raises(ApiError):
        run(attempt, policy(clock), clock)
    assert [r for r in caplog.records if r.name.startswith("backoff")] == []
