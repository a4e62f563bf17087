"""What to start before waiting, decided from the settings: which endpoint and the JSON body.
Pure: pull-request fields come from the CI context (``ci_context``); nothing is sent here
(``starting`` sends it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from testerarmy_wait.ci_context import pull_request_from_ci
from testerarmy_wait.parsers import fail

#: The settings that name the runs: exactly one per invocation.
START_WAYS: Final = ("run-id", "test-id", "group-id", "project-id", "group-webhook-url")

# Pull-request fields: (setting, body key), the ones that must be known, and the API's limits.
_PR_FIELDS: Final = (
    ("pr-number", "number"),
    ("pr-title", "title"),
    ("pr-description", "description"),
    ("base-branch", "baseBranch"),
    ("head-branch", "headBranch"),
    ("commit-sha", "commitSha"),
)
_PR_REQUIRED: Final = {"pr-number": "number", "pr-title": "title", "commit-sha": "commitSha"}
_PR_LIMITS: Final = {
    "title": 500,
    "description": 5000,
    "baseBranch": 255,
    "headBranch": 255,
    "commitSha": 100,
}


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


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def start_request(way: str, values: Mapping[str, Any], env: Mapping[str, str]) -> StartRequest:
    """The request that starts the runs ``way`` names, from the parsed setting ``values``
    (pull-request fields fall back to the CI's event; explicit settings win)."""
    platform, device = values["platform"], values["device-model"]
    if way == "test-id":
        body = _present(
            mode=values["mode"],
            platform=platform,
            deviceModel=device,
            projectEnvironmentId=values["environment-id"],
        )
        return StartRequest("test", values["test-id"], body)
    # A group started directly or through its webhook takes the same parameters, except the
    # pull request number, which only the direct request documents.
    group_body = _present(
        platform=platform,
        deviceModel=device,
        targetUrl=values["target-url"],
        environment=values["environment"],
        commitSha=values["commit-sha"],
    )
    if way == "group-id":
        number = values["pr-number"]
        body = group_body if number is None else {**group_body, "prNumber": number}
        return StartRequest("group", values["group-id"], body)
    if way == "group-webhook-url":
        base, webhook_id, secret = values["group-webhook-url"]
        return StartRequest("webhook", webhook_id, group_body, secret=secret, api_base=base)
    if values["target-url"] is None:
        fail("target-url", "a pull-request run needs the URL of the deployment to test")
    pull_request = pull_request_from_ci(env)
    for name, key in _PR_FIELDS:
        if values[name] is not None:
            pull_request[key] = values[name]
    for name, key in _PR_REQUIRED.items():
        if key not in pull_request:
            fail(
                name,
                "missing for the pull-request run, and the CI event does not give it; "
                f"set the {name} input",
            )
    for key, limit in _PR_LIMITS.items():
        if isinstance(pull_request.get(key), str):
            pull_request[key] = pull_request[key][:limit]
    body = _present(targetUrl=values["target-url"], platform="web", pullRequest=pull_request)
    return StartRequest("pull-request", values["project-id"], body)
