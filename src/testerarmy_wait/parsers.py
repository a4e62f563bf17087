"""One small parser per kind of setting value: ``parse(raw_text, setting_name) -> value``.

Each trims its input, returns a typed value, or raises ``UsageError`` with one sentence that
names the setting and quotes the bad value (cut, control characters shown as ``?``). Pure:
no environment, no file system.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Final, NoReturn
from urllib.parse import urlsplit

from testerarmy_wait.errors import UsageError
from testerarmy_wait.ids import canonical_uuid
from testerarmy_wait.network import is_loopback_host
from testerarmy_wait.policy import ALWAYS_FAILING, CONFIGURABLE, Result

DEFAULT_API_URL = "https://tester.army/api"
MAX_TIMEOUT_S = 24 * 3600.0
_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$", re.ASCII
)
_WEBHOOK_PATH = re.compile(r"^(?P<base>.*)/v1/groups/webhook/(?P<id>[^/]+)/(?P<secret>[^/]+)$")


def fail(name: str, problem: str) -> NoReturn:
    raise UsageError(f"{name}: {problem}")


def shown(value: str, limit: int = 60) -> str:
    """A user-typed value quoted for an error message, cut and without control chars."""
    clean = "".join(c if c.isprintable() else "?" for c in value)
    return repr(clean if len(clean) <= limit else clean[:limit] + "…")


def parse_run_ids(raw: str, name: str = "run-id") -> tuple[str, ...]:
    """UUIDs separated by newlines, commas or spaces; duplicates dropped, order kept."""
    ids: dict[str, None] = {}
    for token in re.split(r"[\s,]+", raw.strip()):
        if not token:
            continue
        canonical = canonical_uuid(token)
        if canonical is None:
            fail(name, f"{shown(token)} is not a run id (a UUID like 3f2a9c1e-...)")
        ids[canonical] = None
    return tuple(ids)


def parse_uuid(raw: str, name: str) -> str:
    ids = parse_run_ids(raw, name)
    if len(ids) != 1:
        fail(name, "takes exactly one id")
    return ids[0]


def is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def parse_api_url(raw: str, name: str = "api-url") -> str:
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        fail(name, f"{shown(text)} is not an http(s) URL like {DEFAULT_API_URL}")
    if parts.query or parts.fragment or parts.username or parts.password:
        fail(name, "must not contain a query, a fragment or credentials")
    try:
        _ = parts.port
    except ValueError:
        fail(name, f"{shown(text)} has an invalid port")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        fail(
            name,
            "must use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)",
        )
    return text.rstrip("/")


def parse_duration(raw: str, name: str, *, maximum: float = MAX_TIMEOUT_S) -> float:
    """Seconds, or ``90s``, ``30m``, ``1h``, ``1h30m``."""
    text = raw.strip().lower().replace(" ", "")
    match = _DURATION.match(text) if text else None
    if match is None or not any(match.groups()):
        fail(name, f"{shown(raw)} is not a duration (use seconds, or e.g. 90s, 30m, 1h)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        fail(name, "must be more than zero")
    if total > maximum:
        fail(name, f"must be at most {maximum:g} seconds")
    return total


def duration_up_to(maximum: float) -> Callable[[str, str], float]:
    def parse(raw: str, name: str) -> float:
        return parse_duration(raw, name, maximum=maximum)

    return parse


def parse_fail_on(raw: str, name: str = "fail-on") -> frozenset[Result]:
    tokens = [t for t in re.split(r"[\s,]+", raw.strip().upper()) if t]
    if tokens == ["NONE"]:
        return frozenset()
    if not tokens:
        fail(name, "lists no result; name FAILED, SKIPPED or CANCELLED, or write none")
    chosen: set[Result] = set()
    for token in tokens:
        try:
            result = Result(token)
        except ValueError:
            allowed = ", ".join(sorted(r.value for r in CONFIGURABLE | ALWAYS_FAILING))
            fail(name, f"{shown(token)} is not a result (use {allowed}, or none)")
        if result in (Result.PASS, Result.STARTED):
            fail(name, f"{result.value} cannot fail the job")
        chosen.add(result)
    if not chosen & CONFIGURABLE:
        fail(
            name,
            "ERROR and TIMEOUT always fail; name FAILED, SKIPPED or CANCELLED too, "
            "or write none to fail on those two only",
        )
    return frozenset(chosen & CONFIGURABLE)


def parse_severity(raw: str, name: str = "min-severity") -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 5:
        fail(name, f"{shown(text)} is not a severity from 1 (minor) to 5 (critical)")
    return int(text)


def parse_run_url(raw: str, name: str = "run-url") -> str:
    text = raw.strip()
    if "{id}" not in text:
        fail(name, "must contain {id}, where the run id goes")
    if not is_http_url(text.replace("{id}", "x")):
        fail(name, f"{shown(text)} is not an http(s) URL template")
    return text


def parse_api_key(raw: str, name: str = "api-key") -> str:
    key = raw.strip()
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in key):
        fail(name, "contains whitespace, control or non-ASCII characters; check the secret")
    return key


def parse_bool(raw: str, name: str) -> bool:
    """The toolkit's rule: only true/True/TRUE/false/False/FALSE."""
    text = raw.strip()
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    fail(name, f"{shown(text)} is not a boolean (use true or false)")


def choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(raw: str, name: str) -> str:
        value = raw.strip()
        if value not in allowed:
            fail(name, f"{shown(value)} is not one of {', '.join(allowed)}")
        return value

    return parse


def parse_text(raw: str, _name: str) -> str:
    return raw.strip()


def parse_http_url(raw: str, name: str) -> str:
    text = raw.strip()
    if not is_http_url(text):
        fail(name, f"{shown(text)} is not an http(s) URL")
    return text


def parse_path(raw: str, name: str) -> Path:
    """A file system path (relative ones are taken from the workspace)."""
    text = raw.strip()
    if "\x00" in text:
        fail(name, "contains a NUL character")
    return Path(text)


def parse_retries(raw: str, name: str) -> int:
    """How many times a failed run is started again: 0-3."""
    text = raw.strip()
    if text not in ("0", "1", "2", "3"):
        fail(name, f"{shown(text)} is not 0, 1, 2 or 3")
    return int(text)


def parse_remove_after(raw: str, name: str) -> int:
    """Seconds an uploaded app is kept: 60-604800, or 0 to keep it."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):
        fail(name, f"{shown(text)} is not a number of seconds (60-604800, or 0 to keep)")
    value = int(text)
    if value != 0 and not 60 <= value <= 604800:
        fail(name, "must be 60-604800 seconds, or 0 to keep the app")
    return value


def parse_positive_int(raw: str, name: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        fail(name, f"{shown(text)} is not a positive number")
    return int(text)


def parse_webhook_url(raw: str, name: str = "group-webhook-url") -> tuple[str, str, str]:
    """``<api-url>/v1/groups/webhook/<id>/<secret>`` -> (api-url, id, secret). The message
    never repeats the URL: it holds the secret."""
    text = raw.strip()
    parts = urlsplit(text)
    match = _WEBHOOK_PATH.match(f"{parts.scheme}://{parts.netloc}{parts.path}")
    if parts.scheme not in ("https", "http") or match is None or parts.query or parts.fragment:
        fail(
            name,
            "is not a group webhook URL like https://tester.army/api/v1/groups/"
            "webhook/<id>/<secret>",
        )
    base = parse_api_url(match["base"], name)
    webhook_id = parse_uuid(match["id"], name)
    return base, webhook_id, match["secret"]


# The preview deployment's settings ----------------------------------------------------

_MAX_ENVIRONMENT_PATTERNS: Final = 50

StatusRanges = tuple[tuple[int, int], ...]
DEFAULT_READY_STATUS: Final[StatusRanges] = ((200, 399),)
DEFAULT_READY_TIMEOUT_S: Final = 300.0
_HEADER_NAME_RE: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REFUSED_HEADERS: Final = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def parse_environment_patterns(raw: str, name: str) -> tuple[str, ...]:
    """Environment names or glob-like patterns (``*``, ``?``, ``[...]``), separated by
    newlines or commas; matched case-sensitively, as GitHub names them."""
    patterns = tuple(p.strip() for p in re.split(r"[\n,]", raw) if p.strip())
    if not patterns:
        fail(name, "names no environment; give names or patterns like Preview*")
    if len(patterns) > _MAX_ENVIRONMENT_PATTERNS:
        fail(name, f"names {len(patterns)} environments; at most {_MAX_ENVIRONMENT_PATTERNS}")
    return patterns


def parse_ready_status(raw: str, name: str) -> StatusRanges:
    """Statuses and ranges, separated by commas or spaces: ``200-399``, ``200,204,301-308``."""
    ranges: list[tuple[int, int]] = []
    for token in (t for t in re.split(r"[\s,]+", raw.strip()) if t):
        low_text, dash, high_text = token.partition("-")
        numbers = (low_text, high_text if dash else low_text)
        if not all(n.isascii() and n.isdigit() and len(n) == 3 for n in numbers):
            fail(name, f"{shown(token)} is not a status (100-599) or a range like 200-399")
        low, high = int(numbers[0]), int(numbers[1])
        if not 100 <= low <= high <= 599:
            fail(name, f"{shown(token)} is not a status (100-599) or a range like 200-399")
        ranges.append((low, high))
    if not ranges:
        fail(name, "names no status; write a range like 200-399")
    return tuple(ranges)


def parse_ready_header(raw: str, name: str) -> tuple[str, str]:
    """``Name: value`` sent with every probe (the value is a secret: masked, never shown)."""
    header, colon, value = raw.strip().partition(":")
    header, value = header.strip(), value.strip()
    if not colon or not _HEADER_NAME_RE.fullmatch(header) or not value:
        fail(name, "is not a header like 'x-vercel-protection-bypass: <secret>'")
    if header.lower() in _REFUSED_HEADERS:
        fail(name, f"{shown(header)} is a header the probe sets itself")
    if any(not c.isprintable() for c in value):
        fail(name, "holds a control character")
    return header, value


def parse_ready_timeout(raw: str, name: str) -> float:
    """A duration, or 0 to turn the readiness gate off."""
    return 0.0 if raw.strip() in ("0", "0s") else parse_duration(raw, name)
