"""Run life cycle, reading, cancelling, auth and error statuses over HTTP."""

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testerarmy_wait_sandbox import ManualClock, Sandbox, builtin_scenario


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sb.url, headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10, verify=False
    )


def test_url_ends_with_api_and_key_starts_with_sk_sandbox(sandbox: Sandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")
    assert sandbox.url.endswith("/api")
    assert sandbox.api_key.startswith("sk_sandbox_")


def test_run_moves_queued_running_completed_on_the_clock(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    rid = sb.create_run("issues-found")
    scenario = builtin_scenario("issues-found")
    with client(sb) as c:
        queued = c.get(f"/v1/runs/{rid}").json()
        assert queued["status"] == "queued"
        assert queued["startedAt"] is None
        assert queued["output"] is None
        assert queued["durationMs"] is None
        assert isinstance(sb.clock, ManualClock)
        sb.clock.advance(scenario.queued_seconds)
        running = c.get(f"/v1/runs/{rid}").json()
        assert running["status"] == "running"
        assert running["startedAt"] is not None
        assert running["completedAt"] is None
        assert running["output"] is None
        sb.clock.advance(scenario.running_seconds)
        done = c.get(f"/v1/runs/{rid}").json()
    assert done["status"] == "completed"
    assert done["output"] == scenario.output
    assert done["durationMs"] == scenario.running_seconds * 1000
    assert done["completedAt"] > done["startedAt"] > done["createdAt"]
    assert done["id"] == rid


def test_fast_clock_finishes_a_ten_minute_run_well_under_a_second(sandbox: Sandbox) -> None:
    output = builtin_scenario("passes").output
    rid = sandbox.create_run({"name": "ten", "runningSeconds": 600, "output": output})
    seen: list[str] = []
    give_up = time.monotonic() + 5
    with client(sandbox) as c:
        while not seen or (seen[-1] != "completed" and time.monotonic() < give_up):
            seen.append(c.get(f"/v1/runs/{rid}").json()["status"])
            time.sleep(0.01)
    assert seen[-1] == "completed"
    assert seen.index("completed") > 0


@pytest.mark.parametrize(
    ("name", "status", "has_output", "has_error"),
    [
        ("passes", "completed", True, False),
        ("issues-found", "completed", True, False),
        ("warnings-only", "completed", True, False),
        ("infra-failure", "failed", False, True),
        ("planner-skipped", "completed", True, False),
        ("cancelled", "cancelled", False, False),
        ("slow", "completed", True, False),
        ("checkout-flow", "completed", True, False),
        ("hostile", "completed", True, False),
        ("hostile-failed", "failed", False, True),
        ("hostile-skipped", "completed", True, False),
    ],
)
def test_each_scenario_reaches_its_terminal_state(
    manual_sandbox: Sandbox, name: str, status: str, has_output: bool, has_error: bool
) -> None:
    sb = manual_sandbox
    rid = sb.create_run(name)
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(3600)
    with client(sb) as c:
        run = c.get(f"/v1/runs/{rid}").json()
    assert run["status"] == status
    assert (run["output"] is not None) is has_output
    assert (run["error"] is not None) is has_error
    assert run["completedAt"] is not None
    assert run["durationMs"] == builtin_scenario(name).reported_duration_ms


def test_planner_skipped_output_has_kind_and_reason_and_no_result(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("planner-skipped")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(60)
    run = manual_sandbox.run(rid)
    assert run["output"]["kind"] == "planner_skipped"
    assert "result" not in run["output"]
    assert run["type"] == "ci"


def test_infra_failure_reports_error_code_and_message(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("infra-failure")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(60)
    run = manual_sandbox.run(rid)
    assert run["error"]["code"] == "BROWSER_START_FAILED"
    assert run["autoRetryCount"] == 2


def test_huge_run_is_served_whole(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("huge")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(5000)
    with client(manual_sandbox) as c:
        response = c.get(f"/v1/runs/{rid}")
    output = response.json()["output"]
    assert len(output["description"]) == 2 * 1024 * 1024
    assert len(output["issues"]) == 5000
    assert len(output["steps"]) == 10000
    assert manual_sandbox.requests[-1].response_bytes > 2 * 1024 * 1024


def test_hostile_text_survives_the_wire_unchanged(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("hostile")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(60)
    with client(manual_sandbox) as c:
        run = c.get(f"/v1/runs/{rid}").json()
    assert run["output"] == builtin_scenario("hostile").output
    assert "\x1b]0;title\x07" in run["output"]["featureName"]


def test_a_dict_scenario_plays_like_a_builtin(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run(
        {
            "name": "custom",
            "status": "failed",
            "runningSeconds": 5,
            "error": {"code": "X", "message": "m"},
        }
    )
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(10)
    assert manual_sandbox.run(rid)["error"] == {"code": "X", "message": "m"}


def test_cancel_of_a_running_run_answers_200_and_the_run_is_cancelled(
    manual_sandbox: Sandbox,
) -> None:
    sb = manual_sandbox
    rid = sb.create_run("slow")
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(60)
    with client(sb) as c:
        response = c.post(f"/v1/runs/{rid}/cancel")
        assert response.status_code == 200
        assert response.json() == {"id": rid, "status": "cancelled"}
        sb.clock.advance(3600)
        run = c.get(f"/v1/runs/{rid}").json()
    assert run["status"] == "cancelled"
    assert run["output"] is None
    assert run["durationMs"] == 30_000
    assert [e.route for e in sb.requests_for("POST")] == [f"/v1/runs/{rid}/cancel"]


def test_cancel_of_a_queued_run_leaves_it_never_started(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("passes")
    with client(manual_sandbox) as c:
        assert c.post(f"/v1/runs/{rid}/cancel").status_code == 200
    run = manual_sandbox.run(rid)
    assert run["status"] == "cancelled"
    assert run["startedAt"] is None
    assert run["durationMs"] is None


def test_cancel_of_a_terminal_run_answers_409(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("passes")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(3600)
    with client(manual_sandbox) as c:
        response = c.post(f"/v1/runs/{rid}/cancel")
    assert response.status_code == 409
    assert set(response.json()) == {"error", "message"}


def test_cancel_of_an_unknown_run_answers_404(sandbox_client: httpx.Client) -> None:
    assert sandbox_client.post(f"/v1/runs/{uuid.uuid4()}/cancel").status_code == 404


def test_unknown_run_answers_404_with_error_and_message(sandbox_client: httpx.Client) -> None:
    response = sandbox_client.get(f"/v1/runs/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Run not found"}


@pytest.mark.parametrize("bad", ["not-a-uuid", "1234", "00000000-0000-0000-0000-00000000000g"])
def test_non_uuid_run_id_answers_400(sandbox_client: httpx.Client, bad: str) -> None:
    assert sandbox_client.get(f"/v1/runs/{bad}").status_code == 400
    assert sandbox_client.post(f"/v1/runs/{bad}/cancel").status_code == 400


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing API key"),
        ({"Authorization": "Bearer sk_wrong"}, "Invalid API key"),
        ({"Authorization": "Basic abc"}, "Invalid API key"),
        ({"Authorization": "Bearer"}, "Invalid API key"),
    ],
)
def test_missing_or_unknown_key_answers_401(
    sandbox: Sandbox, headers: dict[str, str], message: str, http: httpx.Client
) -> None:
    rid = sandbox.create_run()
    for response in (
        http.get(f"{sandbox.url}/v1/runs/{rid}", headers=headers),
        http.get(f"{sandbox.url}/v1/runs", headers=headers),
        http.post(f"{sandbox.url}/v1/runs/{rid}/cancel", headers=headers),
        http.post(f"{sandbox.url}/v1/tests/{uuid.uuid4()}/runs", headers=headers),
    ):
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized", "message": message}
    assert sandbox.status(rid) != "cancelled"


def test_an_added_api_key_is_accepted(sandbox: Sandbox, http: httpx.Client) -> None:
    sandbox.add_api_key("sk_second")
    rid = sandbox.create_run()
    response = http.get(
        f"{sandbox.url}/v1/runs/{rid}", headers={"Authorization": "bearer sk_second"}
    )
    assert response.status_code == 200


def test_paths_outside_the_api_answer_404_and_wrong_methods_405(
    sandbox_client: httpx.Client, sandbox: Sandbox, http: httpx.Client
) -> None:
    assert http.get(sandbox.url.removesuffix("/api") + "/v1/runs").status_code == 404
    assert sandbox_client.get("/v1/nothing").status_code == 404
    response = sandbox_client.delete("/v1/runs")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def test_seeded_sandboxes_are_reproducible(sandbox_factory: Callable[..., Sandbox]) -> None:
    def play() -> tuple[str, str, Any]:
        sb = sandbox_factory(clock=ManualClock(), seed=42)
        test_id = sb.configure_test(history=3).test_id
        rid = sb.create_run("checkout-flow", test_id)
        assert isinstance(sb.clock, ManualClock)
        sb.clock.advance(30)
        with client(sb) as c:
            listing = c.get("/v1/runs", params={"testId": test_id}).json()
        return sb.api_key, rid, listing

    assert play() == play()


def test_without_a_seed_ids_are_random_uuid4(sandbox: Sandbox) -> None:
    ids = {sandbox.create_run() for _ in range(3)}
    assert len(ids) == 3
    assert all(uuid.UUID(i).version == 4 for i in ids)


def test_unknown_scenario_name_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(KeyError, match="unknown scenario"):
        sandbox.create_run("nope")


def test_a_batch_is_cancelled_in_one_request(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    group = sb.configure_group(scenarios=["slow", "slow", "passes"])
    with httpx.Client(base_url=sb.url, headers={"Authorization": f"Bearer {sb.api_key}"}) as c:
        started = c.post(f"/v1/groups/{group.group_id}/runs", json={}).json()
        assert isinstance(sb.clock, ManualClock)
        first, second, third = started["runIds"]
        sb.clock.advance(600)  # the passing run is over; the slow ones are still going
        answer = c.post(f"/v1/batches/{started['batchId']}/cancel").json()
        missing = c.post(f"/v1/batches/{uuid.uuid4()}/cancel")
    assert sorted(answer["cancelledRunIds"]) == sorted([first, second])
    assert answer["alreadyFinishedRunIds"] == [third]
    assert (answer["cancelled"], answer["alreadyFinished"]) == (2, 1)
    assert [sb.status(r) for r in (first, second, third)] == ["cancelled", "cancelled", "completed"]
    assert missing.status_code == 404
