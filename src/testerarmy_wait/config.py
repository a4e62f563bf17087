"""Settings from CLI flags, action inputs (``INPUT_*``) and ``TESTERARMY_*`` variables.

Each setting is declared once, in ``SETTINGS``: its name (the kebab-case action input; the
flag and the variable follow from it), its parser, its default, whether it is a secret (no
flag: secrets never go on argv) and its help. ``load_settings`` reads every one of them the
same way, then judges the few rules that tie settings together, and returns one typed,
frozen ``Settings``; a bad value stops the program before any request with one sentence that
names the setting. Precedence: a CLI flag, then the action input, then the environment
variable, then the default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from testerarmy_wait import __version__
from testerarmy_wait.errors import UsageError
from testerarmy_wait.network import Route, is_loopback_host, route_for
from testerarmy_wait.parsers import (
    DEFAULT_API_URL,
    choice,
    duration_up_to,
    fail,
    parse_api_key,
    parse_api_url,
    parse_bool,
    parse_duration,
    parse_fail_on,
    parse_http_url,
    parse_path,
    parse_positive_int,
    parse_run_ids,
    parse_run_url,
    parse_severity,
    parse_text,
    parse_uuid,
    parse_webhook_url,
    shown,
)
from testerarmy_wait.policy import Policy
from testerarmy_wait.redaction import KEY_LIKE
from testerarmy_wait.start_request import START_WAYS, StartRequest, start_request
from testerarmy_wait.workspace import (
    REPORT_DIR_NAME,
    default_report_dir,
    inside_workspace,
    workspace_from_env,
)

#: Read when it exists, without being set.
BASELINE_DEFAULT_PATH = ".testerarmy-baseline.json"


@dataclass(frozen=True)
class BaselineFile:
    """The baseline file to read: checked to be inside the workspace when the settings are
    read; read by the job, inside its deadline."""

    path: Path
    display: str  # as the user named it (relative to the workspace)


__all__ = [
    "DEFAULT_API_URL",
    "SETTINGS",
    "SETTINGS_BY_NAME",
    "Setting",
    "Settings",
    "UsageError",
    "default_report_dir",
    "inside_workspace",
    "load_settings",
    "secrets_in",
    "workspace_from_env",
]

DEFAULT_TIMEOUT_S = 30 * 60.0
DEFAULT_POLL_INTERVAL_S = 10.0
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_ERROR_BUDGET = 8
#: The shortest poll interval: against tester.army, and against a loopback sandbox.
MIN_POLL_INTERVAL_S = 1.0
MIN_LOOPBACK_POLL_INTERVAL_S = 0.02


@dataclass(frozen=True)
class Setting:
    """One setting, declared once: the names it goes by, how to read it, its default."""

    name: str  # the action input, kebab-case
    help: str
    parse: Callable[[str, str], Any] = parse_text
    default: Any = None
    metavar: str = "VALUE"
    secret: bool = False  # masked, and never a flag: secrets must never be on argv
    repeatable: bool = False  # the flag may be given more than once (values joined)
    action_input: bool = True  # an input of the GitHub action (GitLab-only settings are not)

    @property
    def input_var(self) -> str:
        return "INPUT_" + self.name.upper().replace(" ", "_")

    @property
    def env_var(self) -> str:
        return "TESTERARMY_" + self.name.upper().replace("-", "_")

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    def raw(self, flags: argparse.Namespace, env: Mapping[str, str]) -> str | None:
        """The first non-empty value among flag, action input and variable."""
        flag_value = None if self.secret else getattr(flags, self.dest, None)
        if isinstance(flag_value, list):
            flag_value = "\n".join(flag_value)
        for value in (flag_value, env.get(self.input_var), env.get(self.env_var)):
            if value is not None and value.strip():
                if not _is_utf8(value):
                    fail(self.name, "is not valid UTF-8 text")
                return str(value)
        return None

    def read(self, flags: argparse.Namespace, env: Mapping[str, str]) -> Any:
        raw = self.raw(flags, env)
        return self.default if raw is None else self.parse(raw, self.name)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "run-id",
        "run id(s) to wait for; repeat, or separate by comma/space/newline",
        parse_run_ids,
        (),
        "ID",
        repeatable=True,
    ),
    Setting(
        "api-key",
        "API key (starts with sk_); read from the environment only",
        parse_api_key,
        secret=True,
    ),
    Setting("api-url", f"API base URL (default {DEFAULT_API_URL})", parse_api_url, None, "URL"),
    Setting(
        "timeout",
        "deadline for the whole wait: seconds, or 90s / 30m / 1h (default 30m)",
        parse_duration,
        DEFAULT_TIMEOUT_S,
    ),
    Setting(
        "poll-interval",
        "seconds between polls of a running run (default 10; at least 1)",
        duration_up_to(3600),
        DEFAULT_POLL_INTERVAL_S,
        "SECONDS",
    ),
    Setting(
        "request-timeout",
        "seconds before one HTTP request is abandoned (default 30)",
        duration_up_to(600),
        DEFAULT_REQUEST_TIMEOUT_S,
    ),
    Setting(
        "fail-on",
        "results that fail the job: FAILED,SKIPPED,CANCELLED or none "
        "(default FAILED,CANCELLED; ERROR and TIMEOUT always fail)",
        parse_fail_on,
        Policy().fail_on,
        "LIST",
    ),
    Setting(
        "min-severity",
        "issues below this severity (1-5) are reported but do not fail (default 1)",
        parse_severity,
        1,
        "N",
    ),
    Setting(
        "run-url",
        "link template for a run, with {id}, e.g. https://app.example/runs/{id}",
        parse_run_url,
        None,
        "TEMPLATE",
    ),
    Setting(
        "report-dir",
        f"where reports are written (default <workspace>/{REPORT_DIR_NAME})",
        parse_path,
        Path(REPORT_DIR_NAME),
        "DIR",
    ),
    Setting(
        "junit-path",
        "where the JUnit XML report goes (default <report-dir>/testerarmy-wait.junit.xml)",
        parse_path,
        None,
        "PATH",
    ),
    Setting(
        "baseline",
        "baseline file of known issues, relative to the workspace (default "
        ".testerarmy-baseline.json when it exists); its issues are reported, never blocking",
        parse_path,
        None,
        "PATH",
    ),
    # Starting runs instead of being handed them (one way per invocation).
    Setting("test-id", "start a run of this saved test, then wait for it", parse_uuid, None, "ID"),
    Setting(
        "group-id", "start every test of this group, then wait for all runs", parse_uuid, None, "ID"
    ),
    Setting(
        "project-id",
        "start a pull-request run of this project (needs target-url)",
        parse_text,
        None,
        "ID",
    ),
    Setting(
        "group-webhook-url",
        "start a group through its webhook URL (the URL holds a secret)",
        parse_webhook_url,
        secret=True,
    ),
    Setting("mode", "test runs: fast or deep", choice("fast", "deep")),
    Setting("platform", "web, ios or android", choice("web", "ios", "android")),
    Setting("device-model", "iphone or ipad (iOS only)", choice("iphone", "ipad")),
    Setting("environment-id", "test runs: project environment id", parse_uuid, None, "ID"),
    Setting(
        "target-url",
        "group and pull-request runs: the URL of the deployment to test",
        parse_http_url,
        None,
        "URL",
    ),
    Setting(
        "environment",
        "group runs: production, staging, preview or custom",
        choice("production", "staging", "preview", "custom"),
    ),
    Setting("commit-sha", "group and pull-request runs: the commit under test", metavar="SHA"),
    Setting(
        "pr-number",
        "the pull request number (default: from the CI event)",
        parse_positive_int,
        None,
        "N",
    ),
    Setting("pr-title", "the pull request title (default: from the CI event)", metavar="TEXT"),
    Setting(
        "pr-description", "the pull request description (default: from the event)", metavar="TEXT"
    ),
    Setting(
        "base-branch", "the pull request base branch (default: from the CI event)", metavar="NAME"
    ),
    Setting(
        "head-branch", "the pull request head branch (default: from the CI event)", metavar="NAME"
    ),
    Setting(
        "cancel-on-timeout",
        "cancel unfinished runs at the deadline (default: true for runs this step started, "
        "false for runs it was handed)",
        parse_bool,
        None,
        "BOOL",
    ),
    # Telling the pull (merge) request.
    Setting(
        "comment",
        "post the verdict on the pull/merge request: always, on-failure, on-change or off "
        "(default always; only in pull/merge request pipelines)",
        choice("always", "on-failure", "on-change", "off"),
        "always",
        "MODE",
    ),
    Setting(
        "comment-key",
        "what tells this job's comment apart from others' (default: workflow, job and matrix "
        "values; on GitLab the job name)",
        parse_text,
        None,
        "KEY",
    ),
    Setting(
        "check-run",
        "also create a GitHub check run carrying every issue as an annotation (default false)",
        parse_bool,
        False,
        "BOOL",
    ),
    Setting(
        "github-token",
        "GitHub token for the pull request comment and the check run (the action passes the "
        "job's token)",
        parse_api_key,
        secret=True,
    ),
    Setting(
        "gitlab-token",
        "GitLab token with api scope for the merge request note (a masked CI/CD variable)",
        parse_api_key,
        secret=True,
        action_input=False,
    ),
    Setting(
        "cancel-on-interrupt",
        "cancel unfinished runs when the job is cancelled (default: true for runs this step "
        "started, false for runs it was handed)",
        parse_bool,
        None,
        "BOOL",
    ),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
_SECRET_FLAGS = tuple(f"--{s.name}" for s in SETTINGS if s.secret)


def _secret_flag_values(argv: Sequence[str]) -> list[str]:
    """The values given to secret flags (``--github-token X`` or ``--github-token=X``)."""
    found = []
    for n, arg in enumerate(argv):
        flag, eq, value = arg.partition("=")
        if flag in _SECRET_FLAGS:
            found.append(value if eq else (argv[n + 1] if n + 1 < len(argv) else ""))
    return [v.strip() for v in found if v.strip()]


def secrets_in(env: Mapping[str, str], argv: Sequence[str] = ()) -> list[str]:
    """Every secret value given to the program, to be masked before anything is logged: the
    secret settings' values (and the secret part of a webhook URL), and key-like argv."""
    found: list[str] = []
    for setting in SETTINGS:
        if not setting.secret:
            continue
        for var in (setting.input_var, setting.env_var):
            value = env.get(var, "").strip()
            if value:
                found.append(value)
                if setting.parse is parse_webhook_url:
                    found.append(urlsplit(value).path.rstrip("/").rsplit("/", 1)[-1])
    for arg in argv:
        found.extend(KEY_LIKE.findall(arg))  # a key on the command line is a secret too
    found.extend(_secret_flag_values(argv))
    return [s for s in dict.fromkeys(found) if s]


@dataclass(frozen=True)
class Settings:
    run_ids: tuple[str, ...]
    api_key: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    timeout_s: float = DEFAULT_TIMEOUT_S
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    error_budget: int = DEFAULT_ERROR_BUDGET
    policy: Policy = field(default_factory=Policy)
    run_url: str | None = None
    workspace: Path = field(default_factory=Path.cwd)
    report_dir: Path = field(default_factory=lambda: Path.cwd() / REPORT_DIR_NAME)
    junit_path: Path | None = None  # None: in report_dir
    print_json: bool = False
    notes: tuple[str, ...] = ()  # non-fatal remarks about the settings
    start: StartRequest | None = None  # set when this invocation starts the runs
    route: Route | None = None  # TLS trust and proxy; None: the client's defaults
    cancel_on_timeout: bool | None = None  # None: only runs this invocation started
    cancel_on_interrupt: bool | None = None
    pr_number: int | None = None  # as set (the CI event fills it in where it is needed)
    baseline: BaselineFile | None = None
    comment: str = "always"  # always, on-failure, on-change, off
    comment_key: str | None = None
    check_run: bool = False
    github_token: str | None = field(default=None, repr=False)
    gitlab_token: str | None = field(default=None, repr=False)

    def cancels(self, started_here: bool, *, interrupted: bool) -> bool:
        chosen = self.cancel_on_interrupt if interrupted else self.cancel_on_timeout
        return started_here if chosen is None else chosen


def _is_utf8(text: str) -> bool:
    """False for text holding bytes that were not UTF-8 (surrogate escapes from the OS)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- sources ---


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_arg_parser(prog: str = "testerarmy-wait") -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description="Wait for tester.army runs and turn them into a CI verdict. "
        "Settings also come from action inputs (INPUT_<NAME>) and TESTERARMY_<NAME> "
        "variables; the API key only from TESTERARMY_API_KEY or the api-key input.",
        epilog="Other commands: `testerarmy-wait demo` (a run against the bundled sandbox), "
        "`testerarmy-wait sandbox` (an offline tester.army API). Exit codes: 0 pass, "
        "1 policy failure, 2 usage error, 3 timeout, 4 infrastructure or API error, "
        "5 cancelled, 130/143 interrupted.",
    )
    for setting in SETTINGS:
        if setting.secret:
            continue
        parser.add_argument(
            f"--{setting.name}",
            dest=setting.dest,
            action="append" if setting.repeatable else "store",
            metavar=setting.metavar,
            help=f"{setting.help} [env {setting.env_var}]",
        )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _in_workspace(path: Path, workspace: Path, name: str) -> Path:
    if not inside_workspace(workspace / path, workspace):
        fail(
            name,
            f"{shown(str(path))} is outside the workspace ({shown(str(workspace))}); "
            "reports stay inside it, where later steps find them",
        )
    return workspace / path


def _baseline(path: Path | None, workspace: Path) -> BaselineFile | None:
    """The baseline file named by the setting, else the default file when it exists; either
    must be inside the workspace, symbolic links followed (a committed link must not read
    the runner's other files)."""
    if path is None:
        default = workspace / BASELINE_DEFAULT_PATH
        if not default.is_file():
            return None
        path = Path(BASELINE_DEFAULT_PATH)
    if not inside_workspace(workspace / path, workspace):
        fail(
            "baseline",
            f"{shown(str(path))} is outside the workspace ({shown(str(workspace))}), "
            "symbolic links followed; keep the baseline file in the repository",
        )
    return BaselineFile(workspace / path, str(path))


def read_values(argv: Sequence[str], env: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """Every setting's value (its default when unset), in table order, and ``--json``."""
    flags = build_arg_parser().parse_args(list(argv))
    values = {setting.name: setting.read(flags, env) for setting in SETTINGS}
    return values, bool(flags.json)


def load_settings(argv: Sequence[str], env: Mapping[str, str]) -> Settings:
    """Build the settings, or raise ``UsageError`` naming the first bad one."""
    values, print_json = read_values(argv, env)
    ways = [way for way in START_WAYS if values[way]]
    if len(ways) > 1:
        raise UsageError(f"{ways[0]} and {ways[1]} both name the runs; set only one of them")
    if not ways:
        raise UsageError(
            "run-id: no run to wait for; set run-id (or test-id, group-id, project-id or "
            "group-webhook-url to start runs)"
        )
    api_key: str = values["api-key"] or ""
    if not api_key:
        raise UsageError("api-key: missing; set the api-key input or TESTERARMY_API_KEY")
    start = None if ways[0] == "run-id" else start_request(ways[0], values, env)
    api_url: str = values["api-url"] or DEFAULT_API_URL
    if start is not None and start.api_base is not None:
        if values["api-url"] is not None and values["api-url"] != start.api_base:
            raise UsageError("group-webhook-url: is not under api-url; use one host for both")
        api_url = start.api_base
    loopback = is_loopback_host(urlsplit(api_url).hostname or "")
    floor = MIN_LOOPBACK_POLL_INTERVAL_S if loopback else MIN_POLL_INTERVAL_S
    if values["poll-interval"] < floor:
        where = "a loopback" if loopback else "this"
        fail("poll-interval", f"must be at least {floor:g} s against {where} API")
    notes = []
    if not api_key.startswith("sk_"):
        notes.append("the API key does not start with sk_; check that it is a tester.army key")
    workspace = workspace_from_env(env)
    junit_path = values["junit-path"]
    baseline = _baseline(values["baseline"], workspace)
    return Settings(
        run_ids=values["run-id"],
        api_key=api_key,
        api_url=api_url,
        timeout_s=values["timeout"],
        poll_interval_s=values["poll-interval"],
        request_timeout_s=values["request-timeout"],
        policy=Policy(fail_on=values["fail-on"], min_severity=values["min-severity"]),
        run_url=values["run-url"],
        workspace=workspace,
        report_dir=_in_workspace(values["report-dir"], workspace, "report-dir"),
        junit_path=None
        if junit_path is None
        else _in_workspace(junit_path, workspace, "junit-path"),
        print_json=print_json,
        notes=tuple(notes),
        start=start,
        cancel_on_timeout=values["cancel-on-timeout"],
        cancel_on_interrupt=values["cancel-on-interrupt"],
        route=route_for(api_url, env),
        pr_number=values["pr-number"],
        baseline=baseline,
        comment=values["comment"],
        comment_key=values["comment-key"],
        check_run=values["check-run"],
        github_token=values["github-token"],
        gitlab_token=values["gitlab-token"],
    )
