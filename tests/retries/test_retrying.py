"""What is retried and how (pure), and the retry loop on a virtual clock."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.policy import Policy
from testerarmy_wait.retrying import (
    MIN_RETRY_S,
    expected_seconds,
    retry_failed,
    retry_request,
    retryable,
)
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.verdict import RunVerdict, judge_run

TRIGGER = Trigger("test", "t-1")
TEST_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"


def run(status: str = "completed", result: str | None = "FAILED", **extra: Any) -> Run:
    data: dict[str, Any] = {"id": "r-1", "status": status, "testId": TEST_ID, **extra}
    if result is not None:
        issues = (
            [{"type": "issue", "name": "Broken", "description": "x", "severity": 4}]
            if result == "FAILED"
            else []
        )
        data["output"] = {"featureName": "Cart", "result": result, "issues": issues, "steps": []}
    return Run.model_validate(data)


def judged(data: Run, *, trigger: Trigger | None = TRIGGER, run_id: str = "r-1") -> RunVerdict:
    return judge_run(RunOutcome(run_id, StopReason.FINISHED, data, trigger=trigger), Policy())


def test_infrastructure_failures_are_retried_by_default_failures_only_when_asked() -> None:
    broken = judged(run("failed", None, error={"code": "X", "message": "no browser"}))
    failed = judged(run())
    passed = judged(run(result="PASS"))
    assert (retryable(broken, "infra"), retryable(failed, "infra")) == (True, False)
    assert (retryable(failed, "failed"), retryable(passed, "failed")) == (True, False)


def test_a_handed_run_is_never_retried() -> None:
    broken = judged(run("failed", None), trigger=None)
    assert not retryable(broken, "failed")


def test_a_group_member_is_retried_as_a_run_of_its_test() -> None:
    group = StartRequest(
        "group",
        "g-1",
        {"platform": "ios", "targetUrl": "https://x", "mobile": {"appId": "a-1"}},
    )
    again = retry_request(group, judged(run()))
    assert again == StartRequest("test", TEST_ID, {"platform": "ios", "appId": "a-1"})
    test = StartRequest("test", TEST_ID, {"mode": "deep"})
    assert retry_request(test, judged(run())) is test


class Loop:
    """start/wait fakes: each start makes a run that plays the next of ``results``."""

    def __init__(self, *results: str) -> None:
        self.results = list(results)
        self.started = 0

    async def start(self, request: StartRequest) -> list[tuple[str, Trigger | None]]:
        self.started += 1
        return [(f"r-{self.started + 1}", TRIGGER)]

    async def wait(self, targets: list[tuple[str, Trigger | None]]) -> list[RunOutcome]:
        [(run_id, trigger)] = targets
        result = self.results.pop(0)
        data = run("failed", None) if result == "ERROR" else run(result=result)
        return [RunOutcome(run_id, StopReason.FINISHED, data, trigger=trigger)]


def go(
    loop: Loop,
    first: RunOutcome,
    *,
    retries: int,
    left_s: float = 1000.0,
    typical_s: float | None = None,
) -> Any:
    return asyncio.run(
        retry_failed(
            [first],
            request=StartRequest("test", TEST_ID, {}),
            retries=retries,
            retry_on="failed",
            policy=Policy(),
            baseline=None,
            today=date(2026, 12, 2),
            start=loop.start,
            wait=loop.wait,
            left_s=lambda: left_s,
            stop=asyncio.Event(),
            typical_s=lambda _test: typical_s,
        )
    )


def first_failed() -> RunOutcome:
    return RunOutcome("r-1", StopReason.FINISHED, run(), trigger=TRIGGER)


def test_retries_stop_at_the_first_pass_and_keep_the_earlier_attempts() -> None:
    loop = Loop("FAILED", "PASS", "PASS")
    retried = go(loop, first_failed(), retries=3)
    assert loop.started == 2
    assert [o.run_id for o in retried.outcomes] == ["r-3"]
    assert [o.run_id for o in retried.earlier["r-3"]] == ["r-1", "r-2"]


def test_no_retry_starts_when_less_time_is_left_than_an_attempt_takes() -> None:
    loop = Loop("PASS")
    retried = go(loop, first_failed(), retries=1, left_s=MIN_RETRY_S - 1)
    assert loop.started == 0
    assert retried.earlier == {}
    [note] = retried.notes
    assert "not retried" in note


def test_the_tests_typical_duration_from_its_history_decides_whether_a_retry_fits() -> None:
    loop = Loop("PASS")
    retried = go(loop, first_failed(), retries=1, left_s=400, typical_s=500)
    assert loop.started == 0
    [note] = retried.notes
    assert "400 s left, its test takes about 500 s" in note
    fits = go(Loop("PASS"), first_failed(), retries=1, left_s=400, typical_s=300)
    assert [o.run_id for o in fits.outcomes] == ["r-2"]
    assert expected_seconds(judged(run()), float("nan")) == expected_seconds(judged(run()))
    assert expected_seconds(judged(run()), 1.0) == MIN_RETRY_S


@pytest.mark.parametrize("retries", [1, 2, 3])
def test_never_more_attempts_than_retries_allow(retries: int) -> None:
    loop = Loop(*["FAILED"] * 5)
    retried = go(loop, first_failed(), retries=retries)
    assert loop.started == retries
    assert len(retried.earlier[retried.outcomes[0].run_id]) == retries
