"""Every sandbox scenario, waited for over real HTTP, lands on the right result and exit
code, with outputs, summary and reports written."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli_run import JobResult, run_job


def env_for(sandbox: Any, run_ids: list[str], **extra: str) -> dict[str, str]:
    return {
        "INPUT_RUN-ID": "\n".join(run_ids),
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_TIMEOUT": "60",
        **extra,
    }


def wait(sandbox: Any, tmp_path: Path, *scenarios: str, **extra: str) -> JobResult:
    run_ids = [sandbox.create_run(s) for s in scenarios]
    return run_job(tmp_path, env_for(sandbox, run_ids, **extra))


@pytest.mark.parametrize(
    ("scenario", "result", "code"),
    [
        ("passes", "PASS", 0),
        ("issues-found", "FAILED", 1),
        ("warnings-only", "PASS", 0),
        ("infra-failure", "ERROR", 4),
        ("planner-skipped", "SKIPPED", 0),
        ("cancelled", "CANCELLED", 5),
        ("checkout-flow", "FAILED", 1),
        ("hostile", "FAILED", 1),
        ("hostile-failed", "ERROR", 4),
        ("hostile-skipped", "SKIPPED", 0),
        ("huge", "FAILED", 1),
    ],
)
def test_scenario_lands_on_result_and_exit_code(
    sandbox: Any, tmp_path: Path, scenario: str, result: str, code: int
) -> None:
    job = wait(sandbox, tmp_path, scenario)
    assert (job.code, job.outputs["result"]) == (code, result)
    assert job.outputs["runId"]
    assert job.summary.startswith("## ")
    assert result in job.summary_text.splitlines()[0]
    assert job.report["result"] == result
    assert (job.workspace / job.outputs["junitPath"]).is_file()
    assert not Path(job.outputs["reportPath"]).is_absolute()


def test_duration_output_is_the_runs_durationMs(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    served = sandbox.run(run_id)
    assert served["durationMs"] is not None
    assert job.outputs["durationMs"] == str(round(served["durationMs"]))


def test_junit_report_goes_where_junit_path_says(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("issues-found")
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_JUNIT-PATH": "out/qa.xml"}))
    assert job.outputs["junitPath"] == "out/qa.xml"
    assert (job.workspace / "out" / "qa.xml").read_text("utf-8").startswith("<?xml")


def test_several_runs_are_polled_concurrently(sandbox_factory: Any, tmp_path: Path) -> None:
    sandbox = sandbox_factory(speed=200.0)
    run_ids = [sandbox.create_run("passes") for _ in range(3)]
    job = run_job(tmp_path, env_for(sandbox, run_ids))
    assert job.code == 0
    order = [e.route.rsplit("/", 1)[-1] for e in sandbox.requests if e.method == "GET"]
    first = {r: order.index(r) for r in run_ids}
    last = {r: len(order) - 1 - order[::-1].index(r) for r in run_ids}
    # every run was first asked about before any other run was asked about for the last time
    assert max(first.values()) < min(last.values())


def test_several_runs_the_worst_decides(sandbox: Any, tmp_path: Path) -> None:
    job = wait(sandbox, tmp_path, "passes", "issues-found", "warnings-only")
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert len(job.outputs["runId"].split(",")) == 3
    assert int(job.outputs["blockingIssueCount"]) >= 1
    assert int(job.outputs["issueCount"]) > int(job.outputs["blockingIssueCount"])


def test_error_beats_failure_across_runs(sandbox: Any, tmp_path: Path) -> None:
    job = wait(sandbox, tmp_path, "issues-found", "infra-failure")
    assert (job.code, job.outputs["result"]) == (4, "ERROR")


def test_slow_run_times_out_with_exit_3(sandbox: Any, tmp_path: Path) -> None:
    job = wait(sandbox, tmp_path, "slow", INPUT_TIMEOUT="0.3")
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")
    assert job.outputs["status"] in {"queued", "running"}
    assert "TIMEOUT" in job.summary_text.splitlines()[0]


def test_min_severity_turns_low_issues_into_reported_only(sandbox: Any, tmp_path: Path) -> None:
    job = wait(sandbox, tmp_path, "issues-found", **{"INPUT_MIN-SEVERITY": "5"})
    strict = wait(sandbox, tmp_path / "strict", "issues-found")
    assert int(job.outputs["blockingIssueCount"]) < int(strict.outputs["blockingIssueCount"])
    assert job.outputs["issueCount"] == strict.outputs["issueCount"]


def test_fail_on_skipped_fails_a_skipped_run(sandbox: Any, tmp_path: Path) -> None:
    job = wait(sandbox, tmp_path, "planner-skipped", **{"INPUT_FAIL-ON": "FAILED,SKIPPED"})
    assert (job.code, job.outputs["result"]) == (1, "SKIPPED")


def test_already_finished_run_is_reported_after_one_request(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    wait_until_terminal(sandbox, run_id)
    before = len(sandbox.requests)
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_POLL-INTERVAL": "30"}))
    assert job.code == 0
    assert job.report["requests"] == 1
    assert len(sandbox.requests) - before == 1


def wait_until_terminal(sandbox: Any, run_id: str) -> None:
    for _ in range(500):
        if sandbox.run(run_id)["status"] in {"completed", "failed", "cancelled"}:
            return
        time.sleep(0.01)
    raise AssertionError("the sandbox run never finished")
