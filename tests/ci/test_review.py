"""Telling the pull (merge) request, against a stateful fake of GitHub's and GitLab's API over
real HTTP: each ``comment`` mode, re-runs editing the same comment, matrix keys, pagination,
fork tokens, deleted comments, 429 and 5xx, check runs, and hostile text kept safe."""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.ci import github_api, gitlab_api
from testerarmy_wait.ci.forge import ForgeApi
from testerarmy_wait.ci.platform import platform_for
from testerarmy_wait.ci_context import read_ci_context
from testerarmy_wait.config import Settings, load_settings
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.verdict import Verdict
from tests.fakes.forge import FakeForge
from tests.report.factories import (
    checkout_run_data,
    checkout_verdict,
    hostile_verdict,
    huge_verdict,
    outcome,
    signup_run_data,
    verdict_of,
)
from tests.report.html_check import assert_safe, inspect, visible_text

REPO = "octo/shop"
PR = 42
KEY = "sk_test_review_key_123"


def passing_verdict() -> Verdict:
    return verdict_of(outcome(signup_run_data()))


def github_env(forge: FakeForge, tmp_path: Path, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": PR, "head": {"sha": "a" * 40}}}), encoding="utf-8"
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": forge.github_url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "777",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_WORKFLOW": "QA",
        "GITHUB_JOB": "qa",
        "INPUT_GITHUB-TOKEN": forge.state.github_token,
        **extra,
    }


def gitlab_env(forge: FakeForge, **extra: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_PROJECT_ID": "1234",
        "CI_API_V4_URL": forge.gitlab_url,
        "CI_JOB_NAME": "qa",
        "CI_JOB_URL": "https://gitlab.example/shop/-/jobs/99",
        "TESTERARMY_GITLAB_TOKEN": forge.state.gitlab_token,
        **extra,
    }


def settings_for(env: dict[str, str], *argv: str) -> Settings:
    return load_settings(
        ["--run-id", "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c", *argv],
        read_ci_context({"TESTERARMY_API_KEY": KEY, **env}),
    )


def run_tell(env: dict[str, str], verdict: Verdict, *argv: str) -> tuple[list[str], list[str]]:
    settings = settings_for(env, *argv)
    secrets = [KEY, *(v for k, v in env.items() if "TOKEN" in k)]
    platform = platform_for(read_ci_context(env))
    redactor = Redactor(secrets)
    linked = replace(verdict, links=platform.links(settings, redactor))  # as the command does
    return platform.publish_review(settings, linked, redactor)


def github_pr(env: dict[str, str], *, pr_number: int | None = None) -> github_api.PullRequest:
    context = read_ci_context(env)
    assert context.github is not None
    pr = github_api.pull_request_context(
        context.github, context.change, pr_number=pr_number, comment_key=None
    )
    assert pr is not None
    return pr


def gitlab_mr(env: dict[str, str]) -> gitlab_api.MergeRequest | None:
    context = read_ci_context({"GITLAB_CI": "true", **env})
    assert context.gitlab is not None
    return gitlab_api.merge_request_context(context.gitlab, comment_key=None)


def no_sleep_factory(slept: list[float]) -> Any:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return functools.partial(ForgeApi, sleep=sleep)


# ----------------------------------------------------------------------------- GitHub


def test_always_creates_one_comment_then_edits_it_on_every_rerun(
    forge: FakeForge, tmp_path: Path
) -> None:
    env = github_env(forge, tmp_path)
    done, warnings = run_tell(env, checkout_verdict())
    assert warnings == []
    assert done == [f"pull request #{PR}: comment created"]
    [first] = forge.comments(REPO, PR)
    assert "Checkout" in first.body
    for _ in range(2):
        done, warnings = run_tell(env, passing_verdict())
        assert (done, warnings) == ([f"pull request #{PR}: comment updated"], [])
    [again] = forge.comments(REPO, PR)
    assert again.id == first.id
    assert "Sign-up" in visible_text(again.body)
    assert "Checkout" not in visible_text(again.body)


def test_comment_has_the_headline_runs_blocking_issues_and_links_to_the_job(
    forge: FakeForge, tmp_path: Path
) -> None:
    run_tell(github_env(forge, tmp_path), checkout_verdict())
    [comment] = forge.comments(REPO, PR)
    doc = inspect(comment.body)
    assert comment.body.startswith("<!-- testerarmy-wait comment key=")
    assert "FAILED" in comment.body.split("\n", 2)[1]
    assert "https://github.example/octo/shop/actions/runs/777/attempts/2" in doc.links()
    assert "table" in doc.tags
    assert "details" in doc.tags


def test_on_failure_posts_nothing_for_a_pass(forge: FakeForge, tmp_path: Path) -> None:
    done, warnings = run_tell(
        github_env(forge, tmp_path), passing_verdict(), "--comment", "on-failure"
    )
    assert (done, warnings) == ([f"pull request #{PR}: comment left as it is (on-failure)"], [])
    assert forge.comments(REPO, PR) == []
    assert forge.writes() == []


def test_on_failure_turns_its_red_comment_green_when_the_job_passes_later(
    forge: FakeForge, tmp_path: Path
) -> None:
    env = github_env(forge, tmp_path)
    run_tell(env, checkout_verdict(), "--comment", "on-failure")
    [red] = forge.comments(REPO, PR)
    assert "FAILED" in red.body.split("\n", 2)[1]
    run_tell(env, passing_verdict(), "--comment", "on-failure")
    [green] = forge.comments(REPO, PR)
    assert green.id == red.id
    assert "PASS" in green.body.split("\n", 2)[1]


def test_on_change_edits_only_when_the_verdict_or_blocking_issues_change(
    forge: FakeForge, tmp_path: Path
) -> None:
    env = github_env(forge, tmp_path)
    run_tell(env, checkout_verdict(), "--comment", "on-change")
    done, _ = run_tell(env, checkout_verdict(), "--comment", "on-change")
    assert done == [f"pull request #{PR}: comment left as it is (on-change)"]
    assert [w.method for w in forge.writes()] == ["POST"]
    done, _ = run_tell(env, passing_verdict(), "--comment", "on-change")
    assert done == [f"pull request #{PR}: comment updated"]
    assert [w.method for w in forge.writes()] == ["POST", "PATCH"]


def test_off_posts_nothing_and_asks_nothing(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    assert run_tell(env, checkout_verdict(), "--comment", "off", "--check-run", "true") == ([], [])
    assert forge.requests == []


@pytest.mark.parametrize(
    ("event_name", "payload"),
    [
        ("push", {}),
        ("schedule", {}),
        ("workflow_dispatch", {}),
        ("issue_comment", {"issue": {"number": PR}}),  # no pr-number given
        ("workflow_run", {}),
    ],
)
def test_nothing_is_posted_outside_a_pull_request(
    forge: FakeForge, tmp_path: Path, event_name: str, payload: dict[str, Any]
) -> None:
    event = tmp_path / "other.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    env = github_env(forge, tmp_path, GITHUB_EVENT_NAME=event_name, GITHUB_EVENT_PATH=str(event))
    assert run_tell(env, checkout_verdict()) == ([], [])
    assert forge.requests == []


def test_workflow_run_event_comments_when_the_pr_number_is_given(
    forge: FakeForge, tmp_path: Path
) -> None:
    env = github_env(forge, tmp_path, GITHUB_EVENT_NAME="workflow_run")
    done, _ = run_tell(env, checkout_verdict(), "--pr-number", "9", "--pr-title", "t")
    assert done == ["pull request #9: comment created"]
    assert len(forge.comments(REPO, 9)) == 1


def test_matrix_jobs_keep_one_comment_each(forge: FakeForge, tmp_path: Path) -> None:
    for browser in ("chromium", "webkit", "chromium"):
        env = github_env(forge, tmp_path, MATRIX=json.dumps({"browser": browser}))
        run_tell(env, checkout_verdict())
    assert len(forge.comments(REPO, PR)) == 2
    other_job = github_env(forge, tmp_path, GITHUB_JOB="smoke")
    run_tell(other_job, checkout_verdict())
    assert len(forge.comments(REPO, PR)) == 3


def test_comment_key_setting_chooses_the_comment(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    run_tell(env, checkout_verdict(), "--comment-key", "nightly")
    run_tell(
        github_env(forge, tmp_path, GITHUB_JOB="other"),
        passing_verdict(),
        "--comment-key",
        "nightly",
    )
    [comment] = forge.comments(REPO, PR)
    assert "Sign-up" in visible_text(comment.body)


def test_our_comment_is_found_past_the_first_pages(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    forge.seed_comments(REPO, PR, [f"review comment {n}" for n in range(230)])
    run_tell(env, checkout_verdict())
    forge.seed_comments(REPO, PR, [f"later comment {n}" for n in range(120)])
    done, _ = run_tell(env, passing_verdict())
    assert done == [f"pull request #{PR}: comment updated"]
    ours = [c for c in forge.comments(REPO, PR) if c.body.startswith("<!-- testerarmy-wait")]
    assert len(ours) == 1
    listed = [r for r in forge.requests if r.method == "GET" and r.path.endswith("/comments")]
    assert [r.query["page"] for r in listed][-3:] == ["1", "2", "3"]


def test_someone_elses_marker_for_another_key_is_left_alone(
    forge: FakeForge, tmp_path: Path
) -> None:
    forge.seed_comments(
        REPO, PR, [f"<!-- testerarmy-wait comment key={'f' * 16} state={'0' * 16} -->\nother"]
    )
    run_tell(github_env(forge, tmp_path), checkout_verdict())
    bodies = [c.body for c in forge.comments(REPO, PR)]
    assert len(bodies) == 2
    assert bodies[0].endswith("other")


def test_a_deleted_comment_is_written_anew(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    run_tell(env, checkout_verdict())
    [first] = forge.comments(REPO, PR)
    # Deleted between our look and our edit: the edit answers 404.
    forge.fail_next("PATCH", rf"/issues/comments/{first.id}$", 404)
    done, warnings = run_tell(env, passing_verdict())
    assert (done, warnings) == ([f"pull request #{PR}: comment created"], [])
    assert len(forge.comments(REPO, PR)) == 2


def test_a_fork_token_is_one_warning_that_says_why(forge: FakeForge, tmp_path: Path) -> None:
    forge.state.read_only = True
    done, warnings = run_tell(github_env(forge, tmp_path), checkout_verdict())
    assert done == []
    [warning] = warnings
    assert "HTTP 403" in warning
    assert "fork" in warning
    assert "pull-requests: write" in warning
    assert "\n" not in warning


def test_a_bad_token_is_one_warning(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path, **{"INPUT_GITHUB-TOKEN": "ghs_wrong-token-value"})
    done, warnings = run_tell(env, checkout_verdict())
    assert done == []
    assert len(warnings) == 1
    assert "HTTP 401" in warnings[0]
    assert "ghs_wrong-token-value" not in warnings[0]


def test_no_token_is_one_warning_and_no_request(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    del env["INPUT_GITHUB-TOKEN"]
    done, warnings = run_tell(env, checkout_verdict())
    assert done == []
    assert len(warnings) == 1
    assert "github-token" in warnings[0]
    assert forge.requests == []


def publish(
    forge: FakeForge, tmp_path: Path, verdict: Verdict, slept: list[float], **kwargs: Any
) -> tuple[list[str], list[str]]:
    pr = github_pr(github_env(forge, tmp_path))
    options: dict[str, Any] = {"mode": "always", "check_run": False, **kwargs}
    return asyncio.run(
        github_api.publish(
            pr,
            token=forge.state.github_token,
            verdict=verdict,
            redactor=Redactor([forge.state.github_token]),
            route=None,
            api_factory=no_sleep_factory(slept),
            **options,
        )
    )


def test_429_is_retried_after_retry_after_even_for_a_create(
    forge: FakeForge, tmp_path: Path
) -> None:
    slept: list[float] = []
    forge.fail_next("GET", "/comments$", 429, headers={"Retry-After": "3"})
    forge.fail_next("POST", "/comments$", 429, headers={"Retry-After": "2"})
    done, warnings = publish(forge, tmp_path, checkout_verdict(), slept)
    assert (done, warnings) == ([f"pull request #{PR}: comment created"], [])
    assert slept[0] >= 3
    assert slept[1] >= 2
    assert len(forge.comments(REPO, PR)) == 1


def test_5xx_on_a_read_is_retried_but_a_create_is_not_repeated(
    forge: FakeForge, tmp_path: Path
) -> None:
    slept: list[float] = []
    forge.fail_next("GET", "/comments$", 502, times=2)
    forge.fail_next("POST", "/comments$", 500)  # it may have been written: never post twice
    done, warnings = publish(forge, tmp_path, checkout_verdict(), slept)
    assert done == []
    assert len(slept) == 2
    [warning] = warnings
    assert "HTTP 500" in warning
    assert [(r.method, r.path.rsplit("/", 1)[1]) for r in forge.requests] == [
        ("GET", "user"),
        ("GET", "comments"),
        ("GET", "comments"),
        ("GET", "comments"),
        ("POST", "comments"),
    ]


def test_retry_after_past_the_budget_gives_up_with_a_warning(
    forge: FakeForge, tmp_path: Path
) -> None:
    slept: list[float] = []
    forge.fail_next("GET", "/comments$", 429, headers={"Retry-After": "3600"})
    done, warnings = publish(forge, tmp_path, checkout_verdict(), slept)
    assert done == []
    assert slept == []
    assert len(warnings) == 1
    assert "HTTP 429" in warnings[0]


def test_check_run_carries_every_issue_in_batches_of_50(forge: FakeForge, tmp_path: Path) -> None:
    verdict = huge_verdict()
    issues = sum(len(r.issues) for r in verdict.runs)
    assert issues > 100
    done, warnings = publish(forge, tmp_path, verdict, [], mode="off", check_run=True)
    assert warnings == []
    [check] = forge.check_runs
    assert len(check.annotations) == issues
    assert check.requests == -(-issues // 50)
    assert check.fields["conclusion"] == "failure"
    assert check.fields["head_sha"] == "a" * 40
    assert check.fields["name"].startswith("tester.army: ")
    assert done[-1].endswith(f"{issues} annotations")


def test_check_run_conclusion_follows_the_verdict(forge: FakeForge, tmp_path: Path) -> None:
    env = github_env(forge, tmp_path)
    run_tell(env, passing_verdict(), "--check-run", "true")
    run_tell(env, checkout_verdict(), "--check-run", "true")
    assert [c.fields["conclusion"] for c in forge.check_runs] == ["success", "failure"]
    assert forge.check_runs[0].fields["name"] == "tester.army: Sign-up"


def test_hostile_text_stays_text_in_the_comment_and_the_check_run(
    forge: FakeForge, tmp_path: Path
) -> None:
    run_tell(github_env(forge, tmp_path), hostile_verdict(), "--check-run", "true")
    [comment] = forge.comments(REPO, PR)
    assert_safe(comment.body.split("\n", 1)[1])
    assert "@" not in inspect(comment.body).text  # every @ is broken up: no mention pings
    [check] = forge.check_runs
    assert_safe(check.fields["output"]["summary"])


def test_a_huge_report_fits_githubs_limit_and_says_what_it_left_out(
    forge: FakeForge, tmp_path: Path
) -> None:
    run_tell(github_env(forge, tmp_path), huge_verdict())
    [comment] = forge.comments(REPO, PR)
    assert len(comment.body) <= 65_536
    assert len(comment.body.encode()) <= 60_000
    assert "more." in visible_text(comment.body)  # says how many issues it left out
    assert_safe(comment.body.split("\n", 1)[1])


def test_tokens_never_reach_the_comment_the_check_run_or_the_warnings(
    forge: FakeForge, tmp_path: Path
) -> None:
    token = forge.state.github_token
    data = checkout_run_data()  # a failing run: its description and issues are shown
    data["output"]["description"] = f"leak {token} {KEY}"
    data["output"]["issues"][0]["name"] = f"issue naming {token}"
    data["output"]["issues"][0]["description"] = f"issue text with {KEY}"
    verdict = verdict_of(outcome(data))
    done, warnings = run_tell(github_env(forge, tmp_path), verdict, "--check-run", "true")
    [comment] = forge.comments(REPO, PR)
    [check] = forge.check_runs
    shown = visible_text(comment.body)
    assert "leak *** ***" in shown
    assert "issue naming ***" in shown
    sent = json.dumps([comment.body, check.fields, check.annotations])
    assert "issue naming ***" in sent
    for secret in (token, KEY):
        assert secret not in sent
        assert secret.replace("_", "&#95;") not in sent
    forge.fail_next("POST", "/check-runs$", 500)
    done, warnings = run_tell(github_env(forge, tmp_path), verdict, "--check-run", "true")
    assert len(warnings) == 1
    assert all(token not in line and KEY not in line for line in done + warnings)


def test_the_api_url_comes_from_github_api_url(forge: FakeForge, tmp_path: Path) -> None:
    """GitHub Enterprise Server: the same requests under its own base path."""
    env = github_env(forge, tmp_path)
    run_tell(env, checkout_verdict())
    assert {r.path for r in forge.requests} == {
        "/github/user",
        "/github/repos/octo/shop/issues/42/comments",
    }
    assert all(r.headers["x-github-api-version"] == "2022-11-28" for r in forge.requests)


# ----------------------------------------------------------------------------- GitLab


def test_gitlab_note_is_created_then_edited(forge: FakeForge) -> None:
    env = gitlab_env(forge)
    assert run_tell(env, checkout_verdict()) == (["merge request !7: note created"], [])
    assert run_tell(env, passing_verdict()) == (["merge request !7: note updated"], [])
    [note] = forge.notes("1234", 7)
    assert "Sign-up" in visible_text(note.body)
    assert "https://gitlab.example/shop/-/jobs/99" in inspect(note.body).links()


def test_gitlab_modes_follow_the_same_rules(forge: FakeForge) -> None:
    env = gitlab_env(forge)
    assert run_tell(env, passing_verdict(), "--comment", "on-failure")[0] == [
        "merge request !7: note left as it is (on-failure)"
    ]
    run_tell(env, checkout_verdict(), "--comment", "on-change")
    assert run_tell(env, checkout_verdict(), "--comment", "on-change")[0] == [
        "merge request !7: note left as it is (on-change)"
    ]
    assert len(forge.notes("1234", 7)) == 1


def test_gitlab_without_a_token_says_so_once_and_posts_nothing(forge: FakeForge) -> None:
    env = gitlab_env(forge)
    del env["TESTERARMY_GITLAB_TOKEN"]
    done, warnings = run_tell(env, checkout_verdict())
    assert warnings == []
    assert len(done) == 1
    assert "TESTERARMY_GITLAB_TOKEN" in done[0]
    assert forge.requests == []


def test_gitlab_outside_a_merge_request_posts_nothing(forge: FakeForge) -> None:
    env = gitlab_env(forge)
    del env["CI_MERGE_REQUEST_IID"]
    assert run_tell(env, checkout_verdict()) == ([], [])
    assert forge.requests == []


def test_gitlab_rejected_token_is_one_warning(forge: FakeForge) -> None:
    env = gitlab_env(forge, TESTERARMY_GITLAB_TOKEN="glpat-not-the-right-one")
    done, warnings = run_tell(env, checkout_verdict())
    assert done == []
    assert len(warnings) == 1
    assert "HTTP 401" in warnings[0]
    assert "api scope" in warnings[0]
    assert "glpat-not-the-right-one" not in warnings[0]


def test_gitlab_note_found_past_the_first_page(forge: FakeForge) -> None:
    env = gitlab_env(forge)
    forge.state.notes[("1234", 7)] = []
    run_tell(env, checkout_verdict())
    ours = forge.notes("1234", 7)[0]
    forge.state.notes[("1234", 7)][:0] = [
        type(ours)(id=n, body=f"note {n}", author="someone") for n in range(1, 151)
    ]
    assert run_tell(env, passing_verdict())[0] == ["merge request !7: note updated"]
    assert len(forge.notes("1234", 7)) == 151


def test_gitlab_context_needs_the_merge_request_project_and_api() -> None:
    base = {"CI_MERGE_REQUEST_IID": "3", "CI_PROJECT_ID": "9", "CI_API_V4_URL": "https://g/api/v4"}
    assert gitlab_mr(base) is not None
    for missing in base:
        env = {k: v for k, v in base.items() if k != missing}
        assert gitlab_mr(env) is None
    assert gitlab_mr({**base, "CI_MERGE_REQUEST_IID": "x"}) is None
    assert gitlab_mr({**base, "CI_MERGE_REQUEST_IID": "0"}) is None
