"""The whole step on preview deployments, over real HTTP: GitHub ``deployment_status``
events (skips, the URL and commit from the event, the pull request found by its commit and
its sticky comment), the readiness gate against a warming loopback deployment, and GitLab
review apps."""

from __future__ import annotations

import contextlib
import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.fakes.forge import FakeForge
from tests.integration.cli_run import JobResult, run_job

REPO = "octo/shop"
SHA = "d" * 40


class Preview(BaseHTTPRequestHandler):
    """A preview deployment: ``unready`` requests answered 503 first, then 200."""

    unready: ClassVar[int] = 0
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        status = 503 if len(type(self).seen) <= type(self).unready else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[Preview], *, unready: int = 0) -> Iterator[str]:
    """A loopback preview deployment, answering 503 to its first ``unready`` requests."""
    handler.unready, handler.seen = unready, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def preview() -> Iterator[str]:
    with serving(Preview) as url:
        yield url


def deployment_event(tmp_path: Path, state: str, url: str, environment: str = "Preview") -> str:
    path = tmp_path / f"event-{state}.json"
    path.write_text(
        json.dumps(
            {
                "deployment_status": {
                    "state": state,
                    "environment": environment,
                    "environment_url": url,
                    "target_url": "https://vercel.example/logs",
                },
                "deployment": {"sha": SHA, "ref": "fix-cart", "environment": environment},
            }
        ),
        encoding="utf-8",
    )
    return str(path)


def github_env(sandbox: Any, forge: FakeForge, event: str, **extra: str) -> dict[str, str]:
    return {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_TIMEOUT": "60",
        "GITHUB_EVENT_NAME": "deployment_status",
        "GITHUB_EVENT_PATH": event,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_SHA": "0" * 40,
        "INPUT_GITHUB-TOKEN": forge.state.github_token,
        **extra,
    }


def pull_request_posts(sandbox: Any) -> list[Any]:
    return [e for e in sandbox.requests if e.method == "POST" and "pull-request-runs" in e.path]


@pytest.mark.parametrize("state", ["pending", "in_progress", "failure", "error", "inactive"])
def test_a_deployment_that_is_not_a_success_is_skipped_and_passes(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str, state: str
) -> None:
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, state, preview),
        **{"INPUT_PROJECT-ID": "p-1", "INPUT_FAIL-ON": "FAILED,SKIPPED"},
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"], job.outputs["exitCode"]) == (0, "SKIPPED", "0")
    assert f"is '{state}', not success" in job.log
    assert "SKIPPED" in job.summary
    assert (sandbox.requests, Preview.seen, forge.state.requests) == ([], [], [])
    assert (tmp_path / "workspace" / "testerarmy-reports" / "testerarmy-wait.json").exists()


def test_an_environment_not_chosen_is_skipped(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str
) -> None:
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, "success", preview, environment="Production"),
        **{"INPUT_PROJECT-ID": "p-1", "INPUT_DEPLOYMENT-ENVIRONMENT": "Preview*"},
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (0, "SKIPPED")
    assert "'Production' is not one deployment-environment chooses" in job.log
    assert sandbox.requests == []


def test_a_successful_preview_is_tested_on_the_pull_request_found_for_its_commit(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str
) -> None:
    project = sandbox.configure_project(scenario="issues-found")
    forge.seed_commit_pulls(
        REPO,
        SHA,
        [
            {
                "number": 3,
                "state": "open",
                "title": "Old",
                "head": {"sha": "e" * 40, "ref": "x"},
                "base": {"ref": "main"},
                "updated_at": "2026-11-30T10:00:00Z",
            },
            {
                "number": 7,
                "state": "open",
                "title": "Fix the cart",
                "body": "Totals.",
                "head": {"sha": SHA, "ref": "fix-cart"},
                "base": {"ref": "main"},
                "updated_at": "2026-11-01T10:00:00Z",
            },
        ],
    )
    Preview.unready = 2  # the preview warms up: two 503s, then 200
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, "success", preview),
        **{"INPUT_PROJECT-ID": project.project_id},
    )
    job = run_job(tmp_path, env)
    [post] = pull_request_posts(sandbox)
    assert post.request_json["targetUrl"] == preview
    assert post.request_json["pullRequest"] == {
        "number": 7,
        "title": "Fix the cart",
        "description": "Totals.",
        "baseBranch": "main",
        "headBranch": "fix-cart",
        "commitSha": SHA,
    }
    assert job.outputs["result"] == "FAILED"
    assert "pull request #7 (its head is the commit among 2 open pull requests)" in job.log
    assert f"the deployment at {preview} answered 200 after 3 probes" in html.unescape(job.summary)
    assert len(Preview.seen) == 3
    assert not any("Authorization" in h or "authorization" in h for h in Preview.seen)
    [comment] = forge.state.comments[(REPO, 7)]
    assert "tester.army" in comment.body


def test_a_preview_that_never_answers_is_an_error_and_starts_nothing(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str
) -> None:
    project = sandbox.configure_project(scenario="passes")
    Preview.unready = 10**6
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, "success", preview),
        **{
            "INPUT_PROJECT-ID": project.project_id,
            "INPUT_READY-TIMEOUT": "2s",
            "INPUT_PR-NUMBER": "7",
            "INPUT_PR-TITLE": "t",
            "INPUT_COMMENT": "off",
        },
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert f"the deployment at {preview} did not answer 2xx/3xx in 2.0s: last 503" in job.log
    assert pull_request_posts(sandbox) == []
    assert job.outputs["exitCode"] == "4"


def test_a_pull_request_run_without_a_pull_request_names_pr_number(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str
) -> None:
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, "success", preview),
        **{"INPUT_PROJECT-ID": "p-1"},
    )
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "no open pull request holds commit dddddddddddd" in job.log
    assert "pr-number: missing for the pull-request run" in job.log
    assert sandbox.requests == []


def test_github_refusing_the_lookup_is_one_warning_and_a_test_run_goes_on(
    sandbox: Any, forge: FakeForge, tmp_path: Path, preview: str
) -> None:
    test = sandbox.configure_test(scenario="passes")
    forge.fail_next("GET", r"/commits/.*/pulls$", 403, message="Resource not accessible")
    env = github_env(
        sandbox,
        forge,
        deployment_event(tmp_path, "success", preview),
        **{"INPUT_TEST-ID": test.test_id},
    )
    job: JobResult = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    warnings = [line for line in job.log.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1
    assert "could not find the pull request of commit dddddddddddd" in warnings[0]
    assert "pull-requests: read" in warnings[0]
    assert forge.state.comments == {}


def test_a_gitlab_review_app_is_tested_at_its_environment_url(
    sandbox: Any, tmp_path: Path, preview: str
) -> None:
    group = sandbox.configure_group(scenarios=("passes",))
    env = {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_GROUP-ID": group.group_id,
        "GITLAB_CI": "true",
        "CI_ENVIRONMENT_URL": preview,
    }
    job = run_job(tmp_path, env, github=False)
    [post] = [e for e in sandbox.requests if e.method == "POST" and "/groups/" in e.path]
    assert post.request_json["targetUrl"] == preview
    assert job.code == 0
    assert f"testing the review app at {preview}" in job.log
    assert len(Preview.seen) == 1


def test_a_review_app_url_pointing_at_metadata_is_refused(sandbox: Any, tmp_path: Path) -> None:
    env = {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_GROUP-ID": "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c",
        "GITLAB_CI": "true",
        "CI_ENVIRONMENT_URL": "http://169.254.169.254/latest/meta-data/",
    }
    job = run_job(tmp_path, env, github=False)
    assert job.code == 2
    assert "link-local or cloud-metadata" in job.log
    assert sandbox.requests == []
