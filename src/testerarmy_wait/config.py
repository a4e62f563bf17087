"""Settings from CLI flags, action inputs (``INPUT_*``) and ``TESTERARMY_*`` variables.

Each setting is declared once, as a field of ``inputs.Inputs``: its type, its default, and
(through ``setting``) its parser, whether it is a secret (no flag: secrets never go on argv)
and its help. The action input, the flag and the variable follow from the field's name;
``SETTINGS`` is the same table seen from outside (the documentation tests check action.yml,
the GitLab component and the README against it). ``load_settings`` reads every one of them
the same way, then judges the few rules that tie settings together, and returns one typed,
frozen ``Settings``; a bad value stops the program before any request with one sentence that
names the setting. Precedence: a CLI flag, then the action input, then the environment
variable, then the default.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from testerarmy_wait import __version__
from testerarmy_wait.ci_context import DEPLOYMENT_EVENT, REPORT_DIR_NAME, CIContext
from testerarmy_wait.errors import UsageError
from testerarmy_wait.inputs import Declared, Inputs
from testerarmy_wait.network import Route, is_loopback_host, route_for
from testerarmy_wait.parsers import (
    DEFAULT_API_URL,
    fail,
    parse_ready_header,
    parse_webhook_url,
    shown,
)
from testerarmy_wait.policy import CommentMode, Policy
from testerarmy_wait.redaction import KEY_LIKE
from testerarmy_wait.start_request import START_WAYS, StartRequest, start_request
from testerarmy_wait.workspace import inside_workspace

if TYPE_CHECKING:
    from testerarmy_wait.mobile.app_file import MobileBuild
    from testerarmy_wait.preview import ReadyCheck

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
    "Inputs",
    "Setting",
    "Settings",
    "UsageError",
    "load_settings",
    "read_inputs",
    "secrets_in",
]

DEFAULT_ERROR_BUDGET = 8
#: The shortest poll interval: against tester.army, and against a loopback sandbox.
MIN_POLL_INTERVAL_S = 1.0
MIN_LOOPBACK_POLL_INTERVAL_S = 0.02


def _mobile_build(inputs: Inputs, way: str, context: CIContext) -> MobileBuild | None:
    if inputs.app_path is not None and inputs.app_id is not None:
        fail("app-id", "and app-path both name the app; set only one of them")
    if inputs.app_path is None and inputs.app_id is None:
        return None
    from testerarmy_wait.mobile.app_file import MobileBuild, judge_app_path  # with a build

    if way in ("run-id",):
        fail(
            "app-path" if inputs.app_path else "app-id",
            "needs runs to start (test-id, group-id, project-id or group-webhook-url), not run-id",
        )
    if inputs.app_id is not None:
        return MobileBuild(project_id=inputs.project_id, app_id=inputs.app_id)
    owner = (
        ("test", inputs.test_id)
        if inputs.test_id
        else ("group", inputs.group_id)
        if inputs.group_id
        else None
    )
    if inputs.project_id is None and owner is None:
        fail(
            "app-path",
            "needs project-id to name the project the build is uploaded to (test-id and "
            "group-id name it too)",
        )
    app = judge_app_path(str(context.workspace / str(inputs.app_path).strip()))
    return MobileBuild(
        project_id=inputs.project_id,
        app=app,
        remove_after=inputs.remove_after or None,
        delete=inputs.delete_app,
        temp_dir=context.temp_dir,
        owner=owner if inputs.project_id is None else None,
    )


@dataclass(frozen=True)
class Setting:
    """One setting as users meet it, derived from its ``Inputs`` field: the names it goes by,
    how to read it, its default."""

    field_name: str
    default: Any
    declared: Declared

    @property
    def name(self) -> str:  # the action input, kebab-case
        return self.field_name.replace("_", "-")

    @property
    def help(self) -> str:
        return self.declared.help

    @property
    def parse(self) -> Callable[[str, str], Any]:
        return self.declared.parse

    @property
    def metavar(self) -> str:
        return self.declared.metavar

    @property
    def secret(self) -> bool:
        return self.declared.secret

    @property
    def repeatable(self) -> bool:
        return self.declared.repeatable

    @property
    def action_input(self) -> bool:
        return self.declared.action_input

    @property
    def input_var(self) -> str:
        return "INPUT_" + self.name.upper()

    @property
    def env_var(self) -> str:
        return "TESTERARMY_" + self.field_name.upper()

    @property
    def dest(self) -> str:
        return self.field_name

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


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["setting"]) for f in fields(Inputs)
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
    for each in SETTINGS:
        if not each.secret:
            continue
        for var in (each.input_var, each.env_var):
            value = env.get(var, "").strip()
            if value:
                found.append(value)
                if each.parse is parse_webhook_url:
                    found.append(urlsplit(value).path.rstrip("/").rsplit("/", 1)[-1])
                if each.parse is parse_ready_header:  # the value alone is the secret
                    found.append(value.partition(":")[2].strip())
    for arg in argv:
        found.extend(KEY_LIKE.findall(arg))  # a key on the command line is a secret too
    found.extend(_secret_flag_values(argv))
    return [s for s in dict.fromkeys(found) if s]


@dataclass(frozen=True)
class Settings:
    """The inputs as given, and what follows from them and the CI context: the API to talk
    to, the policy, where reports go, what to start, how to reach the API."""

    inputs: Inputs
    api_key: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    policy: Policy = field(default_factory=Policy)
    workspace: Path = field(default_factory=Path.cwd)
    report_dir: Path = field(default_factory=lambda: Path.cwd() / REPORT_DIR_NAME)
    junit_path: Path | None = None  # None: in report_dir
    print_json: bool = False
    notes: tuple[str, ...] = ()  # non-fatal remarks about the settings
    start: StartRequest | None = None  # set when this invocation starts the runs
    route: Route | None = None  # TLS trust and proxy; None: the client's defaults
    baseline: BaselineFile | None = None
    error_budget: int = DEFAULT_ERROR_BUDGET
    skip: str | None = None  # why nothing is asked of tester.army (a deployment not to test)
    mobile: MobileBuild | None = None  # the build to upload, or the app to test
    ready: ReadyCheck | None = None  # the readiness gate before starting, if any

    # The inputs the job reads as they are, by the names it uses.
    @property
    def run_ids(self) -> tuple[str, ...]:
        return self.inputs.run_id

    @property
    def timeout_s(self) -> float:
        return self.inputs.timeout

    @property
    def poll_interval_s(self) -> float:
        return self.inputs.poll_interval

    @property
    def request_timeout_s(self) -> float:
        return self.inputs.request_timeout

    @property
    def run_url(self) -> str | None:
        return self.inputs.run_url

    @property
    def cancel_on_timeout(self) -> bool | None:  # None: only runs this invocation started
        return self.inputs.cancel_on_timeout

    @property
    def cancel_on_interrupt(self) -> bool | None:
        return self.inputs.cancel_on_interrupt

    @property
    def pr_number(self) -> int | None:  # as set (the CI event fills it in where needed)
        return self.inputs.pr_number

    @property
    def comment(self) -> CommentMode:
        return self.inputs.comment

    @property
    def comment_key(self) -> str | None:
        return self.inputs.comment_key

    @property
    def check_run(self) -> bool:
        return self.inputs.check_run

    @property
    def github_token(self) -> str | None:
        return self.inputs.github_token

    @property
    def gitlab_token(self) -> str | None:
        return self.inputs.gitlab_token

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
        epilog="Other commands: `testerarmy-wait demo` (a run against the sandbox), "
        "`testerarmy-wait sandbox` (an offline tester.army API); both need the sandbox "
        "package (pip install 'testerarmy-wait[sandbox]'; the image has it). Exit codes: 0 pass, "
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


def read_inputs(argv: Sequence[str], env: Mapping[str, str]) -> tuple[Inputs, bool]:
    """Every setting's value (its default when unset) from flags, action inputs and
    variables, and ``--json``."""
    flags = build_arg_parser().parse_args(list(argv))
    values = {each.field_name: each.read(flags, env) for each in SETTINGS}
    return Inputs(**values), bool(flags.json)


def _start_way(inputs: Inputs) -> str:
    ways = [way for way in START_WAYS if getattr(inputs, way.replace("-", "_"))]
    mobile = inputs.app_path is not None or inputs.app_id is not None
    if mobile and "project-id" in ways and len(ways) > 1:
        ways.remove("project-id")  # beside test-id or group-id it names the upload's project
    if len(ways) > 1:
        raise UsageError(f"{ways[0]} and {ways[1]} both name the runs; set only one of them")
    if not ways:
        raise UsageError(
            "run-id: no run to wait for; set run-id (or test-id, group-id, project-id or "
            "group-webhook-url to start runs)"
        )
    return ways[0]


def _api_url(inputs: Inputs, start: StartRequest | None) -> str:
    api_url = inputs.api_url or DEFAULT_API_URL
    if start is not None and start.api_base is not None:
        if inputs.api_url is not None and inputs.api_url != start.api_base:
            raise UsageError("group-webhook-url: is not under api-url; use one host for both")
        api_url = start.api_base
    loopback = is_loopback_host(urlsplit(api_url).hostname or "")
    floor = MIN_LOOPBACK_POLL_INTERVAL_S if loopback else MIN_POLL_INTERVAL_S
    if inputs.poll_interval < floor:
        where = "a loopback" if loopback else "this"
        fail("poll-interval", f"must be at least {floor:g} s against {where} API")
    return api_url


def load_settings(argv: Sequence[str], context: CIContext) -> Settings:
    """Build the settings, or raise ``UsageError`` naming the first bad one."""
    inputs, print_json = read_inputs(argv, context.settings_env)
    return settings_from(inputs, context, print_json=print_json)


def under_test(inputs: Inputs, context: CIContext) -> tuple[Inputs, str | None, list[str]]:
    """The inputs with the deployment the CI says is under test filled in (an explicit
    target-url wins), why nothing is to be tested (a deployment status that is not a chosen
    success), and what the log should say about it."""
    github, gitlab = context.github, context.gitlab
    if inputs.target_url is not None:
        return inputs, None, []
    # preview is loaded only for a deployment or a readiness gate: most jobs test neither.
    if github is not None and github.event_name == DEPLOYMENT_EVENT:
        from testerarmy_wait.preview import Skip, deployment_from_event

        if github.event_problem is not None:
            fail("target-url", f"{github.event_problem}; set target-url and commit-sha instead")
        decided = deployment_from_event(github.event, inputs.deployment_environment)
        if isinstance(decided, Skip):
            return inputs, decided.reason, []
        sha = inputs.commit_sha or decided.commit_sha
        note = (
            f"testing the deployment to {decided.environment or '(unnamed)'} at "
            f"{decided.target_url} (commit {sha[:12]})"
        )
        return replace(inputs, target_url=decided.target_url, commit_sha=sha), None, [note]
    if gitlab is not None and gitlab.environment_url is not None:
        from testerarmy_wait.preview import check_target_url

        url = check_target_url(gitlab.environment_url, "target-url (CI_ENVIRONMENT_URL)")
        return replace(inputs, target_url=url), None, [f"testing the review app at {url}"]
    return inputs, None, []


def _ready_check(
    inputs: Inputs, start: StartRequest | None, context: CIContext
) -> ReadyCheck | None:
    """What the readiness gate probes before the runs start, if anything."""
    url = inputs.target_url
    if start is None or url is None or inputs.ready_timeout <= 0:
        return None
    from testerarmy_wait.preview import ReadyCheck, check_target_url

    url = check_target_url(url, "target-url")
    return ReadyCheck(
        url=url,
        accept=inputs.ready_status,
        timeout_s=min(inputs.ready_timeout, inputs.timeout),
        header=inputs.ready_header,
        route=route_for(url, context.network_env),
    )


def settings_from(inputs: Inputs, context: CIContext, *, print_json: bool = False) -> Settings:
    """The settings that follow from ``inputs`` in ``context`` (``UsageError`` naming the
    first bad one)."""
    inputs, skip, notes = under_test(inputs, context)
    if skip is not None:  # nothing will be asked of tester.army: no key, no runs needed
        return Settings(
            inputs=inputs,
            api_key="",
            policy=Policy(fail_on=inputs.fail_on, min_severity=inputs.min_severity),
            workspace=context.workspace,
            report_dir=_in_workspace(inputs.report_dir, context.workspace, "report-dir"),
            print_json=print_json,
            skip=skip,
        )
    way = _start_way(inputs)
    api_key = inputs.api_key or ""
    if not api_key:
        raise UsageError("api-key: missing; set the api-key input or TESTERARMY_API_KEY")
    mobile = _mobile_build(inputs, way, context)
    start = (
        None if way == "run-id" else start_request(way, inputs, context.change, mobile=bool(mobile))
    )
    if start is None and not inputs.wait:
        fail(
            "wait",
            "false only hands over runs this step starts; set test-id, group-id, "
            "project-id or group-webhook-url, or leave wait unset",
        )
    api_url = _api_url(inputs, start)
    if not api_key.startswith("sk_"):
        notes.append("the API key does not start with sk_; check that it is a tester.army key")
    workspace = context.workspace
    junit_path = inputs.junit_path
    return Settings(
        inputs=inputs,
        api_key=api_key,
        api_url=api_url,
        policy=Policy(fail_on=inputs.fail_on, min_severity=inputs.min_severity),
        workspace=workspace,
        report_dir=_in_workspace(inputs.report_dir, workspace, "report-dir"),
        junit_path=None
        if junit_path is None
        else _in_workspace(junit_path, workspace, "junit-path"),
        print_json=print_json,
        notes=tuple(notes),
        start=start,
        route=route_for(api_url, context.network_env),
        baseline=_baseline(inputs.baseline, workspace),
        ready=None if mobile is not None else _ready_check(inputs, start, context),
        mobile=mobile,
    )
