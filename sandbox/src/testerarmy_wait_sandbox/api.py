"""The API itself: routing, auth, validation and run logic, without sockets.

``SandboxApi.handle`` takes a parsed request and returns a ``Reply``; the HTTP
layer (``server.py``) only moves bytes and applies faults.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from testerarmy_wait.errors import TesterArmyWaitError
from testerarmy_wait.ids import is_canonical_uuid

from .catalog import builtin_scenario
from .clock import Clock, isoformat
from .mobile import MobileApps
from .scenarios import JSONObject, Scenario
from .store import RUN_STATUSES, CursorError, IdFactory, RunRecord, Store, run_view
from .validation import (
    LIMIT_PATTERN,
    check_group_run_body,
    check_pull_request_run_body,
    check_test_run_body,
    check_webhook_body,
)

ScenarioLike = str | Mapping[str, Any] | Scenario


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # relative to the base URL, e.g. /v1/runs
    query: Mapping[str, Sequence[str]]
    authorization: str | None
    body: bytes
    base_url: str = ""  # how the client reached the sandbox, e.g. http://127.0.0.1:5000


@dataclass
class TestConfig:
    __test__ = False  # not a pytest test class

    test_id: str
    scenario: ScenarioLike | None = None  # None: the sandbox default
    project_id: str | None = None


@dataclass
class GroupMember:
    test_id: str
    scenario: ScenarioLike | None = None
    cancelled: bool = False


@dataclass
class GroupConfig:
    group_id: str
    members: list[GroupMember] = field(default_factory=list)


@dataclass
class ProjectConfig:
    project_id: str
    short_id: str | None = None
    scenario: ScenarioLike | None = None


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    secret: str
    group_id: str

    @property
    def path(self) -> str:
        """The trigger path relative to the base URL."""
        return f"/v1/groups/webhook/{self.webhook_id}/{self.secret}"


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": code, "message": message})


class BadRequest(TesterArmyWaitError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/v1/runs$"), "list_runs"),
    ("GET", re.compile(r"^/v1/runs/([^/]+)$"), "get_run"),
    ("POST", re.compile(r"^/v1/runs/([^/]+)/cancel$"), "cancel_run"),
    ("POST", re.compile(r"^/v1/batches/([^/]+)/cancel$"), "cancel_batch"),
    ("POST", re.compile(r"^/v1/tests/([^/]+)/runs$"), "trigger_test"),
    ("POST", re.compile(r"^/v1/groups/webhook/([^/]+)/([^/]+)$"), "trigger_webhook"),
    ("POST", re.compile(r"^/v1/groups/([^/]+)/runs$"), "trigger_group"),
    ("POST", re.compile(r"^/v1/projects/([^/]+)/pull-request-runs$"), "trigger_pull_request"),
    ("GET", re.compile(r"^/v1/tests/([^/]+)$"), "get_test"),
    ("GET", re.compile(r"^/v1/groups/([^/]+)$"), "get_group"),
    ("POST", re.compile(r"^/v1/projects/([^/]+)/mobile/upload$"), "initiate_upload"),
    ("POST", re.compile(r"^/v1/projects/([^/]+)/mobile/upload/confirm$"), "confirm_upload"),
    ("GET", re.compile(r"^/v1/projects/([^/]+)/mobile$"), "list_apps"),
    ("DELETE", re.compile(r"^/v1/projects/([^/]+)/mobile/([^/]+)$"), "delete_app"),
]


#: The project of tests and groups configured without one.
DEFAULT_PROJECT_ID = "5d6c1b2a-0f9e-4d8c-b7a6-958473625140"

#: Scenarios that change from one run of a test to the next: the n-th run of the test plays
#: the n-th scenario (the last one from then on).
SEQUENCES: dict[str, tuple[str, ...]] = {
    "flaky": ("issues-found", "passes"),
    "infra-then-pass": ("infra-failure", "passes"),
    "always-fails": ("issues-found",),
}


class SandboxApi:
    """State and behaviour of the sandbox API; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        *,
        api_keys: Sequence[str],
        seed: int | None = None,
        default_scenario: ScenarioLike = "passes",
        history: int = 5,
        strict_ids: bool = False,
    ) -> None:
        self.clock = clock
        self.ids = IdFactory(seed)
        self.store = Store(self.ids, seed)
        self.api_keys = set(api_keys)
        self.default_scenario = default_scenario
        self.history = history
        self.strict_ids = strict_ids
        self.scenarios: dict[str, Scenario] = {}
        self.tests: dict[str, TestConfig] = {}
        self.groups: dict[str, GroupConfig] = {}
        self.projects: dict[str, ProjectConfig] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.mobile = MobileApps()
        self.attempts: dict[str, int] = {}  # runs created per test, for SEQUENCES
        self._lock = threading.RLock()

    # ---- scenarios and configuration -------------------------------------------------

    def resolve(self, spec: ScenarioLike | None) -> Scenario:
        """A Scenario from a name (registered or built-in), a dict or a Scenario."""
        if spec is None:
            spec = self.default_scenario
        if isinstance(spec, str) and spec in SEQUENCES:  # its first run's, when asked here
            spec = SEQUENCES[spec][0]
        if isinstance(spec, Scenario):
            return spec
        if isinstance(spec, str):
            with self._lock:
                if spec in self.scenarios:
                    return self.scenarios[spec]
            return builtin_scenario(spec)
        return Scenario.from_dict(spec)

    def _id_or_new(self, value: str | None, name: str) -> str:
        """``value`` if it is a UUID (``ValueError`` if not), else a new id."""
        value = value or self.ids.new()
        _require_uuid(value, name)
        return value

    def register(self, scenario: Scenario) -> None:
        with self._lock:
            self.scenarios[scenario.name] = scenario

    def configure_test(
        self,
        test_id: str | None = None,
        *,
        scenario: ScenarioLike | None = None,
        project_id: str | None = None,
        history: int | None = None,
        durations_s: Sequence[float] | None = None,
    ) -> TestConfig:
        """Declare (or update) a test; a new one gets ``history`` past runs (``durations_s``:
        exactly these past runs, oldest first, with these durations). ``.test_id``."""
        test_id = self._id_or_new(test_id, "test_id")
        if scenario is not None:
            self.resolve(scenario)
        with self._lock:
            config = self.tests.get(test_id)
            if config is None:
                config = TestConfig(test_id, scenario, project_id)
                self.tests[test_id] = config
                count = self.history if history is None else history
                self.store.add_history(
                    test_id, self.clock.now(), count, project_id, durations_s=durations_s
                )
            else:
                if scenario is not None:
                    config.scenario = scenario
                if project_id is not None:
                    config.project_id = project_id
            return config

    def configure_group(
        self,
        group_id: str | None = None,
        *,
        scenarios: Sequence[ScenarioLike | None] = (None,),
        cancelled: Sequence[int] = (),
        test_ids: Sequence[str] | None = None,
        project_id: str | None = None,
        history: int | None = None,
    ) -> GroupConfig:
        """A group with one test per scenario (in ``project_id`` when given; each test with
        ``history`` past runs); triggering it cancels the members at the ``cancelled``
        indexes at once."""
        group_id = self._id_or_new(group_id, "group_id")
        if test_ids is not None and len(test_ids) != len(scenarios):
            raise ValueError("give one test id per scenario")
        for spec in scenarios:
            if spec is not None:
                self.resolve(spec)
        members = []
        for i, spec in enumerate(scenarios):
            test = self.configure_test(
                test_ids[i] if test_ids else None,
                scenario=spec,
                project_id=project_id,
                history=history,
            )
            members.append(GroupMember(test.test_id, spec, i in set(cancelled)))
        config = GroupConfig(group_id, members)
        with self._lock:
            self.groups[group_id] = config
        return config

    def configure_project(
        self,
        project_id: str | None = None,
        *,
        scenario: ScenarioLike | None = None,
        short_id: str | None = None,
    ) -> ProjectConfig:
        project_id = self._id_or_new(project_id, "project_id")
        if scenario is not None:
            self.resolve(scenario)
        config = ProjectConfig(project_id, short_id, scenario)
        with self._lock:
            self.projects[project_id] = config
        return config

    def configure_webhook(
        self,
        group: str | GroupConfig,
        *,
        webhook_id: str | None = None,
        secret: str | None = None,
    ) -> Webhook:
        group_id = group.group_id if isinstance(group, GroupConfig) else group
        with self._lock:
            if group_id not in self.groups:
                self.configure_group(group_id)
        webhook = Webhook(
            webhook_id or self.ids.new(),
            secret or f"whsec_{self.ids.new().replace('-', '')}",
            group_id,
        )
        _require_uuid(webhook.webhook_id, "webhook_id")
        with self._lock:
            self.webhooks[webhook.webhook_id] = webhook
        return webhook

    def create_run(
        self,
        scenario: ScenarioLike | None = None,
        *,
        test_id: str | None = None,
        project_id: str | None = None,
        type: str = "test",
        source: str | None = "api",
        input: JSONObject | None = None,
        platform: str | None = None,
        device_model: str | None = None,
        execution_mode: str | None = "fast",
        external_ref: JSONObject | None = None,
        cancelled: bool = False,
    ) -> RunRecord:
        if isinstance(scenario, str) and scenario in SEQUENCES:
            with self._lock:  # the test's n-th run plays the sequence's n-th scenario
                played = self.attempts.get(test_id or "", 0)
                self.attempts[test_id or ""] = played + 1
            steps = SEQUENCES[scenario]
            scenario = steps[min(played, len(steps) - 1)]
        resolved = self.resolve(scenario)
        if test_id is not None:
            config = self.configure_test(test_id)
            project_id = project_id or config.project_id
        now = self.clock.now()
        return self.store.add(
            resolved,
            now,
            type=resolved.fields.get("type", type),
            source=source,
            test_id=test_id,
            project_id=project_id,
            input=dict(input or {}),
            platform=platform,
            device_model=device_model,
            execution_mode=execution_mode,
            external_ref=external_ref,
            cancelled_at=now if cancelled else None,
        )

    def view(self, run_id: str) -> JSONObject:
        run = self.store.get(run_id)
        if run is None:
            raise KeyError(run_id)
        return run_view(run, self.clock.now())

    # ---- HTTP-facing ------------------------------------------------------------------

    def handle(self, request: ApiRequest) -> Reply:
        allowed = []
        for method, pattern, name in _ROUTES:
            match = pattern.match(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            if name != "trigger_webhook" and not self.is_authorized(request.authorization):
                return error(
                    401,
                    "unauthorized",
                    "Missing API key" if not request.authorization else "Invalid API key",
                )
            handler: Callable[..., Reply] = getattr(self, "_" + name)
            try:
                return handler(request, *match.groups())
            except BadRequest as exc:
                return error(400, "bad_request", exc.message)
        if allowed:
            reply = error(405, "method_not_allowed", f"Use {', '.join(allowed)}")
            return Reply(reply.status, reply.body, (("Allow", ", ".join(allowed)),))
        return error(404, "not_found", "No such endpoint")

    def is_authorized(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return False
        return any(hmac.compare_digest(key.strip(), known) for known in self.api_keys)

    def _get_run(self, request: ApiRequest, run_id: str) -> Reply:
        _path_uuid(run_id, "id")
        run = self.store.get(run_id)
        if run is None:
            return error(404, "not_found", "Run not found")
        return Reply(200, run_view(run, self.clock.now()))

    def _cancel_run(self, request: ApiRequest, run_id: str) -> Reply:
        _path_uuid(run_id, "id")
        outcome = self.store.cancel(run_id, self.clock.now())
        if outcome == "missing":
            return error(404, "not_found", "Run not found")
        if outcome == "terminal":
            return error(409, "conflict", "Run is already terminal and cannot be cancelled")
        return Reply(200, {"id": run_id, "status": "cancelled"})

    def _cancel_batch(self, request: ApiRequest, batch_id: str) -> Reply:
        _path_uuid(batch_id, "batchId")
        members = [r for r in self.store.all() if (r.external_ref or {}).get("batchId") == batch_id]
        if not members:
            return error(404, "not_found", "Batch not found")
        now = self.clock.now()
        cancelled: list[str] = []
        finished: list[str] = []
        for run in sorted(members, key=lambda r: r.seq):
            outcome = self.store.cancel(run.id, now)
            (cancelled if outcome == "cancelled" else finished).append(run.id)
        return Reply(
            200,
            {
                "batchId": batch_id,
                "cancelled": len(cancelled),
                "alreadyFinished": len(finished),
                "cancelledRunIds": cancelled,
                "alreadyFinishedRunIds": finished,
            },
        )

    def _list_runs(self, request: ApiRequest) -> Reply:
        q = {k: v[-1] for k, v in request.query.items() if v}
        limit = q.get("limit", "20")
        if not LIMIT_PATTERN.match(limit):
            raise BadRequest("limit must be an integer from 1 to 100")
        status = q.get("status")
        if status is not None and status not in RUN_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(RUN_STATUSES)}")
        for key in ("testId", "projectId"):
            if key in q and not is_canonical_uuid(q[key]):
                raise BadRequest(f"{key} must be a UUID")
        now = self.clock.now()
        try:
            page = self.store.page(
                now,
                test_id=q.get("testId"),
                project_id=q.get("projectId"),
                status=status,
                limit=int(limit),
                cursor=q.get("cursor") or None,
            )
        except CursorError as exc:
            raise BadRequest(str(exc)) from exc
        return Reply(
            200, {"runs": [run_view(r, now) for r in page.runs], "nextCursor": page.next_cursor}
        )

    def _trigger_test(self, request: ApiRequest, test_id: str) -> Reply:
        _path_uuid(test_id, "testId")
        body = _json_body(request.body, check_test_run_body)
        if (unknown := self._unknown_app(body)) is not None:
            return unknown
        with self._lock:
            known = self.tests.get(test_id)
        if known is None and self.strict_ids:
            return error(404, "not_found", "Test not found")
        config = known or self.configure_test(test_id)
        run = self.create_run(
            config.scenario,
            test_id=test_id,
            input=body,
            platform=body.get("platform"),
            device_model=_device_model(body),
            execution_mode=body.get("mode", "fast"),
        )
        return Reply(202, {"status": "queued", "runId": run.id, "testId": test_id})

    def _start_group(
        self, group_id: str, body: JSONObject, source: str
    ) -> tuple[str, list[RunRecord], list[RunRecord]]:
        with self._lock:
            config = self.groups.get(group_id)
        if config is None:
            config = self.configure_group(group_id)
        batch_id = self.ids.new()
        queued: list[RunRecord] = []
        cancelled: list[RunRecord] = []
        for member in config.members:
            run = self.create_run(
                member.scenario,
                test_id=member.test_id,
                source=source,
                input=body,
                platform=body.get("platform"),
                device_model=_device_model(body),
                external_ref={"batchId": batch_id, "groupId": group_id},
                cancelled=member.cancelled,
            )
            (cancelled if member.cancelled else queued).append(run)
        return batch_id, queued, cancelled

    def _trigger_group(self, request: ApiRequest, group_id: str) -> Reply:
        _path_uuid(group_id, "groupId")
        body = _json_body(request.body, check_group_run_body)
        if (unknown := self._unknown_app(body)) is not None:
            return unknown
        with self._lock:
            known = group_id in self.groups
        if not known and self.strict_ids:
            return error(404, "not_found", "Group not found")
        batch_id, queued, cancelled = self._start_group(group_id, body, "api")
        runs = queued + cancelled
        runs.sort(key=lambda r: r.seq)
        return Reply(
            202,
            {
                "status": "queued" if queued else "cancelled",
                "groupId": group_id,
                "batchId": batch_id,
                "runIds": [r.id for r in runs],
                "queuedRunIds": [r.id for r in queued],
                "cancelledRunIds": [r.id for r in cancelled],
                "count": len(runs),
                "metadata": {
                    "github": {
                        "configured": False,
                        "checkRunCreated": False,
                        "commentTargetResolved": False,
                        "status": "not_configured",
                    }
                },
            },
        )

    def _trigger_webhook(self, request: ApiRequest, webhook_id: str, secret: str) -> Reply:
        _path_uuid(webhook_id, "webhookId")
        with self._lock:
            webhook = self.webhooks.get(webhook_id)
        if webhook is None or not hmac.compare_digest(webhook.secret, secret):
            return error(401, "unauthorized", "Invalid webhook")
        body = _json_body(request.body, check_webhook_body)
        if (unknown := self._unknown_app(body)) is not None:
            return unknown
        batch_id, queued, _ = self._start_group(webhook.group_id, body, "webhook")
        reply: JSONObject = {"received": True, "batchId": batch_id, "batchIds": [batch_id]}
        if queued:
            reply["runId"] = queued[0].id
        else:
            reply.update(ignored=True, reason="Every run of the group was cancelled")
        return Reply(202, reply)

    def _trigger_pull_request(self, request: ApiRequest, project_ref: str) -> Reply:
        with self._lock:
            config = self.projects.get(project_ref) or next(
                (p for p in self.projects.values() if p.short_id == project_ref), None
            )
        if config is None:
            if self.strict_ids or not is_canonical_uuid(project_ref):
                return error(404, "not_found", "Project not found")
            config = self.configure_project(project_ref)
        body = _json_body(request.body, check_pull_request_run_body)
        if (unknown := self._unknown_app(body)) is not None:
            return unknown
        platform = body.get("platform", "web")
        pull = body["pullRequest"]
        run = self.create_run(
            config.scenario,
            project_id=config.project_id,
            type="ci",
            source="api",
            input=body,
            platform=platform,
            external_ref={
                "github": {
                    "pullRequestNumber": pull["number"],
                    "commitSha": pull["commitSha"],
                }
            },
        )
        return Reply(
            202,
            {
                "status": "queued",
                "runId": run.id,
                "projectId": config.project_id,
                "platform": platform,
            },
        )

    # ---- tests and groups ---------------------------------------------------------------

    def _get_test(self, request: ApiRequest, test_id: str) -> Reply:
        _path_uuid(test_id, "testId")
        with self._lock:
            config = self.tests.get(test_id)
        if config is None:
            return error(404, "not_found", "Test not found")
        project = config.project_id or DEFAULT_PROJECT_ID
        return Reply(
            200,
            {
                "id": test_id,
                "title": "Sandbox test",
                "steps": [],
                "projectId": project,
                "groups": [],
            },
        )

    def _get_group(self, request: ApiRequest, group_id: str) -> Reply:
        _path_uuid(group_id, "groupId")
        with self._lock:
            known = group_id in self.groups
        if not known:
            return error(404, "not_found", "Group not found")
        return Reply(
            200,
            {
                "id": group_id,
                "name": "Sandbox group",
                "isDefault": False,
                "runMode": "concurrent",
                "prepTestId": None,
                "projectId": DEFAULT_PROJECT_ID,
            },
        )

    # ---- mobile apps -------------------------------------------------------------------

    def _initiate_upload(self, request: ApiRequest, project_id: str) -> Reply:
        body = _object_body(request.body)
        status, answer = self.mobile.initiate(project_id, body, request.base_url)
        return Reply(status, answer)

    def _confirm_upload(self, request: ApiRequest, project_id: str) -> Reply:
        body = _object_body(request.body)
        stamp = isoformat(self.clock.now())
        status, answer = self.mobile.confirm(project_id, body, stamp, self.ids.new())
        return Reply(status, answer)

    def _list_apps(self, request: ApiRequest, project_id: str) -> Reply:
        return Reply(200, self.mobile.listing(project_id))

    def _delete_app(self, request: ApiRequest, project_id: str, app_id: str) -> Reply:
        if not self.mobile.delete(project_id, app_id):
            return error(404, "not_found", "Mobile app not found")
        return Reply(200, {"deleted": True})

    def _unknown_app(self, body: JSONObject) -> Reply | None:
        """404 for a run asked for with an app no project has."""
        mobile = body.get("mobile")
        app_id = body.get("appId") or (mobile.get("appId") if isinstance(mobile, dict) else None)
        if isinstance(app_id, str) and not self.mobile.has(app_id):
            return error(404, "not_found", "Mobile app not found")
        return None


def _object_body(raw: bytes) -> JSONObject:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body is not a JSON object")
    return body


def _device_model(body: JSONObject) -> str | None:
    """The device model a run records: ``ipad``, or nothing for any other value."""
    return "ipad" if body.get("deviceModel") == "ipad" else None


def _require_uuid(value: str, name: str) -> None:
    if not is_canonical_uuid(value):
        raise ValueError(f"{name} must be a UUID, got {value!r}")


def _path_uuid(value: str, name: str) -> None:
    if not is_canonical_uuid(value):
        raise BadRequest(f"{name} must be a UUID")


def _json_body(raw: bytes, check: Callable[[Any], list[str]]) -> JSONObject:
    if not raw.strip():
        body: Any = {}
    else:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("Request body is not valid JSON") from exc
    problems = check(body)
    if problems:
        raise BadRequest("Invalid request body: " + "; ".join(problems))
    assert isinstance(body, dict)
    return body
