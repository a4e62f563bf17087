"""Re-running a failed CI job over real HTTP (the sandbox for runs, the fake GitHub/GitLab
API for the comment): the second attempt starts only the test that did not pass in the first,
reports the other as passed in the previous attempt, and every report says the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakes.forge import FakeForge
from tests.integration.cli_run import JobResult, run_job
from tests.retries.test_retry_job import env_for, junit, starts


def pr_env(forge: FakeForge, tmp_path: Path, attempt: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 5, "head": {"sha": "b" * 40}}}), encoding="utf-8"
    )
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_RUN_ID": "31",
        "GITHUB_RUN_ATTEMPT": attempt,
        "GITHUB_WORKFLOW": "QA",
        "GITHUB_JOB": "qa",
        "INPUT_GITHUB-TOKEN": forge.state.github_token,
    }


def group_starts(sandbox: Any, group_id: str) -> int:
    return sum(1 for e in sandbox.requests if e.route == f"/v1/groups/{group_id}/runs")


def attempt(sandbox: Any, forge: FakeForge, tmp_path: Path, n: str, **extra: str) -> JobResult:
    group_id = extra.pop("group_id")
    env = {
        **env_for(sandbox, **{"INPUT_GROUP-ID": group_id, **extra}),
        **pr_env(forge, tmp_path, n),
    }
    return run_job(tmp_path / f"attempt{n}", env)


def test_a_re_run_starts_only_the_test_that_failed_and_reports_the_other_as_passed_before(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=("passes", "flaky"))
    passing, failing = (m.test_id for m in group.members)
    first = attempt(sandbox, forge, tmp_path, "1", group_id=group.group_id)
    assert (first.code, first.outputs["result"]) == (1, "FAILED")
    [comment] = forge.comments("octo/shop", 5)
    assert comment.body.rstrip().splitlines()[-1].startswith("<!-- testerarmy-wait attempt ")
    first_runs = {r["testId"]: r["runId"] for r in first.report["runs"]}

    second = attempt(sandbox, forge, tmp_path, "2", group_id=group.group_id)
    assert (second.code, second.outputs["result"]) == (0, "PASS"), second.log
    assert group_starts(sandbox, group.group_id) == 1  # the group only in the first attempt
    assert (starts(sandbox, passing), starts(sandbox, failing)) == (0, 1)
    runs = {r["testId"]: r for r in second.report["runs"]}
    assert runs[passing]["runId"] == first_runs[passing]
    assert runs[passing]["previousAttempt"] is True
    assert runs[failing]["previousAttempt"] is False
    assert runs[failing]["runId"] != first_runs[failing]
    assert "PASS (previous attempt)" in second.summary
    assert "re-run of this job: 1 test passed then" in second.log
    cases = [c.get("name") for c in junit(second).iter("testcase")]
    assert "Run result: PASS (previous attempt)" in cases
    [edited] = forge.comments("octo/shop", 5)  # the same comment, edited
    assert edited.id == comment.id
    assert "PASS (previous attempt)" in edited.body


def test_without_the_comment_a_re_run_starts_every_test_and_says_why(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=("passes", "always-fails"))
    for n in ("1", "2"):
        job = attempt(sandbox, forge, tmp_path, n, group_id=group.group_id, INPUT_COMMENT="off")
        assert job.outputs["result"] == "FAILED"
    assert group_starts(sandbox, group.group_id) == 2
    assert "re-run of this job (attempt 2): the previous attempt's runs could not be found" in (
        job.log
    )
    assert "comment is off" in job.log


def test_rerun_failed_only_false_starts_everything_again(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=("passes", "always-fails"))
    attempt(sandbox, forge, tmp_path, "1", group_id=group.group_id)
    job = attempt(
        sandbox,
        forge,
        tmp_path,
        "2",
        group_id=group.group_id,
        **{"INPUT_RERUN-FAILED-ONLY": "false"},
    )
    assert job.outputs["result"] == "FAILED"
    assert group_starts(sandbox, group.group_id) == 2
    assert "re-run of this job" not in job.log


def test_a_reused_run_counts_only_when_the_api_still_says_it_passed(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    test = sandbox.configure_test(scenario="warnings-only")
    env = {**env_for(sandbox, **{"INPUT_TEST-ID": test.test_id}), **pr_env(forge, tmp_path, "1")}
    first = run_job(tmp_path / "a1", {**env, "INPUT_COMMENT": "always"})
    assert first.outputs["result"] == "PASS"
    second = run_job(tmp_path / "a2", {**env, "GITHUB_RUN_ATTEMPT": "2"})
    assert second.outputs["result"] == "PASS"
    assert starts(sandbox, test.test_id) == 1  # its test passed: nothing started
    [run] = second.report["runs"]
    assert run["previousAttempt"] is True
    assert run["runId"] == first.report["runs"][0]["runId"]
    # The comment now names a run that failed: the API's word wins, the test starts again.
    [comment] = forge.comments("octo/shop", 5)
    failed_run = sandbox.create_run("issues-found")
    comment.body = comment.body.replace(run["runId"], failed_run)
    third = run_job(tmp_path / "a3", {**env, "GITHUB_RUN_ATTEMPT": "3"})
    assert "no longer pass" in third.log, third.log
    assert starts(sandbox, test.test_id) == 2
    assert [r["runId"] for r in third.report["runs"]] != [failed_run]
    assert third.outputs["result"] == "PASS"


def test_a_retried_gitlab_job_of_the_same_pipeline_starts_only_what_failed(
    sandbox: Any, forge: FakeForge, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=("passes", "flaky"))
    passing, failing = (m.test_id for m in group.members)

    def gitlab_job(job_id: str) -> JobResult:
        env = {
            **env_for(sandbox, **{"INPUT_GROUP-ID": group.group_id}),
            "GITLAB_CI": "true",
            "CI_MERGE_REQUEST_IID": "12",
            "CI_PROJECT_ID": "77",
            "CI_API_V4_URL": forge.gitlab_url,
            "CI_JOB_NAME": "qa",
            "CI_PIPELINE_ID": "900",
            "CI_JOB_ID": job_id,
            "TESTERARMY_GITLAB_TOKEN": forge.state.gitlab_token,
        }
        return run_job(tmp_path / job_id, env, github=False)

    assert gitlab_job("1001").code == 1
    again = gitlab_job("1002")
    assert again.code == 0, again.log
    assert (starts(sandbox, passing), starts(sandbox, failing)) == (0, 1)
    assert group_starts(sandbox, group.group_id) == 1
