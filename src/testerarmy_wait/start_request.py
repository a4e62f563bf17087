"""What to start before waiting, decided from the settings: which endpoint and the JSON body.
Pure: pull-request fields come from the CI context (``ci_context``); nothing is sent here
(``starting`` sends it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

from testerarmy_wait.ci_context import ChangeRequest
from testerarmy_wait.parsers import fail

if TYPE_CHECKING:
    from testerarmy_wait.inputs import Inputs

#: The settings that name the runs: exactly one per invocation.
START_WAYS: Final = ("run-id", "test-id", "group-id", "project-id", "group-webhook-url")

# Pull-request fields: (input, body key), the ones that must be known, and the API's limits.
_PR_FIELDS: Final = (
    ("pr_number", "number"),
    ("pr_title", "title"),
    ("pr_description", "description"),
    ("base_branch", "baseBranch"),
    ("head_branch", "headBranch"),
    ("commit_sha", "commitSha"),
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


def start_request(
    way: str, inputs: Inputs, change: ChangeRequest, *, mobile: bool = False
) -> StartRequest:
    """The request that starts the runs ``way`` names, from the parsed ``inputs``
    (pull-request fields fall back to the CI's pull request; explicit settings win)."""
    platform, device = inputs.platform, inputs.device_model
    if way == "test-id":
        body = _present(
            mode=inputs.mode,
            platform=platform,
            deviceModel=device,
            projectEnvironmentId=inputs.environment_id,
        )
        return StartRequest("test", str(inputs.test_id), body)
    # A group started directly or through its webhook takes the same parameters, except the
    # pull request number, which only the direct request documents.
    group_body = _present(
        platform=platform,
        deviceModel=device,
        targetUrl=inputs.target_url,
        environment=inputs.environment,
        commitSha=inputs.commit_sha,
    )
    if way == "group-id":
        number = inputs.pr_number
        body = group_body if number is None else {**group_body, "prNumber": number}
        return StartRequest("group", str(inputs.group_id), body)
    if way == "group-webhook-url" and inputs.group_webhook_url is not None:
        base, webhook_id, secret = inputs.group_webhook_url
        return StartRequest("webhook", webhook_id, group_body, secret=secret, api_base=base)
    if inputs.target_url is None and not mobile:
        fail("target-url", "a pull-request run needs the URL of the deployment to test")
    pull_request = change.start_fields()
    for name, key in _PR_FIELDS:
        value = getattr(inputs, name)
        if value is not None:
            pull_request[key] = value
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
    if mobile:  # the app and its platform are filled in once the build is uploaded
        body = _present(platform=inputs.platform, pullRequest=pull_request)
    else:
        body = _present(targetUrl=inputs.target_url, platform="web", pullRequest=pull_request)
    return StartRequest("pull-request", str(inputs.project_id), body)


def with_app(request: StartRequest, app_id: str, platform: str | None) -> StartRequest:
    """``request`` asking for the app ``app_id``: a test run takes ``appId``; a group, a
    webhook and a pull-request run take ``mobile.appId``; the platform is the app's unless
    one was set."""
    body = dict(request.body)
    if platform in ("ios", "android") and body.get("platform") in (None, "web"):
        body["platform"] = platform
    if request.kind == "test":
        body["appId"] = app_id
    else:
        body["mobile"] = {**dict(body.get("mobile") or {}), "appId": app_id}
        if request.kind == "pull-request":  # a mobile pull-request run has no URL
            body.pop("targetUrl", None)
    return replace(request, body=body)
