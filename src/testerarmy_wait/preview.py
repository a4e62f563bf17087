"""What was just deployed, and whether to test it: GitHub's ``deployment_status`` event and
GitLab's review apps. Pure decisions over the CI context; nothing is sent from here.

On ``deployment_status`` only ``state: success`` starts anything; any other state, or an
environment the ``deployment-environment`` setting does not choose, is a skip with one line
saying why. The URL under test is the status's ``environment_url``, else its ``target_url``;
the commit is ``deployment.sha``. A URL taken from the environment is judged like one typed
by hand, and more: credentials in it, or a link-local or cloud-metadata host, are refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Final
from urllib.parse import urlsplit

from testerarmy_wait.network import Route
from testerarmy_wait.parsers import (
    DEFAULT_READY_STATUS,
    DEFAULT_READY_TIMEOUT_S,
    StatusRanges,
    fail,
    parse_http_url,
    shown,
)

#: Hosts that answer a cloud VM's metadata (credentials) rather than a web app.
METADATA_HOSTS: Final = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "169.254.169.254"}
)


@dataclass(frozen=True)
class ReadyCheck:
    """What the gate probes, and what it accepts."""

    url: str
    accept: StatusRanges = DEFAULT_READY_STATUS
    timeout_s: float = DEFAULT_READY_TIMEOUT_S
    header: tuple[str, str] | None = field(default=None, repr=False)
    route: Route | None = None


@dataclass(frozen=True)
class Deployment:
    """A deployment to test."""

    target_url: str
    commit_sha: str
    environment: str


@dataclass(frozen=True)
class Skip:
    """A deployment status that asks nothing of tester.army, and why (one line)."""

    reason: str


def environment_chosen(environment: str, patterns: tuple[str, ...]) -> bool:
    """True when no pattern is set (any environment), or one matches the name."""
    return not patterns or any(fnmatchcase(environment, p) for p in patterns)


def _link_local_or_metadata(host: str) -> bool:
    bare = host.strip("[]").lower().rstrip(".")
    if bare in METADATA_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_link_local or (mapped is not None and mapped.is_link_local))


def check_target_url(url: str, name: str) -> str:
    """A URL to test, judged: http(s), no credentials in it, not link-local nor a metadata
    host (loopback stays allowed: tests and the sandbox)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        fail(name, "is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        fail(name, "has credentials in it; the URL under test must not carry a password")
    checked: str = parse_http_url(url, name)
    if _link_local_or_metadata(urlsplit(checked).hostname or ""):
        fail(name, f"{shown(checked)} points at a link-local or cloud-metadata address")
    return checked


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _field(event: Mapping[str, Any], part: str, key: str) -> str | None:
    section = event.get(part)
    return _text(section.get(key)) if isinstance(section, Mapping) else None


def deployment_from_event(event: Mapping[str, Any], patterns: tuple[str, ...]) -> Deployment | Skip:
    """The deployment a ``deployment_status`` event reports, or why it is skipped. An event
    without the fields a success needs is a ``UsageError`` naming the input to set instead."""
    state = _field(event, "deployment_status", "state")
    if state is None:
        fail(
            "deployment_status",
            "the event has no deployment_status.state; is this a "
            "deployment_status event? set target-url and commit-sha instead",
        )
    environment = (
        _field(event, "deployment_status", "environment")
        or _field(event, "deployment", "environment")
        or ""
    )
    shown_env = shown(environment) if environment else "(unnamed)"
    if state != "success":
        return Skip(
            f"the deployment to {shown_env} is {shown(state)}, not success: nothing to test"
        )
    if not environment_chosen(environment, patterns):
        return Skip(
            f"the deployment to {shown_env} is not one deployment-environment chooses "
            f"({', '.join(patterns)}): nothing to test"
        )
    url = _field(event, "deployment_status", "environment_url") or _field(
        event, "deployment_status", "target_url"
    )
    if url is None:
        fail(
            "target-url",
            "the deployment_status event gives no environment_url nor target_url; set target-url",
        )
    sha = _field(event, "deployment", "sha")
    if sha is None:
        fail("commit-sha", "the deployment_status event gives no deployment.sha; set commit-sha")
    target = check_target_url(url, "target-url (from the deployment_status event)")
    return Deployment(target_url=target, commit_sha=sha, environment=environment)
