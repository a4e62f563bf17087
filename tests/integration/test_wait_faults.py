"""Faults on the wire: transient ones are retried to the right verdict, permanent ones
stop at once, and nothing is ever reported as a pass by accident."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait_sandbox.faults import Fault
from tests.integration.cli_run import run_job
from tests.integration.pauses import record_pauses
from tests.integration.test_wait_scenarios import env_for

# Retry back-off starts at up to 1 s; these tests keep it short through Retry-After: 0
# where they can, and otherwise accept a few seconds in total. How long a wait lasted is judged
# by the pauses the job asked for (``record_pauses``), never by the clock on the wall.


def run_path(run_id: str) -> str:
    return f"/v1/runs/{run_id}"


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(500),
        Fault.status(502),
        Fault.status(503),
        Fault.status(504),
        Fault.rate_limited(retry_after=0),
        Fault.html(502),
        Fault.html(200),
        Fault.drop(),
        Fault.truncated(),
        Fault.truncated(short_read=True),
        Fault.rate_limited(),
        Fault.rate_limited(1, as_http_date=True),
    ],
    ids=[
        "500",
        "502",
        "503",
        "504",
        "429",
        "html502",
        "html200",
        "drop",
        "truncated",
        "short-read",
        "429-no-retry-after",
        "429-http-date",
    ],
)
def test_transient_fault_is_retried_and_the_run_still_judged(
    sandbox: Any, tmp_path: Path, fault: Fault
) -> None:
    run_id = sandbox.create_run("issues-found")
    sandbox.faults.add(method="GET", path=run_path(run_id), nth=[1], fault=fault)
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert job.report["requests"] >= 2
    assert job.summary.startswith("## ")


def test_retry_after_seconds_is_honoured(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), nth=[1], fault=Fault.rate_limited(retry_after=1))
    pauses = record_pauses(monkeypatch)
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert job.code == 0
    assert pauses.polls[0] == 1.0  # the retry waited for the server's 1 s, not the back-off


def test_retry_after_is_never_waited_past_the_deadline(
    sandbox_factory: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = sandbox_factory(speed=1.0)  # the run stays queued however slow the machine
    run_id = sandbox.create_run("slow")
    refused = sandbox.faults.add(
        path=run_path(run_id), nth=range(2, 10_000), fault=Fault.rate_limited(retry_after=3600)
    )
    pauses = record_pauses(monkeypatch)
    job = run_job(tmp_path, env_for(sandbox, [run_id], INPUT_TIMEOUT="0.5"))
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")  # seen queued, then 429s
    assert refused.fired >= 1
    assert pauses.polls
    assert max(pauses.polls) <= 0.5  # not the hour the server asked for


def test_slow_answer_beyond_request_timeout_is_retried(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), nth=[1], fault=Fault.slow(2.0))
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_REQUEST-TIMEOUT": "0.3"}))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert job.report["requests"] >= 2  # the slow one was abandoned and asked again


def test_unknown_status_is_treated_as_running(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), times=3, fault=Fault.unknown_status("paused"))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert job.report["requests"] >= 4


def test_unknown_status_until_the_deadline_is_TIMEOUT(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), fault=Fault.unknown_status("paused"))
    job = run_job(tmp_path, env_for(sandbox, [run_id], INPUT_TIMEOUT="0.3"))
    assert (job.code, job.outputs["result"], job.outputs["status"]) == (3, "TIMEOUT", "paused")


def test_extra_and_missing_optional_fields_are_tolerated(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("issues-found")
    sandbox.faults.add(path=run_path(run_id), fault=Fault.extra_fields())
    sandbox.faults.add(path=run_path(run_id), fault=Fault.missing_fields("durationMs"))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")


def test_wrong_key_stops_at_once_with_exit_4(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_API-KEY": "sk_wrong"}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert job.report["requests"] == 1
    assert "API key was refused" in job.summary_text
    assert "sk_wrong" not in job.summary + job.log.replace("::add-mask::sk_wrong", "") + job.stderr


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_permanent_error_on_a_poll_stops_at_once(sandbox: Any, tmp_path: Path, status: int) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), fault=Fault.status(status))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert job.report["requests"] == 1
    assert f"HTTP {status}" in job.summary_text


def test_unknown_run_is_404_error_not_a_pass(sandbox: Any, tmp_path: Path) -> None:
    missing = "3f2a9c1e-0000-4000-8000-00000000dead"
    job = run_job(tmp_path, env_for(sandbox, [missing]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert job.report["requests"] == 1  # a handed run that is not found is not retried
    assert "not found" in job.summary_text


def test_api_down_for_good_exhausts_the_error_budget(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), fault=Fault.rate_limited(retry_after=0))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert job.report["requests"] == 9  # the first try and 8 retries


def test_unreachable_api_is_error_not_pass(tmp_path: Path) -> None:
    env = {
        "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
        "INPUT_API-KEY": "sk_x",
        "INPUT_API-URL": "http://127.0.0.1:9/api",
        "INPUT_TIMEOUT": "1",
    }
    job = run_job(tmp_path, env)
    assert job.outputs["result"] in {"ERROR", "TIMEOUT"}
    assert job.code in {3, 4}
