"""Everything the sandbox answers, and every request it accepts, follows the API description.

(Each sandbox fixture also checks its own traffic at teardown; these tests make the
proof explicit and show the checker is not vacuous.)
"""

import uuid
from collections.abc import Callable
from typing import Protocol

import httpx
import pytest

from testerarmy_wait_sandbox import BUILTIN_SCENARIOS, Fault, ManualClock, Sandbox
from testerarmy_wait_sandbox.recording import Exchange


class Checker(Protocol):
    """What these tests use of the ``sandbox_conformance`` checker (tests/conftest.py)."""

    def problems(self, exchange: Exchange) -> list[str]: ...

    def check(self, exchanges: list[Exchange]) -> list[str]: ...


OPERATIONS = {
    ("GET", "/v1/runs"),
    ("GET", "/v1/runs/{id}"),
    ("POST", "/v1/runs/{id}/cancel"),
    ("POST", "/v1/tests/{testId}/runs"),
    ("POST", "/v1/groups/{groupId}/runs"),
    ("POST", "/v1/projects/{projectId}/pull-request-runs"),
    ("POST", "/v1/groups/webhook/{webhookId}/{secret}"),
}
PR_BODY = {
    "targetUrl": "https://preview.example.com",
    "platform": "web",
    "pullRequest": {
        "provider": "github",
        "number": 9,
        "title": "t",
        "description": "d",
        "baseBranch": "main",
        "headBranch": "feature",
        "commitSha": "abc123",
    },
}


@pytest.fixture
def checker(sandbox_conformance: Checker | None) -> Checker:
    if sandbox_conformance is None:
        pytest.skip(
            "API description not found at <repo>/../shared/api/testerarmy-openapi.json; "
            "conformance cannot be checked on this machine"
        )
    return sandbox_conformance


def drive_every_endpoint(sb: Sandbox) -> None:
    """Valid requests to every endpoint in every run state, plus each error status."""
    assert isinstance(sb.clock, ManualClock)
    with httpx.Client(
        base_url=sb.url, headers={"Authorization": f"Bearer {sb.api_key}"}, verify=False
    ) as c:
        test_id = sb.configure_test(history=3, project_id=sb.configure_project().project_id).test_id
        run_ids = [sb.create_run(name, test_id) for name in BUILTIN_SCENARIOS if name != "huge"]
        for _ in range(3):  # queued, running, terminal
            for rid in run_ids:
                c.get(f"/v1/runs/{rid}")
            c.get("/v1/runs", params={"testId": test_id, "limit": "4"})
            sb.clock.advance(10 if _ == 0 else 3600)
        c.get("/v1/runs", params={"status": "completed", "limit": "2"})
        cursor = c.get("/v1/runs", params={"limit": "5"}).json()["nextCursor"]
        c.get("/v1/runs", params={"limit": "5", "cursor": cursor})
        live = sb.create_run("slow")
        c.post(f"/v1/runs/{live}/cancel")
        c.post(f"/v1/runs/{live}/cancel")  # 409
        c.post(f"/v1/runs/{uuid.uuid4()}/cancel")  # 404
        c.get(f"/v1/runs/{uuid.uuid4()}")  # 404
        c.get("/v1/runs/nope")  # 400
        c.get("/v1/runs", params={"limit": "0"})  # 400
        c.post(f"/v1/tests/{test_id}/runs", json={"mode": "deep", "platform": "web"})
        c.post(f"/v1/tests/{test_id}/runs")
        c.post(f"/v1/tests/{test_id}/runs", json={"mode": "slowest"})  # 400
        group = sb.configure_group(scenarios=["passes", "hostile-failed"], cancelled=[1]).group_id
        c.post(f"/v1/groups/{group}/runs", json={"environment": "staging", "prNumber": 3})
        none_left = sb.configure_group(scenarios=["passes"], cancelled=[0]).group_id
        c.post(f"/v1/groups/{none_left}/runs")
        c.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json=PR_BODY)
        c.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json={})  # 400
        hook = sb.configure_webhook(group)
        httpx.post(f"{sb.url}{hook.path}", json={"commitSha": "abc"}, verify=False)
        httpx.post(f"{sb.url}/v1/groups/webhook/{hook.webhook_id}/bad", verify=False)  # 401
        c.get("/v1/runs", headers={"Authorization": "Bearer sk_nope"})  # 401
        sb.faults.add(nth=1, fault=Fault.rate_limited(3))
        sb.faults.add(nth=2, fault=Fault.status(500))
        sb.faults.add(nth=3, fault=Fault.status(504))
        sb.faults.add(nth=4, fault=Fault.extra_fields())
        sb.faults.add(nth=5, fault=Fault.missing_fields())
        for _ in range(5):
            c.get(f"/v1/runs/{run_ids[0]}")


def test_every_endpoint_answers_as_the_description_says(
    checker: Checker, sandbox_factory: Callable[..., Sandbox]
) -> None:
    sb = sandbox_factory(clock=ManualClock(), seed=11)
    drive_every_endpoint(sb)
    exchanges = sb.requests
    assert checker.check(exchanges) == []
    covered = {
        (e.method, template)
        for e in exchanges
        for template in [_template(e.route)]
        if template and e.status and e.status < 300
    }
    assert covered == OPERATIONS
    assert {e.status for e in exchanges} >= {200, 202, 400, 401, 404, 409, 429, 500, 504}


def _exchange(
    method: str,
    path: str,
    status: int,
    body: bytes,
    request: bytes = b"",
    fault: Fault | None = None,
) -> Exchange:
    return Exchange(
        method=method,
        path=path,
        query={},
        status=status,
        response_bytes=len(body),
        request_json=None,
        request_body=request,
        response_body=body,
        response_headers=(("Content-Type", "application/json"),),
        content_type="application/json",
        fault=fault,
        authenticated=True,
    )


def test_the_checker_catches_an_invalid_answer(checker: Checker) -> None:
    rid = str(uuid.uuid4())
    bad_status = (
        b'{"id":"%s","type":"test","status":"paused","input":{},"createdAt":"2025-01-01T00:00:00Z"}'
        % rid.encode()
    )
    no_id = b'{"type":"test","status":"queued","input":{},"createdAt":"2025-01-01T00:00:00Z"}'
    assert checker.problems(_exchange("GET", f"/api/v1/runs/{rid}", 200, bad_status))
    assert checker.problems(_exchange("GET", f"/api/v1/runs/{rid}", 200, no_id))
    assert checker.problems(_exchange("GET", f"/api/v1/runs/{rid}", 503, b"<html>"))
    assert checker.problems(_exchange("GET", "/api/v1/runs/x/unknown", 200, b"{}"))


def test_the_checker_catches_an_accepted_request_the_description_forbids(
    checker: Checker,
) -> None:
    body = b'{"status":"queued","runId":"%s","projectId":"%s","platform":"web"}' % (
        str(uuid.uuid4()).encode(),
        str(uuid.uuid4()).encode(),
    )
    request = (
        b'{"targetUrl":"https://x.example","pullRequest":{"number":0,"title":"t","commitSha":"c"}}'
    )
    exchange = _exchange(
        "POST", f"/api/v1/projects/{uuid.uuid4()}/pull-request-runs", 202, body, request
    )
    assert any("request" in p for p in checker.problems(exchange))


def test_the_checker_skips_deliberately_broken_answers(checker: Checker) -> None:
    rid = str(uuid.uuid4())
    exchange = _exchange("GET", f"/api/v1/runs/{rid}", 200, b"{trunc", fault=Fault.truncated())
    assert checker.problems(exchange) == []


def _template(route: str) -> str | None:
    parts = route.split("/")
    for method_route in OPERATIONS:
        template = method_route[1].split("/")
        same_shape = len(template) == len(parts) and all(
            t == p or t.startswith("{") for t, p in zip(template, parts, strict=True)
        )
        if same_shape and ("webhook" in template or "webhook" not in parts):
            return method_route[1]
    return None
