"""Settings from CLI flags, action inputs (``INPUT_*``) and ``TESTERARMY_*`` variables.

One typed, frozen object; every field has its own small parser; a bad value stops the
program before any request with one sentence that names the setting. Precedence: a CLI
flag, then the action input, then the environment variable, then the default.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from testerarmy_wait import __version__
from testerarmy_wait.verdict import ALWAYS_FAILING, CONFIGURABLE, Policy, Result

DEFAULT_API_URL = "https://tester.army/api"
DEFAULT_TIMEOUT_S = 30 * 60.0
DEFAULT_POLL_INTERVAL_S = 10.0
DEFAULT_REQUEST_TIMEOUT_S = 30.0
DEFAULT_ERROR_BUDGET = 8
REPORT_DIR_NAME = "testerarmy-reports"
MAX_TIMEOUT_S = 24 * 3600.0

T = TypeVar("T")


class UsageError(Exception):
    """A setting is missing or invalid; the message is one sentence naming it."""


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
)
SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


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
    print_json: bool = False
    notes: tuple[str, ...] = ()  # non-fatal remarks about the settings


# --- parsers: each takes the raw text and the setting name, returns a value or raises ---


def _fail(name: str, problem: str) -> NoReturn:
    raise UsageError(f"{name}: {problem}")


def parse_run_ids(raw: str, name: str = "run-id") -> tuple[str, ...]:
    ids: list[str] = []
    for token in re.split(r"[\s,]+", raw.strip()):
        if not token:
            continue
        try:
            canonical = str(uuid.UUID(token))
        except ValueError:
            _fail(name, f"{_shown(token)} is not a run id (a UUID like 3f2a9c1e-...)")
        if len(token) != 36 or canonical != token.lower():
            _fail(name, f"{_shown(token)} is not a run id in the canonical UUID form")
        if canonical not in ids:
            ids.append(canonical)
    return tuple(ids)


def _shown(value: str, limit: int = 60) -> str:
    """A user-typed value quoted for an error message, cut and without control chars."""
    clean = "".join(c if c.isprintable() else "?" for c in value)
    return repr(clean if len(clean) <= limit else clean[:limit] + "…")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_api_url(raw: str, name: str = "api-url") -> str:
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        _fail(name, f"{_shown(text)} is not an http(s) URL like {DEFAULT_API_URL}")
    if parts.query or parts.fragment or parts.username or parts.password:
        _fail(name, "must not contain a query, a fragment or credentials")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        _fail(name, "must use https (plain http is allowed only for loopback hosts)")
    return text.rstrip("/")


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


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
    return frozenset(chosen & CONFIGURABLE)


def parse_severity(raw: str, name: str = "min-severity") -> int:
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= 5:
        _fail(name, f"{_shown(text)} is not a severity from 1 (minor) to 5 (critical)")
    return int(text)


def parse_run_url(raw: str, name: str = "run-url") -> str:
    text = raw.strip()
    if "{id}" not in text:
        _fail(name, "must contain {id}, where the run id goes")
    parts = urlsplit(text.replace("{id}", "x"))
    if parts.scheme not in ("https", "http") or not parts.hostname:
        _fail(name, f"{_shown(text)} is not an http(s) URL template")
    return text


def parse_api_key(raw: str, name: str = "api-key") -> str:
    key = raw.strip()
    if any(c.isspace() or not c.isprintable() for c in key):
        _fail(name, "contains whitespace or control characters; check the secret's value")
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
            return str(value)
    return None


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


def load_settings(argv: Sequence[str], env: Mapping[str, str]) -> Settings:
    """Build the settings, or raise ``UsageError`` naming the first bad one."""
    flags = build_arg_parser().parse_args(list(argv))
    run_ids: tuple[str, ...] = _get("run-id", flags, env, parse_run_ids, tuple[str, ...]())
    if not run_ids:
        raise UsageError(
            "run-id: no run to wait for; set the run-id input, --run-id or TESTERARMY_RUN_ID"
        )
    api_key = _get("api-key", flags, env, parse_api_key, "")
    if not api_key:
        raise UsageError("api-key: missing; set the api-key input or TESTERARMY_API_KEY")
    notes: list[str] = []
    if not api_key.startswith("sk_"):
        notes.append("the API key does not start with sk_; check that it is a tester.army key")
    workspace = workspace_from_env(env)
    report_dir = _get("report-dir", flags, env, lambda raw, _n: Path(raw.strip()), None)
    if report_dir is None:
        report_dir = workspace / REPORT_DIR_NAME
    elif not report_dir.is_absolute():
        report_dir = workspace / report_dir
    return Settings(
        run_ids=run_ids,
        api_key=api_key,
        api_url=_get("api-url", flags, env, parse_api_url, DEFAULT_API_URL),
        timeout_s=_get("timeout", flags, env, parse_duration, DEFAULT_TIMEOUT_S),
        poll_interval_s=_get(
            "poll-interval",
            flags,
            env,
            lambda raw, name: parse_duration(raw, name, maximum=3600),
            DEFAULT_POLL_INTERVAL_S,
        ),
        request_timeout_s=_get(
            "request-timeout",
            flags,
            env,
            lambda raw, name: parse_duration(raw, name, maximum=600),
            DEFAULT_REQUEST_TIMEOUT_S,
        ),
        policy=Policy(
            fail_on=_get("fail-on", flags, env, parse_fail_on, Policy().fail_on),
            min_severity=_get("min-severity", flags, env, parse_severity, 1),
        ),
        run_url=_get("run-url", flags, env, parse_run_url, None),
        workspace=workspace,
        report_dir=report_dir,
        print_json=bool(flags.json),
        notes=tuple(notes),
    )
