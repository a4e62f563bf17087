"""The whole job with a pull (merge) request to tell: the sandbox over real HTTP for the runs,
the fake GitHub/GitLab API for the comment. Whatever the code host does, the verdict, the exit
code, the outputs, the summary and the reports are the ones the job would have had without it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.forge import FakeForge
from tests.integration.cli_run import JobResult, run_job
from tests.integration.test_hardening import assert_all_sinks_written, every_sink, finished
from tests.integration.test_wait_scenarios import env_for
from tests.report.html_check import assert_safe, visible_text

REPO = "octo/shop"
PR = 5


def pr_env(forge: FakeForge, tmp_path: Path) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": PR, "head": {"sha": "b" * 40}}}), encoding="utf-8"
    )
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_RUN_ID": "31",
        "GITHUB_WORKFLOW": "QA",
        "GITHUB_JOB": "qa",
        "INPUT_GITHUB-TOKEN": forge.state.github_token,
    }


def mr_env(sandbox: Any, forge: FakeForge, run_id: str, token: str) -> dict[str, str]:
    return {
        **env_for(sandbox, [run_id]),
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "12",
        "CI_PROJECT_ID": "77",
        "CI_API_V4_URL": forge.gitlab_url,
        "CI_JOB_NAME": "qa",
        "TESTERARMY_GITLAB_TOKEN": token,
    }


def comparable(job: JobResult) -> tuple[int, dict[str, str], str]:
    outputs = {k: v for k, v in job.outputs.items() if k not in ("durationMs", "reportPath")}
    return job.code, outputs, job.report["result"]


def test_the_pull_request_gets_the_verdict_and_the_job_is_unchanged(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "issues-found")
    alone = run_job(tmp_path / "alone", env_for(sandbox, [run_id]))
    job = run_job(tmp_path / "pr", {**env_for(sandbox, [run_id]), **pr_env(forge, tmp_path)})
    assert comparable(job) == comparable(alone)
    assert job.code == 1
    assert_all_sinks_written(job)
    assert f"pull request #{PR}: comment created" in job.log
    [comment] = forge.comments(REPO, PR)
    assert_safe(comment.body.split("\n", 1)[1])
    assert "::warning title=testerarmy-wait" not in job.log


@pytest.mark.parametrize(
    ("script", "status"),
    [
        ("read_only", "403"),
        ("server_error", "500"),
        ("bad_token", "401"),
    ],
)
def test_a_code_host_failure_is_one_warning_and_nothing_else(
    sandbox: Any, forge: FakeForge, tmp_path: Path, script: str, status: str
) -> None:
    run_id = finished(sandbox, "passes")
    env = {**env_for(sandbox, [run_id]), **pr_env(forge, tmp_path)}
    if script == "read_only":
        forge.state.read_only = True
    elif script == "server_error":
        forge.fail_next("GET", "/comments$", 503)  # retried
        forge.fail_next("POST", "/comments$", 500)  # may have been written: not repeated
    else:
        env["INPUT_GITHUB-TOKEN"] = "ghs_revoked-token-value-000"
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert_all_sinks_written(job)
    warnings = [
        line for line in job.log.splitlines() if line.startswith("::warning title=testerarmy-wait")
    ]
    assert len(warnings) == 1, warnings
    assert f"HTTP {status}" in warnings[0]
    assert "ghs_revoked-token-value-000" not in every_sink(job)
    assert forge.comments(REPO, PR) == []


def test_no_token_reaches_any_sink_or_the_comment(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    from testerarmy_wait_sandbox.faults import Fault

    run_id = finished(sandbox, "issues-found")
    token = forge.state.github_token
    sandbox.faults.add(
        path=f"/v1/runs/{run_id}",
        fault=Fault.rewrite(
            (r'"description":"', f'"description":"token {token} key {sandbox.api_key} ')
        ),
    )
    job = run_job(
        tmp_path, {**env_for(sandbox, [run_id]), **pr_env(forge, tmp_path)}, ["--check-run", "true"]
    )
    assert job.code == 1
    [comment] = forge.comments(REPO, PR)
    [check] = forge.check_runs
    for text in (
        every_sink(job),
        comment.body,
        json.dumps(check.fields),
        json.dumps(check.annotations),
    ):
        assert token not in text
        assert sandbox.api_key not in text
    assert "token ***" in visible_text(comment.body)


def test_gitlab_merge_request_pipeline_gets_a_note(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "issues-found")
    env = mr_env(sandbox, forge, run_id, forge.state.gitlab_token)
    job = run_job(tmp_path, env, github=False)
    assert job.code == 1
    assert "merge request !12: note created" in job.log
    [note] = forge.notes("77", 12)
    assert_safe(note.body.split("\n", 1)[1])
    assert forge.state.gitlab_token not in job.log


def test_gitlab_note_failure_is_one_warning_line_and_the_job_keeps_its_result(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "passes")
    env = mr_env(sandbox, forge, run_id, "glpat-expired-token-0000")
    job = run_job(tmp_path, env, github=False)
    assert job.code == 0
    warnings = [line for line in job.log.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1
    assert "HTTP 401" in warnings[0]
    assert "glpat-expired-token-0000" not in job.log
    assert forge.notes("77", 12) == []
