"""Faults on demand, deterministic per request.

A rule matches requests by method and path (relative to the base URL, e.g.
``/v1/runs/<id>``; ``*`` is a wildcard) and fires on chosen occurrences::

    sandbox.faults.add(method="GET", path=f"/v1/runs/{rid}", nth=[3], fault=Fault.status(503))
    sandbox.faults.add(path="/v1/runs/*", times=2, fault=Fault.rate_limited(retry_after=1))
    sandbox.faults.add(fault=Fault.drop())           # every request, forever

``nth`` counts the requests that match the rule's method and path (1-based);
``times=N`` means the first N of them; neither means every one. Rules are
checked in the order they were added; the first one that fires wins (every
matching rule still counts the request).

Faults of kind ``status``, ``html``, ``drop``, ``body``, ``gzip_bomb`` and ``endless``
answer *instead of* the API (the request has no effect); ``slow`` waits, then answers
normally (or with ``then``); the others (``truncated``, ``unknown_status``,
``extra_fields``, ``missing_fields``, ``rewrite``) alter the normal answer of a successful
request.
"""

from __future__ import annotations

import copy
import fnmatch
import re
import threading
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from types import MappingProxyType
from typing import Any, Literal

FaultKind = Literal[
    "status",
    "html",
    "drop",
    "slow",
    "truncated",
    "unknown_status",
    "extra_fields",
    "missing_fields",
    "body",
    "gzip_bomb",
    "endless",
    "rewrite",
]

_REASONS = {
    429: ("rate_limited", "Usage limit exceeded"),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service temporarily unavailable"),
    504: ("gateway_timeout", "Gateway timeout"),
}

DEFAULT_EXTRA_FIELDS: Mapping[str, Any] = MappingProxyType(
    {
        "region": "eu-north1",
        "costCredits": 3,
        "labels": {"sandbox": True},
    }
)


@dataclass(frozen=True)
class Fault:
    """What to do to a request. Build with the class methods."""

    kind: FaultKind
    status_code: int = 200
    error: str = ""
    message: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    retry_after_date_in: float | None = None
    seconds: float = 0.0
    then: Fault | None = None
    value: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    short_read: bool = False
    overwrites: bool = False  # extra_fields that replace documented fields
    data: bytes = b""
    size: int = 0
    rewrites: tuple[tuple[str, str], ...] = ()

    @classmethod
    def status(
        cls,
        code: int,
        *,
        error: str | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer ``code`` with an ``{error, message}`` JSON body."""
        default_error, default_message = _REASONS.get(code, ("error", f"HTTP {code}"))
        return cls(
            kind="status",
            status_code=code,
            error=error or default_error,
            message=message or default_message,
            headers=tuple((headers or {}).items()),
        )

    @classmethod
    def rate_limited(
        cls, retry_after: float | datetime | None = None, *, as_http_date: bool = False
    ) -> Fault:
        """429. ``retry_after``: seconds (``Retry-After: 5``), a datetime (HTTP-date form),
        or seconds rendered as an HTTP-date at answer time with ``as_http_date=True``."""
        fault = cls.status(429)
        if retry_after is None:
            return fault
        if isinstance(retry_after, datetime):
            date = format_datetime(retry_after.astimezone(UTC), usegmt=True)
            return replace(fault, headers=(("Retry-After", date),))
        if as_http_date:
            return replace(fault, retry_after_date_in=float(retry_after))
        text = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        return replace(fault, headers=(("Retry-After", text),))

    @classmethod
    def html(cls, code: int = 502) -> Fault:
        """An HTML error page (not JSON) with status ``code`` (200 is allowed)."""
        return cls(kind="html", status_code=code)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending any response."""
        return cls(kind="drop")

    @classmethod
    def slow(cls, seconds: float, then: Fault | None = None) -> Fault:
        """Wait ``seconds`` (real time), then answer normally, or as ``then``."""
        return cls(kind="slow", seconds=seconds, then=then)

    @classmethod
    def truncated(cls, *, short_read: bool = False) -> Fault:
        """Cut the JSON body in half. ``short_read``: keep the full Content-Length
        and close the connection early; otherwise Content-Length matches the cut body."""
        return cls(kind="truncated", short_read=short_read)

    @classmethod
    def unknown_status(cls, value: str = "paused") -> Fault:
        """Report ``status`` as a value the API description does not list."""
        return cls(kind="unknown_status", value=value)

    @classmethod
    def extra_fields(
        cls, fields: Mapping[str, Any] | None = None, *, breaks_contract: bool = False
    ) -> Fault:
        """Add unknown fields to the run, to its output and to each issue and step.
        Fields may also overwrite documented ones (a forged ``runId``, say): then pass
        ``breaks_contract=True`` so the conformance check knows it is deliberate."""
        return cls(
            kind="extra_fields",
            fields=dict(fields or DEFAULT_EXTRA_FIELDS),
            overwrites=breaks_contract,
        )

    @classmethod
    def missing_fields(cls, *paths: str) -> Fault:
        """Remove fields: dotted paths like ``output.steps`` or ``startedAt``; ``*`` for a
        list item (``output.issues.*.severity``). Without paths: every optional
        RunResponse field."""
        return cls(kind="missing_fields", paths=paths)

    @classmethod
    def body(
        cls,
        data: bytes,
        *,
        status: int = 200,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer exactly ``data`` (any bytes: JSON with ``NaN``, nesting 100,000 deep...)."""
        return cls(
            kind="body",
            status_code=status,
            data=data,
            value=content_type,
            headers=tuple((headers or {}).items()),
        )

    @classmethod
    def gzip_bomb(cls, inflated_bytes: int = 1 << 30) -> Fault:
        """``Content-Encoding: gzip`` over ``inflated_bytes`` zero bytes (1 GiB: ~1 MB sent)."""
        return cls(kind="gzip_bomb", size=inflated_bytes)

    @classmethod
    def endless(cls) -> Fault:
        """A chunked JSON body that never ends (until the client hangs up)."""
        return cls(kind="endless")

    @classmethod
    def rewrite(cls, *replacements: tuple[str, str]) -> Fault:
        """The normal answer's JSON text with each ``(regex, replacement)`` applied, for
        values JSON encoders will not write: ``("\"durationMs\":\\d+", "\"durationMs\":1e999")``."""
        return cls(kind="rewrite", rewrites=tuple(replacements))

    @property
    def breaks_contract(self) -> bool:
        """True when the answer deliberately departs from the API description."""
        if self.kind == "slow":
            return self.then is not None and self.then.breaks_contract
        return self.overwrites or self.kind in (
            "html",
            "drop",
            "truncated",
            "unknown_status",
            "body",
            "gzip_bomb",
            "endless",
            "rewrite",
        )


@dataclass
class FaultRule:
    """A fault bound to requests; ``seen`` counts matching requests, ``fired`` faults."""

    fault: Fault
    method: str | None = None
    path: str | None = None
    nth: frozenset[int] | None = None
    times: int | None = None
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        return fnmatch.fnmatchcase(path, self.path) if "*" in self.path else path == self.path

    def count(self) -> bool:
        """Count one matching request; True when the fault fires for it."""
        self.seen += 1
        if self.nth is not None:
            fires = self.seen in self.nth
        elif self.times is not None:
            fires = self.seen <= self.times
        else:
            fires = True
        if fires:
            self.fired += 1
        return fires


class FaultSet:
    """The faults a sandbox applies; thread-safe."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(
        self,
        *,
        fault: Fault,
        method: str | None = None,
        path: str | None = None,
        nth: int | Iterable[int] | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Apply ``fault`` to matching requests; see the module docstring."""
        if nth is not None and times is not None:
            raise ValueError("give nth or times, not both")
        chosen = frozenset([nth] if isinstance(nth, int) else nth) if nth is not None else None
        if chosen is not None and (not chosen or min(chosen) < 1):
            raise ValueError("nth counts from 1")
        if path is not None and path.startswith("/api/"):
            path = path[len("/api") :]
        rule = FaultRule(fault=fault, method=method, path=path, nth=chosen, times=times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any (counts it against every matching rule)."""
        chosen: Fault | None = None
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path) and rule.count() and chosen is None:
                    chosen = rule.fault
        return chosen


_OPTIONAL_RUN_FIELDS = (
    "platform",
    "deviceModel",
    "source",
    "projectId",
    "output",
    "testPlan",
    "error",
    "durationMs",
    "webhookUrl",
    "webhookStatus",
    "testId",
    "stepResults",
    "userName",
    "externalRef",
    "executionMode",
    "autoRetryCount",
    "startedAt",
    "completedAt",
)


def apply_body_fault(fault: Fault, body: Any) -> Any:
    """A changed copy of a JSON body for the body-altering fault kinds."""
    if fault.kind == "unknown_status":
        return _each_run(copy.copy(body), lambda run: {**run, "status": fault.value})
    if fault.kind == "extra_fields":
        return _each_run(copy.deepcopy(body), lambda run: _add_fields(run, fault.fields))
    if fault.kind == "missing_fields":
        paths = fault.paths or _OPTIONAL_RUN_FIELDS
        return _each_run(copy.deepcopy(body), lambda run: _drop_paths(run, paths))
    return body


def _each_run(body: Any, change: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("runs"), list):
        return {**body, "runs": [change(r) for r in body["runs"]]}
    if isinstance(body, dict):
        return change(body)
    return body


def _add_fields(run: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    run.update(fields)
    output = run.get("output")
    if isinstance(output, dict):
        output.update(fields)
        for key in ("issues", "steps"):
            for item in output.get(key) or []:
                if isinstance(item, dict):
                    item.update(fields)
    return run


def _drop_paths(run: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    for path in paths:
        _drop(run, path.split("."))
    return run


def _drop(node: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        for item in node:
            if rest:
                _drop(item, rest)
        return
    if not isinstance(node, dict):
        return
    if not rest:
        node.pop(head, None)
    elif head in node:
        _drop(node[head], rest)


_BOMBS: dict[int, bytes] = {}
_BOMB_LOCK = threading.Lock()


def gzip_bomb_bytes(size: int) -> bytes:
    """``size`` zero bytes gzip-compressed (built once per size, in 1 MiB steps)."""
    with _BOMB_LOCK:
        if size not in _BOMBS:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = bytes(min(size, 1 << 20))
            parts = [compressor.compress(chunk) for _ in range(size // max(1, len(chunk)))]
            parts.append(compressor.compress(bytes(size % max(1, len(chunk)))))
            parts.append(compressor.flush())
            _BOMBS[size] = b"".join(parts)
        return _BOMBS[size]


def rewritten(fault: Fault, data: bytes) -> bytes:
    """The serialised answer with the fault's regex replacements applied."""
    text = data.decode("utf-8")
    for pattern, replacement in fault.rewrites:
        text = re.sub(pattern, replacement, text)
    return text.encode("utf-8")
