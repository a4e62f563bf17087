"""Hand-written checks of path ids, query values and trigger bodies.

They follow the request schemas of the API description (the sandbox has no
runtime JSON Schema dependency). Each ``check_*`` returns a list of problems;
empty means the request is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from testerarmy_wait.ids import is_canonical_uuid

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
LIMIT_PATTERN = re.compile(r"^(?:[1-9]|[1-9][0-9]|100)$")

Check = Callable[[Any, str], list[str]]


def _string(*, min_length: int = 0, max_length: int | None = None) -> Check:
    def check(value: Any, where: str) -> list[str]:
        if not isinstance(value, str):
            return [f"{where} must be a string"]
        if len(value) < min_length:
            return [f"{where} must have at least {min_length} character(s)"]
        if max_length is not None and len(value) > max_length:
            return [f"{where} must have at most {max_length} characters"]
        return []

    return check


def _enum(*values: str) -> Check:
    def check(value: Any, where: str) -> list[str]:
        return [] if value in values else [f"{where} must be one of {', '.join(values)}"]

    return check


def _uuid(value: Any, where: str) -> list[str]:
    return [] if is_canonical_uuid(value) else [f"{where} must be a UUID"]


def _uri(value: Any, where: str) -> list[str]:
    return [] if isinstance(value, str) and _URI.match(value) else [f"{where} must be a URI"]


def _positive_int(value: Any, where: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return [f"{where} must be a positive integer"]
    return []


def _object(
    props: Mapping[str, Check], *, required: tuple[str, ...] = (), closed: bool = False
) -> Check:
    def check(value: Any, where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where} must be an object"]
        out = [f"{where}.{k} is required" for k in required if k not in value]
        for key, item in value.items():
            if key in props:
                out.extend(props[key](item, f"{where}.{key}"))
            elif closed:
                out.append(f"{where}.{key} is not allowed")
        return out

    return check


_MOBILE = _object(
    {
        "appId": _uuid,
        "bundleId": _string(min_length=1),
        "artifactUrl": _uri,
        "artifactFilename": _string(min_length=1),
        "buildId": _string(min_length=1),
    },
    closed=True,
)
_DEVICE = _enum("iphone", "ipad")
_PLATFORM = _enum("web", "ios", "android")
_ENVIRONMENT = _enum("production", "staging", "preview", "custom")

_TEST_RUN = _object(
    {
        "mode": _enum("fast", "deep"),
        "platform": _PLATFORM,
        "deviceModel": _DEVICE,
        "appId": _uuid,
        "projectEnvironmentId": _uuid,
    }
)
_GROUP_PROPS: dict[str, Check] = {
    "platform": _PLATFORM,
    "deviceModel": _DEVICE,
    "projectEnvironmentId": _uuid,
    "targetUrl": _uri,
    "environment": _ENVIRONMENT,
    "mobile": _MOBILE,
    "commitSha": _string(min_length=1),
    "prNumber": _positive_int,
}
_GROUP_RUN = _object(_GROUP_PROPS)
_WEBHOOK = _object({**_GROUP_PROPS, "commitSha": _string()})
_PULL_REQUEST = _object(
    {
        "provider": _enum("github"),
        "number": _positive_int,
        "title": _string(min_length=1, max_length=500),
        "description": _string(max_length=5000),
        "baseBranch": _string(min_length=1, max_length=255),
        "headBranch": _string(min_length=1, max_length=255),
        "commitSha": _string(min_length=1, max_length=100),
    },
    required=("number", "title", "commitSha"),
    closed=True,
)
_PR_WEB = _object(
    {"targetUrl": _uri, "platform": _enum("web"), "pullRequest": _PULL_REQUEST},
    required=("targetUrl", "pullRequest"),
    closed=True,
)
_PR_MOBILE = _object(
    {
        "platform": _enum("ios", "android"),
        "pullRequest": _PULL_REQUEST,
        "mobile": _MOBILE,
        "simulatorRegion": _enum("eu-north1", "us-west1"),
    },
    required=("platform", "pullRequest"),
    closed=True,
)


def check_test_run_body(body: Any) -> list[str]:
    """POST /v1/tests/{testId}/runs"""
    return _TEST_RUN(body, "body")


def check_group_run_body(body: Any) -> list[str]:
    """POST /v1/groups/{groupId}/runs"""
    return _GROUP_RUN(body, "body")


def check_webhook_body(body: Any) -> list[str]:
    """POST /v1/groups/webhook/{webhookId}/{secret}"""
    return _WEBHOOK(body, "body")


def check_pull_request_run_body(body: Any) -> list[str]:
    """POST /v1/projects/{projectId}/pull-request-runs (DynamicPrRunRequest, anyOf)."""
    web, mobile = _PR_WEB(body, "body"), _PR_MOBILE(body, "body")
    if not web or not mobile:
        return []
    is_mobile = isinstance(body, dict) and body.get("platform") in ("ios", "android")
    return mobile if is_mobile else web
