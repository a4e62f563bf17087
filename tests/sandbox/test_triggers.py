"""Triggers: tests, groups, pull-request runs, group webhooks."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testerarmy_wait_sandbox import ManualClock, Sandbox, builtin_scenario

PR_BODY: dict[str, Any] = {
    "targetUrl": "https://preview-42.shop.example.com",
    "pullRequest": {"number": 42, "title": "Faster checkout", "commitSha": "0123abcd"},
}


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sb.url, headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10, verify=False
    )


def test_triggering_a_test_answers_202_queued_with_the_run_id(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    test_id = sb.configure_test(scenario="issues-found").test_id
    with client(sb) as c:
        response = c.post(
            f"/v1/tests/{test_id}/runs",
            json={"mode": "deep", "platform": "ios", "deviceModel": "ipad"},
        )
    assert response.status_code == 202
    body = response.json()
    assert body == {"status": "queued", "runId": body["runId"], "testId": test_id}
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(3600)
    run = sb.run(body["runId"])
    assert run["output"] == builtin_scenario("issues-found").output
    assert (run["executionMode"], run["platform"], run["deviceModel"]) == ("deep", "ios", "ipad")
    assert run["input"] == {"mode": "deep", "platform": "ios", "deviceModel": "ipad"}
    assert sb.requests[-1].request_json == run["input"]


def test_an_unconfigured_test_plays_the_default_scenario(manual_sandbox: Sandbox) -> None:
    manual_sandbox.default_scenario = "warnings-only"
    with client(manual_sandbox) as c:
        rid = c.post(f"/v1/tests/{uuid.uuid4()}/runs").json()["runId"]
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(3600)
    assert manual_sandbox.run(rid)["output"] == builtin_scenario("warnings-only").output


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "turbo"},
        {"platform": "windows"},
        {"deviceModel": "pixel"},
        {"appId": "not-a-uuid"},
        {"projectEnvironmentId": 5},
        [],
        "text",
    ],
)
def test_a_test_trigger_body_the_description_forbids_answers_400(
    sandbox_client: httpx.Client, body: Any
) -> None:
    response = sandbox_client.post(f"/v1/tests/{uuid.uuid4()}/runs", json=body)
    assert response.status_code == 400
    assert "body" in response.json()["message"]


def test_a_body_that_is_not_json_answers_400(sandbox_client: httpx.Client) -> None:
    response = sandbox_client.post(
        f"/v1/tests/{uuid.uuid4()}/runs",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_non_uuid_test_and_group_ids_answer_400(sandbox_client: httpx.Client) -> None:
    assert sandbox_client.post("/v1/tests/abc/runs").status_code == 400
    assert sandbox_client.post("/v1/groups/abc/runs").status_code == 400


def test_strict_sandbox_answers_404_for_unknown_tests_groups_and_projects(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(strict_ids=True)
    with client(sb) as c:
        assert c.post(f"/v1/tests/{uuid.uuid4()}/runs").status_code == 404
        assert c.post(f"/v1/groups/{uuid.uuid4()}/runs").status_code == 404
        assert (
            c.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json=PR_BODY).status_code
            == 404
        )


def test_group_trigger_starts_every_member_and_cancels_the_chosen_ones(
    manual_sandbox: Sandbox,
) -> None:
    sb = manual_sandbox
    group = sb.configure_group(
        scenarios=["passes", "issues-found", "hostile"], cancelled=[1]
    ).group_id
    with client(sb) as c:
        response = c.post(f"/v1/groups/{group}/runs", json={"commitSha": "abc", "prNumber": 7})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["groupId"] == group
    assert body["count"] == 3
    assert len(body["runIds"]) == 3
    assert body["queuedRunIds"] == [body["runIds"][0], body["runIds"][2]]
    assert body["cancelledRunIds"] == [body["runIds"][1]]
    assert sb.status(body["runIds"][1]) == "cancelled"
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(3600)
    assert sb.run(body["runIds"][0])["output"]["result"] == "PASS"
    assert sb.run(body["runIds"][2])["output"]["result"] == "FAILED"
    assert sb.run(body["runIds"][0])["externalRef"]["batchId"] == body["batchId"]


def test_group_with_every_run_cancelled_answers_status_cancelled(sandbox: Sandbox) -> None:
    group = sandbox.configure_group(scenarios=["passes", "passes"], cancelled=[0, 1]).group_id
    with client(sandbox) as c:
        body = c.post(f"/v1/groups/{group}/runs").json()
    assert body["status"] == "cancelled"
    assert body["queuedRunIds"] == []
    assert len(body["cancelledRunIds"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"prNumber": 0},
        {"environment": "qa"},
        {"mobile": {"extra": 1}},
        {"commitSha": ""},
        {"targetUrl": "no uri"},
    ],
)
def test_a_group_trigger_body_the_description_forbids_answers_400(
    sandbox_client: httpx.Client, body: dict[str, Any]
) -> None:
    assert sandbox_client.post(f"/v1/groups/{uuid.uuid4()}/runs", json=body).status_code == 400


def test_pull_request_run_answers_202_and_plays_the_project_scenario(
    manual_sandbox: Sandbox,
) -> None:
    sb = manual_sandbox
    project = sb.configure_project(scenario="planner-skipped", short_id="shop").project_id
    with client(sb) as c:
        by_id = c.post(f"/v1/projects/{project}/pull-request-runs", json=PR_BODY)
        by_short_id = c.post("/v1/projects/shop/pull-request-runs", json=PR_BODY)
    assert by_id.status_code == by_short_id.status_code == 202
    body = by_short_id.json()
    assert body == {
        "status": "queued",
        "runId": body["runId"],
        "projectId": project,
        "platform": "web",
    }
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(3600)
    run = sb.run(body["runId"])
    assert run["type"] == "ci"
    assert run["projectId"] == project
    assert run["output"]["kind"] == "planner_skipped"


def test_mobile_pull_request_run_is_accepted(sandbox_client: httpx.Client) -> None:
    body = {
        "platform": "android",
        "pullRequest": {"number": 1, "title": "t", "commitSha": "c"},
        "mobile": {"bundleId": "com.example.app"},
        "simulatorRegion": "us-west1",
    }
    response = sandbox_client.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json=body)
    assert response.status_code == 202
    assert response.json()["platform"] == "android"


def test_unknown_project_short_id_answers_404(sandbox_client: httpx.Client) -> None:
    assert (
        sandbox_client.post("/v1/projects/nope/pull-request-runs", json=PR_BODY).status_code == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"targetUrl": "https://x.example"},
        {
            "targetUrl": "https://x.example",
            "pullRequest": {"number": 0, "title": "t", "commitSha": "c"},
        },
        {
            "targetUrl": "https://x.example",
            "pullRequest": {"number": 1, "title": "", "commitSha": "c"},
        },
        {"targetUrl": "https://x.example", "pullRequest": {"number": 1, "title": "t"}},
        {**PR_BODY, "changedFiles": ["a.py"]},
        {**PR_BODY, "platform": "ios"},
        {
            "platform": "ios",
            "pullRequest": PR_BODY["pullRequest"],
            "targetUrl": "https://x.example",
        },
        {
            "targetUrl": "https://x.example",
            "pullRequest": {**PR_BODY["pullRequest"], "title": "t" * 501},
        },
    ],
)
def test_a_pull_request_body_the_description_forbids_answers_400(
    sandbox_client: httpx.Client, body: dict[str, Any]
) -> None:
    response = sandbox_client.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json=body)
    assert response.status_code == 400


def test_a_body_over_the_size_limit_answers_413(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(max_body_bytes=2000)
    body = {**PR_BODY, "pullRequest": {**PR_BODY["pullRequest"], "description": "d" * 4000}}
    with client(sb) as c:
        response = c.post(f"/v1/projects/{uuid.uuid4()}/pull-request-runs", json=body)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert sb.run_ids() == []


def test_webhook_with_the_right_secret_triggers_the_group_without_a_key(
    manual_sandbox: Sandbox, http: httpx.Client
) -> None:
    sb = manual_sandbox
    group = sb.configure_group(scenarios=["checkout-flow", "passes"]).group_id
    hook = sb.configure_webhook(group)
    response = http.post(f"{sb.url}{hook.path}", json={"commitSha": "", "environment": "preview"})
    assert response.status_code == 202
    body = response.json()
    assert body["received"] is True
    assert body["batchIds"] == [body["batchId"]]
    assert sb.run(body["runId"])["source"] == "webhook"


def test_webhook_with_a_wrong_secret_or_id_answers_401_and_starts_nothing(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    hook = sandbox.configure_webhook(sandbox.configure_group())
    before = sandbox.run_ids()
    wrong_secret = http.post(f"{sandbox.url}/v1/groups/webhook/{hook.webhook_id}/wrong")
    wrong_id = http.post(f"{sandbox.url}/v1/groups/webhook/{uuid.uuid4()}/{hook.secret}")
    assert wrong_secret.status_code == wrong_id.status_code == 401
    assert sandbox.run_ids() == before
    assert http.post(f"{sandbox.url}/v1/groups/webhook/abc/{hook.secret}").status_code == 400


def test_webhook_of_a_fully_cancelled_group_is_received_but_ignored(
    sandbox: Sandbox, http: httpx.Client
) -> None:
    hook = sandbox.configure_webhook(sandbox.configure_group(scenarios=["passes"], cancelled=[0]))
    body = http.post(f"{sandbox.url}{hook.path}").json()
    assert body["received"] is True
    assert body["ignored"] is True
    assert "runId" not in body


def test_a_registered_scenario_can_be_used_by_name(manual_sandbox: Sandbox) -> None:
    custom = dict(builtin_scenario("passes").to_dict(), name="mine", durationMs=1234)
    manual_sandbox.register_scenario(custom)
    test_id = manual_sandbox.configure_test(scenario="mine").test_id
    with client(manual_sandbox) as c:
        rid = c.post(f"/v1/tests/{test_id}/runs").json()["runId"]
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(3600)
    assert manual_sandbox.run(rid)["durationMs"] == 1234
