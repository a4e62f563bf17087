"""What the CI job is, read from the environment once, at the start, into one frozen value:
the platform (GitHub, GitLab or none), the workspace, the event, the pull (merge) request
the job runs for, the files the platform reads outputs from, the job's link, and the few
variables other layers need (settings, proxies and CAs, colour). Everything else takes this
value; nothing below reads the environment. Pure reading: no reporter, no request, nothing
written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

PlatformName = Literal["github", "gitlab", "other"]

#: Where settings come from: action inputs and our own variables.
SETTING_PREFIXES: Final = ("INPUT_", "TESTERARMY_")
#: Variables that decide how a request reaches its host (proxies, CA bundles).
NETWORK_VARIABLES: Final = frozenset(
    {
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
    }
)
#: The largest event file read (GitHub's own payloads stay far below it).
MAX_EVENT_BYTES: Final = 8 * 1024 * 1024
REPORT_DIR_NAME: Final = "testerarmy-reports"
DEPLOYMENT_EVENT: Final = "deployment_status"
#: GitHub events that name a commit but no pull request: its pull request is looked up.
LOOKUP_EVENTS: Final = (DEPLOYMENT_EVENT, "push")


@dataclass(frozen=True)
class ChangeRequest:
    """The pull (merge) request the job runs for, as far as the platform says: every field may
    be missing (a ``push`` event has none of them)."""

    number: int | None = None
    title: str | None = None
    description: str | None = None
    base_branch: str | None = None
    head_branch: str | None = None
    commit_sha: str | None = None

    def start_fields(self) -> dict[str, Any]:
        """The fields a pull-request run takes, by their API names (only those known)."""
        found = {
            "number": self.number,
            "title": self.title,
            "description": self.description,
            "baseBranch": self.base_branch,
            "headBranch": self.head_branch,
            "commitSha": self.commit_sha,
        }
        return {k: v for k, v in found.items() if v not in (None, "")}


@dataclass(frozen=True)
class GitHubJob:
    """A GitHub Actions job: ``GITHUB_*`` variables and the event file."""

    event_name: str = ""
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    event_problem: str | None = None  # why the event file could not be read, when it could not
    repository: str = ""  # owner/name
    sha: str = ""
    server_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    run_id: str = ""
    run_attempt: str = "1"
    workflow: str = ""
    workflow_ref: str = ""
    job: str = ""
    matrix: str = ""
    output_file: str = ""
    summary_file: str = ""

    @property
    def job_url(self) -> str | None:
        if not (self.run_id and self.repository):
            return None
        return (
            f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
            f"/attempts/{self.run_attempt}"
        )


@dataclass(frozen=True)
class GitLabJob:
    """A GitLab CI job: ``CI_*`` variables."""

    api_url: str = ""  # CI_API_V4_URL
    project_id: str = ""
    merge_request_iid: int | None = None
    job_url: str | None = None
    job_name: str = ""
    environment_url: str | None = None
    pipeline_id: str = ""  # CI_PIPELINE_ID: the same for a retried job
    job_id: str = ""  # CI_JOB_ID: new for a retried job


@dataclass(frozen=True)
class CIContext:
    """Everything the program takes from its environment, read once."""

    platform: PlatformName
    workspace: Path
    change: ChangeRequest = field(default_factory=ChangeRequest)
    github: GitHubJob | None = None
    gitlab: GitLabJob | None = None
    settings_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    network_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    no_color: bool = False
    dumb_terminal: bool = False
    temp_dir: str | None = None  # the runner's temporary directory (RUNNER_TEMP)

    @property
    def report_dir(self) -> Path:
        """Where reports go unless the settings say otherwise."""
        return self.workspace / REPORT_DIR_NAME

    @property
    def job_url(self) -> str | None:
        if self.github is not None:
            return self.github.job_url
        return None if self.gitlab is None else self.gitlab.job_url


def _text(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, "").strip() or default


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _positive(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() else None
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def read_event(path: str) -> tuple[dict[str, Any], str | None]:
    """GitHub's event file as a dict, and why it could not be read (None when it was, or when
    there is no path at all)."""
    if not path:
        return {}, None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
    except OSError as error:
        return {}, f"the event file {path} cannot be read ({error.strerror})"
    if len(raw) > MAX_EVENT_BYTES:
        return {}, f"the event file {path} is larger than {MAX_EVENT_BYTES // 2**20} MiB"
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, f"the event file {path} is not JSON"
    if not isinstance(event, dict):
        return {}, f"the event file {path} is not a JSON object"
    return event, None


def _pull_request_in(event: Mapping[str, Any]) -> ChangeRequest:
    pr = event.get("pull_request")
    if not isinstance(pr, dict):
        return ChangeRequest()
    base, head = pr.get("base"), pr.get("head")
    base = base if isinstance(base, dict) else {}
    head = head if isinstance(head, dict) else {}
    return ChangeRequest(
        number=_positive(pr.get("number")),
        title=_string(pr.get("title")),
        description=_string(pr.get("body")),
        base_branch=_string(base.get("ref")),
        head_branch=_string(head.get("ref")),
        commit_sha=_string(head.get("sha")),
    )


def _github(env: Mapping[str, str]) -> GitHubJob:
    event, problem = read_event(_text(env, "GITHUB_EVENT_PATH"))
    return GitHubJob(
        event_name=_text(env, "GITHUB_EVENT_NAME"),
        event=MappingProxyType(event),
        event_problem=problem,
        repository=_text(env, "GITHUB_REPOSITORY"),
        sha=_text(env, "GITHUB_SHA"),
        server_url=_text(env, "GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
        api_url=_text(env, "GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        run_id=_text(env, "GITHUB_RUN_ID"),
        run_attempt=_text(env, "GITHUB_RUN_ATTEMPT", "1"),
        workflow=env.get("GITHUB_WORKFLOW", ""),
        workflow_ref=_text(env, "GITHUB_WORKFLOW_REF"),
        job=env.get("GITHUB_JOB", ""),
        matrix=env.get("MATRIX", ""),
        output_file=_text(env, "GITHUB_OUTPUT"),
        summary_file=_text(env, "GITHUB_STEP_SUMMARY"),
    )


def _gitlab(env: Mapping[str, str]) -> GitLabJob:
    return GitLabJob(
        api_url=_text(env, "CI_API_V4_URL").rstrip("/"),
        project_id=_text(env, "CI_PROJECT_ID"),
        merge_request_iid=_positive(_text(env, "CI_MERGE_REQUEST_IID")),
        job_url=_text(env, "CI_JOB_URL") or None,
        job_name=env.get("CI_JOB_NAME", ""),
        environment_url=_text(env, "CI_ENVIRONMENT_URL") or None,
        pipeline_id=_text(env, "CI_PIPELINE_ID"),
        job_id=_text(env, "CI_JOB_ID"),
    )


def _merge_request(env: Mapping[str, str], gitlab: GitLabJob) -> ChangeRequest:
    if gitlab.merge_request_iid is None:
        return ChangeRequest()
    return ChangeRequest(
        number=gitlab.merge_request_iid,
        title=env.get("CI_MERGE_REQUEST_TITLE") or None,
        description=env.get("CI_MERGE_REQUEST_DESCRIPTION") or None,
        base_branch=env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or None,
        head_branch=env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or None,
        commit_sha=(
            env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None
        ),
    )


def _workspace(env: Mapping[str, str]) -> Path:
    for var in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = _text(env, var)
        if value:
            return Path(value)
    return Path.cwd()


def read_ci_context(env: Mapping[str, str]) -> CIContext:
    """The CI context of a process whose environment is ``env``."""
    github = _github(env) if _text(env, "GITHUB_ACTIONS") == "true" else None
    gitlab = _gitlab(env) if github is None and _text(env, "GITLAB_CI") else None
    platform: PlatformName = "github" if github else "gitlab" if gitlab else "other"
    if github is not None:
        change = _pull_request_in(github.event)
    elif gitlab is not None:
        change = _merge_request(env, gitlab)
    elif _text(env, "GITHUB_EVENT_PATH"):  # given by hand (docker run, a laptop)
        change = _pull_request_in(read_event(_text(env, "GITHUB_EVENT_PATH"))[0])
    else:  # the merge request's variables passed to a container by hand
        change = _merge_request(env, _gitlab(env))
    wanted = {k: v for k, v in env.items() if k.startswith(SETTING_PREFIXES)}
    network = {k: v for k, v in env.items() if k.upper() in NETWORK_VARIABLES}
    return CIContext(
        platform=platform,
        workspace=_workspace(env),
        change=change,
        github=github,
        gitlab=gitlab,
        settings_env=MappingProxyType(wanted),
        network_env=MappingProxyType(network),
        no_color=bool(env.get("NO_COLOR")),
        dumb_terminal=env.get("TERM") == "dumb",
        temp_dir=_text(env, "RUNNER_TEMP") or None,
    )
