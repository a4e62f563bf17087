"""Starting runs, then waiting: every way to name the runs, over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait_sandbox.faults import Fault
from tests.integration.cli_run import run_job


def base_env(sandbox: Any, **extra: str) -> dict[str, str]:
    return {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_TIMEOUT": "60",
        "INPUT_READY-TIMEOUT": "0",  # the example URLs answer nothing: no readiness gate
        **extra,
    }


def posts(sandbox: Any, fragment: str) -> list[Any]:
    return [e for e in sandbox.requests if e.method == "POST" and fragment in e.path]


def test_test_id_starts_a_run_with_its_parameters_and_waits(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="issues-found")
    env = base_env(
        sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_MODE": "deep", "INPUT_PLATFORM": "web"}
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    [post] = posts(sandbox, f"/tests/{test.test_id}/runs")
    assert post.request_json == {"mode": "deep", "platform": "web"}
    assert job.outputs["runId"] == post.json()["runId"]
    assert f"Started by this step: test {test.test_id}" in job.summary_text
    assert "with mode=deep, platform=web (1 run)" in job.summary_text


def test_group_id_waits_for_every_queued_run_and_reports_server_cancelled_ones(
    sandbox: Any, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=["passes", "warnings-only", "passes"], cancelled=[2])
    env = base_env(
        sandbox,
        **{
            "INPUT_GROUP-ID": group.group_id,
            "INPUT_TARGET-URL": "https://preview.example",
            "INPUT_COMMIT-SHA": "abc123",
            "INPUT_PR-NUMBER": "7",
        },
    )
    job = run_job(
        tmp_path,
        env,
    )
    [post] = posts(sandbox, f"/groups/{group.group_id}/runs")
    answer = post.json()
    assert post.request_json == {
        "targetUrl": "https://preview.example",
        "commitSha": "abc123",
        "prNumber": 7,
    }
    assert job.outputs["batchId"] == answer["batchId"]
    assert set(job.outputs["runId"].split(",")) == set(answer["runIds"])
    # the cancelled run is reported, never polled
    [cancelled] = answer["cancelledRunIds"]
    assert not [e for e in sandbox.requests if e.method == "GET" and cancelled in e.path]
    assert (job.code, job.outputs["result"]) == (5, "CANCELLED")
    relaxed = run_job(tmp_path / "relaxed", {**env, "INPUT_FAIL-ON": "FAILED"})
    assert relaxed.code == 0


def test_group_whose_every_run_was_cancelled_is_ERROR(sandbox: Any, tmp_path: Path) -> None:
    group = sandbox.configure_group(scenarios=["passes"], cancelled=[0])
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_GROUP-ID": group.group_id}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "cancelled every run" in job.summary_text
    [post] = posts(sandbox, f"/groups/{group.group_id}/runs")
    answer = post.json()
    assert answer["status"] == "cancelled"
    assert job.outputs["batchId"] == answer["batchId"]
    assert job.outputs["runId"].split(",") == answer["cancelledRunIds"]
    assert "Nothing ran" in job.summary_text
    assert not [e for e in sandbox.requests if e.method == "GET"]


def write_event(tmp_path: Path, **pr: Any) -> str:
    event = {
        "pull_request": {
            "number": 42,
            "title": "Fix checkout",
            "body": "Details",
            "base": {"ref": "main"},
            "head": {"ref": "fix", "sha": "deadbeef"},
            **pr,
        }
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return str(path)


def test_pull_request_run_fills_the_request_from_the_github_event(
    sandbox: Any, tmp_path: Path
) -> None:
    project = sandbox.configure_project(scenario="planner-skipped")
    env = base_env(
        sandbox,
        **{
            "INPUT_PROJECT-ID": project.project_id,
            "INPUT_TARGET-URL": "https://pr-42.preview.example",
            "INPUT_PR-TITLE": "Explicit title wins",
            "GITHUB_EVENT_PATH": write_event(tmp_path),
        },
    )
    job = run_job(tmp_path, env)
    [post] = posts(sandbox, "/pull-request-runs")
    assert post.request_json == {
        "targetUrl": "https://pr-42.preview.example",
        "platform": "web",
        "pullRequest": {
            "number": 42,
            "title": "Explicit title wins",
            "description": "Details",
            "baseBranch": "main",
            "headBranch": "fix",
            "commitSha": "deadbeef",
        },
    }
    assert (job.code, job.outputs["result"]) == (0, "SKIPPED")


def test_pull_request_run_from_gitlab_merge_request_variables(sandbox: Any, tmp_path: Path) -> None:
    project = sandbox.configure_project(scenario="passes")
    env = base_env(
        sandbox,
        **{
            "INPUT_PROJECT-ID": project.project_id,
            "INPUT_TARGET-URL": "https://mr.example",
            "CI_MERGE_REQUEST_IID": "9",
            "CI_MERGE_REQUEST_TITLE": "MR title",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "CI_COMMIT_SHA": "cafe",
            "GITLAB_CI": "true",
        },
    )
    job = run_job(tmp_path, env, github=False)
    [post] = posts(sandbox, "/pull-request-runs")
    assert post.request_json["pullRequest"] == {
        "number": 9,
        "title": "MR title",
        "baseBranch": "main",
        "headBranch": "feature",
        "commitSha": "cafe",
    }
    assert job.code == 0


def test_pull_request_run_without_a_title_names_the_input_to_set(
    sandbox: Any, tmp_path: Path
) -> None:
    env = base_env(
        sandbox,
        **{
            "INPUT_PROJECT-ID": "proj",
            "INPUT_TARGET-URL": "https://x.example",
            "INPUT_PR-NUMBER": "3",
            "INPUT_COMMIT-SHA": "abc",
        },
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "pr-title" in job.summary_text
    assert not sandbox.requests


def test_webhook_url_is_a_secret_never_written_anywhere(sandbox: Any, tmp_path: Path) -> None:
    group = sandbox.configure_group(scenarios=["passes"])
    hook = sandbox.configure_webhook(group.group_id)
    url = sandbox.url + hook.path
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_GROUP-WEBHOOK-URL": url}))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert f"::add-mask::{hook.secret}" in job.log
    written = job.summary + json.dumps(job.outputs) + job.stderr
    written += "".join(
        p.read_text("utf-8") for p in (job.workspace / "testerarmy-reports").iterdir()
    )
    assert hook.secret not in written
    assert hook.secret not in job.log.replace(f"::add-mask::{hook.secret}", "").replace(
        f"::add-mask::{url}", ""
    )


def test_wrong_webhook_secret_is_ERROR(sandbox: Any, tmp_path: Path) -> None:
    group = sandbox.configure_group(scenarios=["passes"])
    hook = sandbox.configure_webhook(group.group_id)
    url = sandbox.url + hook.path.replace(hook.secret, "whsec_wrong")
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_GROUP-WEBHOOK-URL": url}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.status(400), "HTTP 400"),
        (Fault.status(401), "API key was refused"),
        (Fault.status(404), "not found"),
        (Fault.status(413), "too large"),
        (Fault.status(500), "HTTP 500"),
    ],
    ids=["400", "401", "404", "413", "500"],
)
def test_refused_trigger_is_ERROR_with_the_reason(
    sandbox: Any, tmp_path: Path, fault: Fault, expected: str
) -> None:
    test = sandbox.configure_test(scenario="passes")
    sandbox.faults.add(method="POST", path=f"/v1/tests/{test.test_id}/runs", fault=fault)
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert expected in job.summary_text
    # a 500 may have started a run: the POST is never repeated
    assert len(posts(sandbox, "/runs")) == 1


def test_bad_request_surfaces_the_servers_message(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    refusal = Fault.status(400, error="invalid_request", message="mode must be fast or deep")
    sandbox.faults.add(method="POST", path=f"/v1/tests/{test.test_id}/runs", fault=refusal)
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "mode must be fast or deep" in job.summary_text


def test_rate_limited_trigger_is_retried_once_allowed(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    sandbox.faults.add(
        method="POST",
        path=f"/v1/tests/{test.test_id}/runs",
        nth=[1],
        fault=Fault.rate_limited(retry_after=0),
    )
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id}))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert len(posts(sandbox, "/runs")) == 2


def test_run_not_visible_yet_after_trigger_is_retried(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    sandbox.faults.add(method="GET", path="/v1/runs/*", times=2, fault=Fault.status(404))
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id}))
    assert (job.code, job.outputs["result"]) == (0, "PASS")


def test_two_ways_to_name_runs_is_a_usage_error(sandbox: Any, tmp_path: Path) -> None:
    env = base_env(
        sandbox,
        **{
            "INPUT_TEST-ID": "3f2a9c1e-0000-4000-8000-000000000001",
            "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000002",
        },
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "set only one" in job.summary_text


def test_started_run_is_cancelled_at_the_deadline(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="slow")
    job = run_job(
        tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_TIMEOUT": "0.3"})
    )
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")
    assert len(posts(sandbox, "/cancel")) == 1
    assert sandbox.status(job.outputs["runId"]) == "cancelled"


def test_handed_run_is_not_cancelled_at_the_deadline_unless_asked(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = sandbox.create_run("slow")
    env = base_env(sandbox, **{"INPUT_RUN-ID": run_id, "INPUT_TIMEOUT": "0.3"})
    assert run_job(tmp_path, env).code == 3
    assert not posts(sandbox, "/cancel")
    asked = run_job(tmp_path / "asked", {**env, "INPUT_CANCEL-ON-TIMEOUT": "true"})
    assert asked.code == 3
    assert len(posts(sandbox, "/cancel")) == 1


def test_a_large_group_is_watched_through_the_list_and_cancelled_as_one_batch(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    project = "7e5a1c2b-0d3f-4a6b-9c8d-1e2f3a4b5c6d"
    group = sandbox.configure_group(scenarios=["slow"] * 25, project_id=project, history=0)
    env = base_env(
        sandbox,
        **{"INPUT_GROUP-ID": group.group_id, "INPUT_TIMEOUT": "3", "INPUT_POLL-INTERVAL": "0.5"},
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")
    run_ids = job.outputs["runId"].split(",")
    assert len(run_ids) == 25
    listings = [e for e in sandbox.requests if e.route == "/v1/runs"]
    assert listings
    assert {e.query["projectId"][0] for e in listings} == {project}
    assert {e.query["status"][0] for e in listings} == {"queued", "running"}
    gets = [e for e in sandbox.requests if e.method == "GET" and e.route != "/v1/runs"]
    assert len(gets) <= 2 * 25  # to learn each run's project, then the last look
    batch = job.outputs["batchId"]
    assert [e.route for e in posts(sandbox, "/cancel")] == [f"/v1/batches/{batch}/cancel"]
    assert {sandbox.status(r) for r in run_ids} == {"cancelled"}
    assert all(r["cancelRequested"] for r in job.report["runs"])


def test_wait_false_starts_hands_over_and_a_later_job_waits(sandbox: Any, tmp_path: Path) -> None:
    """Start now, gate later: the first job starts the run, sets runIds and exits 0 without
    polling or cancelling it; a second job waits for those ids and judges them."""
    test = sandbox.configure_test(scenario="issues-found")
    env = base_env(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_WAIT": "false"})
    first = run_job(tmp_path / "start", env)
    [post] = posts(sandbox, f"/tests/{test.test_id}/run")
    assert (first.code, first.outputs["result"], first.outputs["runCount"]) == (0, "STARTED", "1")
    handed = first.outputs["runIds"]
    assert handed == first.outputs["runId"]
    assert handed.encode() in post.response_body
    looked = [e for e in sandbox.requests if e.method == "GET" and handed in e.path]
    cancelled = [e for e in sandbox.requests if "cancel" in e.path]
    assert (looked, cancelled) == ([], [])
    assert "STARTED" in first.summary
    assert handed in first.summary
    later = run_job(tmp_path / "gate", base_env(sandbox, **{"INPUT_RUN-ID": handed}))
    assert (later.code, later.outputs["result"]) == (1, "FAILED")


def test_wait_false_without_runs_to_start_is_a_usage_error(sandbox: Any, tmp_path: Path) -> None:
    env = base_env(
        sandbox,
        **{"INPUT_RUN-ID": "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c", "INPUT_WAIT": "false"},
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "wait: false only hands over runs this step starts" in job.log
    assert sandbox.requests == []
