"""Settings from CLI flags, action inputs (``INPUT_*``) and ``TESTERARMY_*`` variables.

One typed, frozen object; every field has its own small parser; a bad value stops the
program before any request with one sentence that names the setting. Precedence: a CLI
flag, then the action input, then the environment variable, then the default.
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from testerarmy_wait import __version__
from testerarmy_wait.errors import UsageError
from testerarmy_wait.network import Route, is_loopback_host, route_for
from testerarmy_wait.verdict import ALWAYS_FAILING, CONFIGURABLE, Policy, Result

DEFAULT_API_URL = "https://tester.army/api"
DEFAULT_TIMEOUT_S = 30 * 60.0
DEFAULT_POLL_INTERVAL_S = 10.0
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_ERROR_BUDGET = 8
REPORT_DIR_NAME = "testerarmy-reports"
MAX_TIMEOUT_S = 24 * 3600.0
#: The shortest poll interval: against tester.army, and against a loopback sandbox.
MIN_POLL_INTERVAL_S = 1.0
MIN_LOOPBACK_POLL_INTERVAL_S = 0.02

T = TypeVar("T")


@dataclass(frozen=True)
class Setting:
    """One setting and the three names it goes by."""

    name: str  # the action input, kebab-case
    help: str
    metavar: str = "VALUE"
    flag: bool = True  # secrets have no flag: they must never be on argv

    @property
    def input_var(self) -> str:
        return "INPUT_" + self.name.upper().replace(" ", "_")

    @property
    def env_var(self) -> str:
        return "TESTERARMY_" + self.name.upper().replace("-", "_")

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("run-id", "run id(s) to wait for; repeat, or separate by comma/space/newline", "ID"),
    Setting("api-key", "API key (starts with sk_); read from the environment only", flag=False),
    Setting("api-url", f"API base URL (default {DEFAULT_API_URL})", "URL"),
    Setting("timeout", "deadline for the whole wait: seconds, or 90s / 30m / 1h (default 30m)"),
    Setting("poll-interval", "seconds between polls of a running run (default 10)", "SECONDS"),
    Setting("request-timeout", "seconds before one HTTP request is abandoned (default 30)"),
    Setting(
        "fail-on",
        "results that fail the job: FAILED,SKIPPED,CANCELLED or none "
        "(default FAILED,CANCELLED; ERROR and TIMEOUT always fail)",
        "LIST",
    ),
    Setting(
        "min-severity",
        "issues below this severity (1-5) are reported but do not fail (default 1)",
        "N",
    ),
    Setting(
        "run-url",
        "link template for a run, with {id}, e.g. https://app.example/runs/{id}",
        "TEMPLATE",
    ),
    Setting(
        "report-dir", f"where reports are written (default <workspace>/{REPORT_DIR_NAME})", "DIR"
    ),
    Setting(
        "junit-path",
        "where the JUnit XML report goes (default <report-dir>/testerarmy-wait.junit.xml)",
        "PATH",
    ),
    # Starting runs instead of being handed them (one way per invocation).
    Setting("test-id", "start a run of this saved test, then wait for it", "ID"),
    Setting("group-id", "start every test of this group, then wait for all runs", "ID"),
    Setting("project-id", "start a pull-request run of this project (needs target-url)", "ID"),
    Setting(
        "group-webhook-url",
        "start a group through its webhook URL (the URL holds a secret)",
        flag=False,
    ),
    Setting("mode", "test runs: fast or deep"),
    Setting("platform", "web, ios or android"),
    Setting("device-model", "iphone or ipad (iOS only)"),
    Setting("environment-id", "test runs: project environment id", "ID"),
    Setting("target-url", "group and pull-request runs: the URL of the deployment to test", "URL"),
    Setting("environment", "group runs: production, staging, preview or custom"),
    Setting("commit-sha", "group and pull-request runs: the commit under test", "SHA"),
    Setting("pr-number", "the pull request number (default: from the CI event)", "N"),
    Setting("pr-title", "the pull request title (default: from the CI event)", "TEXT"),
    Setting("pr-description", "the pull request description (default: from the event)", "TEXT"),
    Setting("base-branch", "the pull request base branch (default: from the CI event)", "NAME"),
    Setting("head-branch", "the pull request head branch (default: from the CI event)", "NAME"),
    Setting(
        "cancel-on-timeout",
        "cancel unfinished runs at the deadline (default: true for runs this step started, "
        "false for runs it was handed)",
        "BOOL",
    ),
    Setting(
        "cancel-on-interrupt",
        "cancel unfinished runs when the job is cancelled (default: true for runs this step "
        "started, false for runs it was handed)",
        "BOOL",
    ),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class StartRequest:
    """A run (or runs) to start before waiting: which endpoint, and the JSON body."""

    kind: str  # "test", "group", "pull-request", "webhook"
    target: str  # the test, group or project id; the webhook id
    body: Mapping[str, Any]
    secret: str | None = field(default=None, repr=False)  # the webhook secret
    api_base: str | None = None  # the webhook's own API base URL

    def parameters(self) -> tuple[tuple[str, str], ...]:
        """What was asked for, flattened for the summary (no secrets)."""
        flat: list[tuple[str, str]] = []
        for key, value in self.body.items():
            if isinstance(value, Mapping):
                flat.extend((f"{key}.{k}", str(v)) for k, v in value.items())
            else:
                flat.append((key, str(value)))
        return tuple(flat)


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

    def cancels(self, started_here: bool, *, interrupted: bool) -> bool:
        chosen = self.cancel_on_interrupt if interrupted else self.cancel_on_timeout
        return started_here if chosen is None else chosen


# --- parsers: each takes the raw text and the setting name, returns a value or raises ---


def _fail(name: str, problem: str) -> NoReturn:
    raise UsageError(f"{name}: {problem}")


def parse_run_ids(raw: str, name: str = "run-id") -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for token in re.split(r"[\s,]+", raw.strip()):
        if not token:
            continue
        try:
            canonical = str(uuid.UUID(token))
        except ValueError:
            _fail(name, f"{_shown(token)} is not a run id (a UUID like 3f2a9c1e-...)")
        if len(token) != 36 or canonical != token.lower():
            _fail(name, f"{_shown(token)} is not a run id in the canonical UUID form")
        ids[canonical] = None
    return tuple(ids)


def _shown(value: str, limit: int = 60) -> str:
    """A user-typed value quoted for an error message, cut and without control chars."""
    clean = "".join(c if c.isprintable() else "?" for c in value)
    return repr(clean if len(clean) <= limit else clean[:limit] + "…")


def _is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def parse_api_url(raw: str, name: str = "api-url") -> str:
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        _fail(name, f"{_shown(text)} is not an http(s) URL like {DEFAULT_API_URL}")
    if parts.query or parts.fragment or parts.username or parts.password:
        _fail(name, "must not contain a query, a fragment or credentials")
    try:
        _ = parts.port
    except ValueError:
        _fail(name, f"{_shown(text)} has an invalid port")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        _fail(
            name,
            "must use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)",
        )
    return text.rstrip("/")


_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$", re.ASCII
)


def parse_duration(raw: str, name: str, *, maximum: float = MAX_TIMEOUT_S) -> float:
    text = raw.strip().lower().replace(" ", "")
    match = _DURATION.match(text) if text else None
    if match is None or not any(match.groups()):
        _fail(name, f"{_shown(raw)} is not a duration (use seconds, or e.g. 90s, 30m, 1h)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        _fail(name, "must be more than zero")
    if total > maximum:
        _fail(name, f"must be at most {maximum:g} seconds")
    return total


def parse_fail_on(raw: str, name: str = "fail-on") -> frozenset[Result]:
    tokens = [t for t in re.split(r"[\s,]+", raw.strip().upper()) if t]
    if tokens == ["NONE"]:
        return frozenset()
    if not tokens:
        _fail(name, "lists no result; name FAILED, SKIPPED or CANCELLED, or write none")
    chosen: set[Result] = set()
    for token in tokens:
        try:
            result = Result(token)
        except ValueError:
            allowed = ", ".join(sorted(r.value for r in CONFIGURABLE | ALWAYS_FAILING))
            _fail(name, f"{_shown(token)} is not a result (use {allowed}, or none)")
        if result is Result.PASS:
            _fail(name, "PASS cannot fail the job")
        chosen.add(result)
    if not chosen & CONFIGURABLE:
        _fail(
            name,
            "ERROR and TIMEOUT always fail; name FAILED, SKIPPED or CANCELLED too, "
            "or write none to fail on those two only",
        )
    return frozenset(chosen & CONFIGURABLE)


def parse_severity(raw: str, name: str = "min-severity") -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 5:
        _fail(name, f"{_shown(text)} is not a severity from 1 (minor) to 5 (critical)")
    return int(text)


def parse_run_url(raw: str, name: str = "run-url") -> str:
    text = raw.strip()
    if "{id}" not in text:
        _fail(name, "must contain {id}, where the run id goes")
    if not _is_http_url(text.replace("{id}", "x")):
        _fail(name, f"{_shown(text)} is not an http(s) URL template")
    return text


def parse_api_key(raw: str, name: str = "api-key") -> str:
    key = raw.strip()
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in key):
        _fail(name, "contains whitespace, control or non-ASCII characters; check the secret")
    return key


def parse_bool(raw: str, name: str) -> bool:
    """The toolkit's rule: only true/True/TRUE/false/False/FALSE."""
    text = raw.strip()
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    _fail(name, f"{_shown(text)} is not a boolean (use true or false)")


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
        if not setting.flag:
            continue
        action = "append" if setting.name == "run-id" else "store"
        parser.add_argument(
            f"--{setting.name}",
            dest=setting.dest,
            action=action,
            metavar=setting.metavar,
            help=f"{setting.help} [env {setting.env_var}]",
        )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _raw_value(setting: Setting, flags: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """The first non-empty value among flag, action input and variable (trimmed)."""
    flag_value = getattr(flags, setting.dest, None) if setting.flag else None
    if isinstance(flag_value, list):
        flag_value = "\n".join(flag_value)
    for value in (flag_value, env.get(setting.input_var), env.get(setting.env_var)):
        if value is not None and value.strip():
            if not _is_utf8(value):
                _fail(setting.name, "is not valid UTF-8 text")
            return str(value)
    return None


def _is_utf8(text: str) -> bool:
    """False for text holding bytes that were not UTF-8 (surrogate escapes from the OS)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _get(
    setting_name: str,
    flags: argparse.Namespace,
    env: Mapping[str, str],
    parse: Callable[[str, str], T],
    default: T,
) -> T:
    raw = _raw_value(SETTINGS_BY_NAME[setting_name], flags, env)
    return default if raw is None else parse(raw, setting_name)


def workspace_from_env(env: Mapping[str, str]) -> Path:
    for var in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = env.get(var, "").strip()
        if value:
            return Path(value)
    return Path.cwd()


def default_report_dir(env: Mapping[str, str]) -> Path:
    return workspace_from_env(env) / REPORT_DIR_NAME


START_WAYS = ("run-id", "test-id", "group-id", "project-id", "group-webhook-url")
_WEBHOOK_PATH = re.compile(r"^(?P<base>.*)/v1/groups/webhook/(?P<id>[^/]+)/(?P<secret>[^/]+)$")


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(raw: str, name: str) -> str:
        value = raw.strip()
        if value not in allowed:
            _fail(name, f"{_shown(value)} is not one of {', '.join(allowed)}")
        return value

    return parse


def _duration_up_to(maximum: float) -> Callable[[str, str], float]:
    def parse(raw: str, name: str) -> float:
        return parse_duration(raw, name, maximum=maximum)

    return parse


def _uuid(raw: str, name: str) -> str:
    ids = parse_run_ids(raw, name)
    if len(ids) != 1:
        _fail(name, "takes exactly one id")
    return ids[0]


def _text(raw: str, _name: str) -> str:
    return raw.strip()


def _http_url(raw: str, name: str) -> str:
    text = raw.strip()
    if not _is_http_url(text):
        _fail(name, f"{_shown(text)} is not an http(s) URL")
    return text


def _path(raw: str, name: str) -> Path:
    """A file system path; relative ones are taken from the workspace (joining an
    absolute path keeps it as it is)."""
    text = raw.strip()
    if "\x00" in text:
        _fail(name, "contains a NUL character")
    return Path(text)


def inside_workspace(path: Path, workspace: Path) -> bool:
    """True when ``path``, with every symbolic link followed, is inside ``workspace``."""
    try:
        path.resolve().relative_to(workspace.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _in_workspace(path: Path, workspace: Path, name: str) -> Path:
    if not inside_workspace(workspace / path, workspace):
        _fail(
            name,
            f"{_shown(str(path))} is outside the workspace ({_shown(str(workspace))}); "
            "reports stay inside it, where later steps find them",
        )
    return workspace / path


def _positive_int(raw: str, name: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        _fail(name, f"{_shown(text)} is not a positive number")
    return int(text)


def parse_webhook_url(raw: str, name: str = "group-webhook-url") -> tuple[str, str, str]:
    """``<api-url>/v1/groups/webhook/<id>/<secret>`` -> (api-url, id, secret). The message
    never repeats the URL: it holds the secret."""
    text = raw.strip()
    parts = urlsplit(text)
    match = _WEBHOOK_PATH.match(f"{parts.scheme}://{parts.netloc}{parts.path}")
    if parts.scheme not in ("https", "http") or match is None or parts.query or parts.fragment:
        _fail(
            name,
            "is not a group webhook URL like https://tester.army/api/v1/groups/"
            "webhook/<id>/<secret>",
        )
    base = parse_api_url(match["base"], name)
    webhook_id = _uuid(match["id"], name)
    return base, webhook_id, match["secret"]


def pull_request_from_event(env: Mapping[str, str]) -> dict[str, Any]:
    """Pull-request fields from the CI's own context: GitHub's event file on
    ``pull_request`` events, GitLab's ``CI_MERGE_REQUEST_*`` variables."""
    found: dict[str, Any] = {}
    event_path = env.get("GITHUB_EVENT_PATH", "").strip()
    if event_path:
        try:
            event = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            event = {}
        pr = event.get("pull_request") if isinstance(event, dict) else None
        if isinstance(pr, dict):
            base = pr.get("base")
            head = pr.get("head")
            base = base if isinstance(base, dict) else {}
            head = head if isinstance(head, dict) else {}
            found = {
                "number": pr.get("number"),
                "title": pr.get("title"),
                "description": pr.get("body"),
                "baseBranch": base.get("ref"),
                "headBranch": head.get("ref"),
                "commitSha": head.get("sha"),
            }
    elif env.get("CI_MERGE_REQUEST_IID", "").strip():
        iid = env["CI_MERGE_REQUEST_IID"].strip()
        found = {
            "number": int(iid) if iid.isascii() and iid.isdigit() else None,
            "title": env.get("CI_MERGE_REQUEST_TITLE"),
            "description": env.get("CI_MERGE_REQUEST_DESCRIPTION"),
            "baseBranch": env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
            "headBranch": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
            "commitSha": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"),
        }
    return {k: v for k, v in found.items() if v not in (None, "")}


_PR_FIELDS = (
    ("pr-number", "number", _positive_int),
    ("pr-title", "title", _text),
    ("pr-description", "description", _text),
    ("base-branch", "baseBranch", _text),
    ("head-branch", "headBranch", _text),
    ("commit-sha", "commitSha", _text),
)
_PR_REQUIRED = {"pr-number": "number", "pr-title": "title", "commit-sha": "commitSha"}
_PR_LIMITS = {
    "title": 500,
    "description": 5000,
    "baseBranch": 255,
    "headBranch": 255,
    "commitSha": 100,
}


def _start_request(way: str, flags: argparse.Namespace, env: Mapping[str, str]) -> StartRequest:
    def opt(name: str, parse: Callable[[str, str], Any]) -> Any:
        return _get(name, flags, env, parse, None)

    def body_of(**fields: Any) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if v is not None}

    platform = opt("platform", _choice("web", "ios", "android"))
    device = opt("device-model", _choice("iphone", "ipad"))
    if way == "test-id":
        return StartRequest(
            "test",
            opt("test-id", _uuid),
            body_of(
                mode=opt("mode", _choice("fast", "deep")),
                platform=platform,
                deviceModel=device,
                projectEnvironmentId=opt("environment-id", _uuid),
            ),
        )
    # A group started directly or through its webhook takes the same parameters, except
    # the pull request number, which only the direct request documents.
    group_body = body_of(
        platform=platform,
        deviceModel=device,
        targetUrl=opt("target-url", _http_url),
        environment=opt("environment", _choice("production", "staging", "preview", "custom")),
        commitSha=opt("commit-sha", _text),
    )
    if way == "group-id":
        pr_number = opt("pr-number", _positive_int)
        body = group_body if pr_number is None else {**group_body, "prNumber": pr_number}
        return StartRequest("group", opt("group-id", _uuid), body)
    if way == "group-webhook-url":
        base, webhook_id, secret = parse_webhook_url(
            _raw_value(SETTINGS_BY_NAME[way], flags, env) or ""
        )
        return StartRequest("webhook", webhook_id, group_body, secret=secret, api_base=base)
    project = opt("project-id", _text)
    target_url = opt("target-url", _http_url)
    if target_url is None:
        _fail("target-url", "a pull-request run needs the URL of the deployment to test")
    pull_request = pull_request_from_event(env)
    for name, key, parse in _PR_FIELDS:
        explicit = opt(name, parse)
        if explicit is not None:
            pull_request[key] = explicit
    for name, key in _PR_REQUIRED.items():
        if key not in pull_request:
            _fail(
                name,
                "missing for the pull-request run, and the CI event does not give it; "
                f"set the {name} input",
            )
    for key, limit in _PR_LIMITS.items():
        if isinstance(pull_request.get(key), str):
            pull_request[key] = pull_request[key][:limit]
    return StartRequest(
        "pull-request",
        project,
        body_of(targetUrl=target_url, platform="web", pullRequest=pull_request),
    )


def load_settings(argv: Sequence[str], env: Mapping[str, str]) -> Settings:
    """Build the settings, or raise ``UsageError`` naming the first bad one."""
    flags = build_arg_parser().parse_args(list(argv))
    ways = [n for n in START_WAYS if _raw_value(SETTINGS_BY_NAME[n], flags, env) is not None]
    if len(ways) > 1:
        raise UsageError(f"{ways[0]} and {ways[1]} both name the runs; set only one of them")
    if not ways:
        raise UsageError(
            "run-id: no run to wait for; set run-id (or test-id, group-id, project-id or "
            "group-webhook-url to start runs)"
        )
    api_key = _get("api-key", flags, env, parse_api_key, "")
    if not api_key:
        raise UsageError("api-key: missing; set the api-key input or TESTERARMY_API_KEY")
    run_ids: tuple[str, ...] = _get("run-id", flags, env, parse_run_ids, tuple[str, ...]())
    start = None if ways[0] == "run-id" else _start_request(ways[0], flags, env)
    api_url = _get("api-url", flags, env, parse_api_url, None)
    if start is not None and start.kind == "webhook":
        if api_url is not None and api_url != start.api_base:
            raise UsageError("group-webhook-url: is not under api-url; use one host for both")
        api_url = start.api_base
    notes: list[str] = []
    if not api_key.startswith("sk_"):
        notes.append("the API key does not start with sk_; check that it is a tester.army key")
    workspace = workspace_from_env(env)
    report_dir = _in_workspace(
        _get("report-dir", flags, env, _path, Path(REPORT_DIR_NAME)), workspace, "report-dir"
    )
    junit_path = _get("junit-path", flags, env, _path, None)
    if junit_path is not None:
        junit_path = _in_workspace(junit_path, workspace, "junit-path")
    api_url = api_url or DEFAULT_API_URL
    loopback = is_loopback_host(urlsplit(api_url).hostname or "")
    floor = MIN_LOOPBACK_POLL_INTERVAL_S if loopback else MIN_POLL_INTERVAL_S
    poll_interval = _get(
        "poll-interval", flags, env, _duration_up_to(3600), DEFAULT_POLL_INTERVAL_S
    )
    if poll_interval < floor:
        _fail(
            "poll-interval",
            f"must be at least {floor:g} s against {'a loopback' if loopback else 'this'} API",
        )
    return Settings(
        run_ids=run_ids,
        api_key=api_key,
        api_url=api_url,
        timeout_s=_get("timeout", flags, env, parse_duration, DEFAULT_TIMEOUT_S),
        poll_interval_s=poll_interval,
        request_timeout_s=_get(
            "request-timeout", flags, env, _duration_up_to(600), DEFAULT_REQUEST_TIMEOUT_S
        ),
        policy=Policy(
            fail_on=_get("fail-on", flags, env, parse_fail_on, Policy().fail_on),
            min_severity=_get("min-severity", flags, env, parse_severity, 1),
        ),
        run_url=_get("run-url", flags, env, parse_run_url, None),
        workspace=workspace,
        report_dir=report_dir,
        junit_path=junit_path,
        print_json=bool(flags.json),
        notes=tuple(notes),
        start=start,
        cancel_on_timeout=_get("cancel-on-timeout", flags, env, parse_bool, None),
        cancel_on_interrupt=_get("cancel-on-interrupt", flags, env, parse_bool, None),
        route=route_for(api_url, env),
    )
