"""Every setting of the program, declared once: ``Inputs`` has one field per setting, with
its type (``Literal`` for modes), its default and, through ``setting``, how it is read (the
parser that judges its text), whether it is a secret, and its help. The action input
(``fail-on``), the flag (``--fail-on``) and the variable (``TESTERARMY_FAIL_ON``) follow from
the field's name (``fail_on``). ``config`` reads them; nothing here reads anything.

A frozen dataclass, not a pydantic model: importing pydantic costs about 50 ms before the
first request (``bench/startup.py``), and the parsers already judge every value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from testerarmy_wait.ci_context import REPORT_DIR_NAME
from testerarmy_wait.parsers import (
    DEFAULT_API_URL,
    DEFAULT_READY_STATUS,
    DEFAULT_READY_TIMEOUT_S,
    StatusRanges,
    choice,
    duration_up_to,
    parse_api_key,
    parse_api_url,
    parse_bool,
    parse_duration,
    parse_environment_patterns,
    parse_fail_on,
    parse_http_url,
    parse_path,
    parse_positive_int,
    parse_ready_header,
    parse_ready_status,
    parse_ready_timeout,
    parse_remove_after,
    parse_retries,
    parse_run_ids,
    parse_run_url,
    parse_severity,
    parse_text,
    parse_uuid,
    parse_webhook_url,
)
from testerarmy_wait.policy import CommentMode, Policy, Result


@dataclass(frozen=True)
class Declared:
    """How one setting is read and shown, beside its field in ``Inputs``."""

    help: str
    parse: Callable[[str, str], Any] = parse_text
    metavar: str = "VALUE"
    secret: bool = False  # masked, and never a flag: secrets must never be on argv
    repeatable: bool = False  # the flag may be given more than once (values joined)
    action_input: bool = True  # an input of the GitHub action (GitLab-only settings are not)


def setting(
    default: Any,
    help: str,
    parse: Callable[[str, str], Any] = parse_text,
    metavar: str = "VALUE",
    *,
    secret: bool = False,
    repeatable: bool = False,
    action_input: bool = True,
) -> Any:
    """One field of ``Inputs``: its default, and how it is read and shown."""
    declared = Declared(help, parse, metavar, secret, repeatable, action_input)
    return field(default=default, repr=not secret, metadata={"setting": declared})


def one_of(modes: Any) -> Callable[[str, str], str]:
    """The parser for a ``Literal`` type's values."""
    return choice(*get_args(modes))


Mode = Literal["fast", "deep"]
RetryOn = Literal["infra", "failed"]
FlakyPolicy = Literal["pass", "fail"]
AppPlatform = Literal["web", "ios", "android"]
DeviceModel = Literal["iphone", "ipad"]
GroupEnvironment = Literal["production", "staging", "preview", "custom"]


@dataclass(frozen=True)
class Inputs:
    """Every setting, declared once: its type, its default, and (in ``setting``) its parser,
    help and whether it is a secret. The field ``fail_on`` is the action input ``fail-on``,
    the flag ``--fail-on`` and the variable ``TESTERARMY_FAIL_ON``."""

    run_id: tuple[str, ...] = setting(
        (),
        "run id(s) to wait for; repeat, or separate by comma/space/newline",
        parse_run_ids,
        "ID",
        repeatable=True,
    )
    api_key: str | None = setting(
        None,
        "API key (starts with sk_); read from the environment only",
        parse_api_key,
        secret=True,
    )
    api_url: str | None = setting(
        None, f"API base URL (default {DEFAULT_API_URL})", parse_api_url, "URL"
    )
    timeout: float = setting(
        30 * 60.0,
        "deadline for the whole wait: seconds, or 90s / 30m / 1h (default 30m)",
        parse_duration,
    )
    poll_interval: float = setting(
        10.0,
        "seconds between polls of a running run (default 10; at least 1)",
        duration_up_to(3600),
        "SECONDS",
    )
    request_timeout: float = setting(
        30.0, "seconds before one HTTP request is abandoned (default 30)", duration_up_to(600)
    )
    fail_on: frozenset[Result] = setting(
        Policy().fail_on,
        "results that fail the job: FAILED,SKIPPED,CANCELLED or none "
        "(default FAILED,CANCELLED; ERROR and TIMEOUT always fail)",
        parse_fail_on,
        "LIST",
    )
    min_severity: int = setting(
        Policy().min_severity,
        "issues below this severity (1-5) are reported but do not fail (default 1)",
        parse_severity,
        "N",
    )
    run_url: str | None = setting(
        None,
        "link template for a run, with {id}, e.g. https://app.example/runs/{id}",
        parse_run_url,
        "TEMPLATE",
    )
    report_dir: Path = setting(
        Path(REPORT_DIR_NAME),
        f"where reports are written (default <workspace>/{REPORT_DIR_NAME})",
        parse_path,
        "DIR",
    )
    junit_path: Path | None = setting(
        None,
        "where the JUnit XML report goes (default <report-dir>/testerarmy-wait.junit.xml)",
        parse_path,
        "PATH",
    )
    baseline: Path | None = setting(
        None,
        "baseline file of known issues, relative to the workspace (default "
        ".testerarmy-baseline.json when it exists); its issues are reported, never blocking",
        parse_path,
        "PATH",
    )
    # Starting runs instead of being handed them (one way per invocation).
    test_id: str | None = setting(
        None, "start a run of this saved test, then wait for it", parse_uuid, "ID"
    )
    group_id: str | None = setting(
        None, "start every test of this group, then wait for all runs", parse_uuid, "ID"
    )
    project_id: str | None = setting(
        None, "start a pull-request run of this project (needs target-url)", metavar="ID"
    )
    group_webhook_url: tuple[str, str, str] | None = setting(
        None,
        "start a group through its webhook URL (the URL holds a secret)",
        parse_webhook_url,
        secret=True,
    )
    mode: Mode | None = setting(None, "test runs: fast or deep", one_of(Mode))
    platform: AppPlatform | None = setting(None, "web, ios or android", one_of(AppPlatform))
    device_model: DeviceModel | None = setting(
        None, "iphone or ipad (iOS only)", one_of(DeviceModel)
    )
    environment_id: str | None = setting(
        None, "test runs: project environment id", parse_uuid, "ID"
    )
    target_url: str | None = setting(
        None,
        "group and pull-request runs: the URL of the deployment to test",
        parse_http_url,
        "URL",
    )
    environment: GroupEnvironment | None = setting(
        None, "group runs: production, staging, preview or custom", one_of(GroupEnvironment)
    )
    commit_sha: str | None = setting(
        None, "group and pull-request runs: the commit under test", metavar="SHA"
    )
    pr_number: int | None = setting(
        None, "the pull request number (default: from the CI event)", parse_positive_int, "N"
    )
    pr_title: str | None = setting(
        None, "the pull request title (default: from the CI event)", metavar="TEXT"
    )
    pr_description: str | None = setting(
        None, "the pull request description (default: from the event)", metavar="TEXT"
    )
    base_branch: str | None = setting(
        None, "the pull request base branch (default: from the CI event)", metavar="NAME"
    )
    head_branch: str | None = setting(
        None, "the pull request head branch (default: from the CI event)", metavar="NAME"
    )
    cancel_on_timeout: bool | None = setting(
        None,
        "cancel unfinished runs at the deadline (default: true for runs this step started, "
        "false for runs it was handed)",
        parse_bool,
        "BOOL",
    )
    # Telling the pull (merge) request.
    comment: CommentMode = setting(
        "always",
        "post the verdict on the pull/merge request: always, on-failure, on-change or off "
        "(default always; only in pull/merge request pipelines)",
        one_of(CommentMode),
        "MODE",
    )
    comment_key: str | None = setting(
        None,
        "what tells this job's comment apart from others' (default: workflow, job and matrix "
        "values; on GitLab the job name)",
        metavar="KEY",
    )
    check_run: bool = setting(
        False,
        "also create a GitHub check run carrying every issue as an annotation (default false)",
        parse_bool,
        "BOOL",
    )
    github_token: str | None = setting(
        None,
        "GitHub token for the pull request comment and the check run (the action passes the "
        "job's token)",
        parse_api_key,
        secret=True,
    )
    gitlab_token: str | None = setting(
        None,
        "GitLab token with api scope for the merge request note (a masked CI/CD variable)",
        parse_api_key,
        secret=True,
        action_input=False,
    )
    # The mobile build under test.
    app_path: str | None = setting(
        None,
        "a build to upload and test: .apk, .aab, .ipa or .zip, or an .app directory (zipped); "
        "uploaded to project-id",
        metavar="PATH",
    )
    app_id: str | None = setting(
        None, "an app uploaded before, to test (not deleted afterwards)", parse_uuid, "ID"
    )
    remove_after: int = setting(
        3600,
        "seconds tester.army keeps an uploaded app, 60-604800, 0 to keep it (default 3600)",
        parse_remove_after,
        "SECONDS",
    )
    delete_app: bool = setting(
        True,
        "delete the app this step uploaded once the runs end, on every path (default true)",
        parse_bool,
        "BOOL",
    )
    # The deployment under test.
    deployment_environment: tuple[str, ...] = setting(
        (),
        "deployment_status events: the environments to test, names or patterns like Preview*, "
        "several by comma or newline (default: any)",
        parse_environment_patterns,
        "NAMES",
    )
    ready_timeout: float = setting(
        DEFAULT_READY_TIMEOUT_S,
        "before starting runs against target-url, wait until it answers ready-status, at "
        "most this long, inside timeout (default 5m; 0: no readiness gate)",
        parse_ready_timeout,
    )
    ready_status: StatusRanges = setting(
        DEFAULT_READY_STATUS,
        "statuses that mean the deployment is ready, e.g. 200-399 or 200,204 (default 200-399)",
        parse_ready_status,
        "CODES",
    )
    ready_header: tuple[str, str] | None = setting(
        None,
        "a header sent with every readiness probe, 'Name: value' (a secret, e.g. a preview "
        "protection bypass)",
        parse_ready_header,
        secret=True,
    )
    # Flaky runs.
    retries: int = setting(
        0,
        "start a failed run this step started again, up to this many times (0-3, default 0)",
        parse_retries,
        "N",
    )
    retry_on: RetryOn = setting(
        "infra",
        "what is retried: infra (the run broke: status failed) or failed (also a run whose "
        "result blocks) (default infra)",
        one_of(RetryOn),
        "WHAT",
    )
    flaky: FlakyPolicy = setting(
        "pass",
        "a test that failed, then passed on a retry: pass (shown as flaky) or fail (default pass)",
        one_of(FlakyPolicy),
        "POLICY",
    )
    rerun_failed_only: bool = setting(
        True,
        "on a re-run of the same job, start only the tests that did not pass in the "
        "previous attempt (found in this job's pull/merge request comment) (default true)",
        parse_bool,
        "BOOL",
    )
    wait: bool = setting(
        True,
        "wait for the runs this step starts (default true); false: start them, set the runIds "
        "output and exit 0, for a later step to wait with run-id",
        parse_bool,
        "BOOL",
    )
    cancel_on_interrupt: bool | None = setting(
        None,
        "cancel unfinished runs when the job is cancelled (default: true for runs this step "
        "started, false for runs it was handed)",
        parse_bool,
        "BOOL",
    )
