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


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def flaky(failures: list[Exception]) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    """An attempt failing with ``failures`` in turn, then answering "ok"; and its call count."""
    calls = [0]

    async def attempt() -> str:
        calls[0] += 1
        if failures:
            raise failures.pop(0)
        return "ok"

    return calls, attempt


def policy(clock: Clock, *, budget_s: float = 600, max_tries: int | None = None) -> RetryPolicy:
    return RetryPolicy(
        retryable=lambda error: isinstance(error, ApiError) and error.transient,
        retry_after_s=lambda error: getattr(error, "retry_after_s", None),
        left=lambda: budget_s - clock(),
        sleep=clock.sleep,
        max_tries=max_tries,
        delays=itertools.count(1.0),  # 1, 2, 3 ... s: no jitter to pin
    )


def transient(retry_after_s: float | None = None) -> ApiError:
    return ApiError("HTTP 503", status=503, transient=True, retry_after_s=retry_after_s)


def run(attempt: Callable[[], Awaitable[str]], retry: RetryPolicy) -> str:
    return asyncio.run(retried(attempt, retry, ApiError))


def test_transient_failures_are_sent_again_after_pauses_taken_by_the_callers_sleep() -> None:
    clock = Clock()
    calls, attempt = flaky([transient(), transient()])
    assert run(attempt, policy(clock)) == "ok"
    assert calls == [3]
    assert clock.slept == [1.0, 2.0]  # the pauses, in virtual time only


def test_a_longer_retry_after_wins_over_the_back_off() -> None:
    clock = Clock()
    _calls, attempt = flaky([transient(retry_after_s=30.0), transient(retry_after_s=0.5)])
    run(attempt, policy(clock))
    assert clock.slept == [30.0, 2.0]


def test_a_failure_that_may_not_be_sent_again_is_raised_at_once() -> None:
    clock = Clock()
    refused = ApiError("HTTP 400", status=400)
    calls, attempt = flaky([refused])
    with pytest.raises(ApiError) as raised:
        run(attempt, policy(clock))
    assert raised.value is refused
    assert (calls, clock.slept) == ([1], [])


def test_the_tries_are_bounded_and_the_last_failure_is_raised() -> None:
    clock = Clock()
    last = transient()
    calls, attempt = flaky([transient(), transient(), last, transient()])
    with pytest.raises(ApiError) as raised:
        run(attempt, policy(clock, max_tries=3))
    assert raised.value is last
    assert calls == [3]
    assert clock.slept == [1.0, 2.0]


def test_no_pause_ends_past_the_time_left() -> None:
    clock = Clock()
    calls, attempt = flaky([transient(), transient(), transient(), transient()])
    with pytest.raises(OutOfTime) as raised:
        run(attempt, policy(clock, budget_s=5.0))  # 1 s, 2 s, then 3 s would end at 6 s
    assert isinstance(raised.value.last, ApiError)
    assert isinstance(raised.value, errors.TesterArmyWaitError)
    assert calls == [3]
    assert clock.slept == [1.0, 2.0]
    assert clock.now <= 5.0


def test_a_retry_after_beyond_the_time_left_stops_at_once() -> None:
    clock = Clock()
    calls, attempt = flaky([transient(retry_after_s=3600.0)])
    with pytest.raises(OutOfTime):
        run(attempt, policy(clock, budget_s=60.0))
    assert (calls, clock.slept) == ([1], [])


def test_failures_of_other_kinds_are_not_caught() -> None:
    clock = Clock()

    async def attempt() -> str:
        raise KeyError("not a request failure")

    with pytest.raises(KeyError):
        run(attempt, policy(clock))
    assert clock.slept == []


def test_backoff_writes_nothing_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """Its own lines would reach the job's log, unredacted and unasked."""
    clock = Clock()
    _calls, attempt = flaky([transient(), ApiError("HTTP 400 ghp_SECRET", status=400)])
    with caplog.at_level(logging.DEBUG), pytest.raises(ApiError):
        run(attempt, policy(clock))
    assert [r for r in caplog.records if r.name.startswith("backoff")] == []
