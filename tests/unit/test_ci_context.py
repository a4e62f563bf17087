"""The CI context: the environment read once into a frozen value."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from testerarmy_wait.ci_context import MAX_EVENT_BYTES, read_ci_context, read_event


def event_file(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("env", "platform"),
    [
        ({"GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}, "github"),
        ({"GITLAB_CI": "true"}, "gitlab"),
        ({"GITHUB_ACTIONS": "false"}, "other"),
        ({}, "other"),
    ],
)
def test_the_platform_is_named_once(env: dict[str, str], platform: str) -> None:
    context = read_ci_context(env)
    assert context.platform == platform
    assert (context.github is not None, context.gitlab is not None) == (
        platform == "github",
        platform == "gitlab",
    )


def test_the_context_is_frozen_and_keeps_only_what_later_layers_need(tmp_path: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_RUN-ID": "x",
        "TESTERARMY_TIMEOUT": "5",
        "HTTPS_PROXY": "http://proxy:3128",
        "HOME": "/root",
        "AWS_SECRET_ACCESS_KEY": "not ours",
    }
    context = read_ci_context(env)
    assert dict(context.settings_env) == {"INPUT_RUN-ID": "x", "TESTERARMY_TIMEOUT": "5"}
    assert dict(context.network_env) == {"HTTPS_PROXY": "http://proxy:3128"}
    assert context.workspace == tmp_path
    assert context.report_dir == tmp_path / "testerarmy-reports"
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.platform = "gitlab"  # type: ignore[misc]
    env["INPUT_RUN-ID"] = "changed later"
    assert context.settings_env["INPUT_RUN-ID"] == "x"


def test_a_github_pull_request_comes_from_the_event_file(tmp_path: Path) -> None:
    path = event_file(
        tmp_path,
        {
            "pull_request": {
                "number": 12,
                "title": "Fix cart",
                "body": "",
                "base": {"ref": "main"},
                "head": {"ref": "fix", "sha": "abc"},
            }
        },
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_PATH": path,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_RUN_ID": "77",
        "GITHUB_RUN_ATTEMPT": "2",
    }
    context = read_ci_context(env)
    assert context.change.start_fields() == {
        "number": 12,
        "title": "Fix cart",
        "baseBranch": "main",
        "headBranch": "fix",
        "commitSha": "abc",
    }
    assert context.job_url == "https://github.com/octo/shop/actions/runs/77/attempts/2"
    assert context.github is not None
    assert context.github.event_problem is None


@pytest.mark.parametrize(
    ("number", "kept"), [(12, 12), (0, None), (-3, None), (True, None), ("12", 12), (2**40, None)]
)
def test_a_pull_request_number_is_judged(tmp_path: Path, number: object, kept: int | None) -> None:
    path = event_file(tmp_path, {"pull_request": {"number": number}})
    context = read_ci_context({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": path})
    assert context.change.number == kept


def test_an_unreadable_event_file_is_said_once_and_names_nothing_else(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    assert (
        read_event(missing)[1]
        == f"the event file {missing} cannot be read (No such file or directory)"
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert read_event(str(broken)) == ({}, f"the event file {broken} is not JSON")
    listed = event_file(tmp_path, [1, 2])
    assert read_event(listed)[1] == f"the event file {listed} is not a JSON object"
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (MAX_EVENT_BYTES + 1))
    assert "larger than" in str(read_event(str(huge))[1])
    context = read_ci_context({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(broken)})
    assert context.change.start_fields() == {}
    assert context.github is not None
    assert context.github.event_problem == f"the event file {broken} is not JSON"


def test_a_gitlab_merge_request_comes_from_its_variables() -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "9",
        "CI_MERGE_REQUEST_TITLE": "MR",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": "",
        "CI_COMMIT_SHA": "cafe",
        "CI_JOB_URL": "https://gitlab.example/-/jobs/1",
        "CI_ENVIRONMENT_URL": "https://review.example",
    }
    context = read_ci_context(env)
    assert context.change.start_fields() == {"number": 9, "title": "MR", "commitSha": "cafe"}
    assert context.job_url == "https://gitlab.example/-/jobs/1"
    assert context.gitlab is not None
    assert context.gitlab.environment_url == "https://review.example"
    # iid 0 is no merge request, the same everywhere it is read
    zero = read_ci_context({**env, "CI_MERGE_REQUEST_IID": "0"})
    assert zero.change.number is None
    assert zero.gitlab is not None
    assert zero.gitlab.merge_request_iid is None


def test_colour_is_decided_from_no_color_and_term() -> None:
    assert read_ci_context({"NO_COLOR": "1"}).no_color
    assert read_ci_context({"TERM": "dumb"}).dumb_terminal
    plain = read_ci_context({})
    assert not plain.no_color
    assert not plain.dumb_terminal
