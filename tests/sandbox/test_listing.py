"""GET /v1/runs: filters, newest first, cursor paging, history."""

import uuid

import httpx
import pytest

from testerarmy_wait_sandbox import ManualClock, Sandbox


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(
        base_url=sb.url, headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10, verify=False
    )


def test_a_new_test_has_a_history_of_finished_runs_with_varied_durations(
    manual_sandbox: Sandbox,
) -> None:
    test_id = manual_sandbox.configure_test(history=6).test_id
    with client(manual_sandbox) as c:
        runs = c.get("/v1/runs", params={"testId": test_id, "status": "completed"}).json()["runs"]
    assert len(runs) >= 4
    assert all(r["status"] == "completed" and r["testId"] == test_id for r in runs)
    assert len({r["durationMs"] for r in runs}) == len(runs)
    assert all(r["durationMs"] > 0 for r in runs)


def test_runs_are_listed_newest_first(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    test_id = sb.configure_test(history=4).test_id
    sb.create_run("passes", test_id)
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(1)
    newest = sb.create_run("passes", test_id)
    with client(sb) as c:
        runs = c.get("/v1/runs", params={"testId": test_id}).json()["runs"]
    created = [r["createdAt"] for r in runs]
    assert created == sorted(created, reverse=True)
    assert runs[0]["id"] == newest
    assert len(runs) == 6


def test_cursor_paging_visits_every_run_once(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    test_id = sb.configure_test(history=7).test_id
    for _ in range(3):
        sb.create_run("passes", test_id)  # same instant: ties are still ordered
    seen, cursor, pages = [], None, 0
    with client(sb) as c:
        while True:
            params = {"testId": test_id, "limit": "3"} | ({"cursor": cursor} if cursor else {})
            body = c.get("/v1/runs", params=params).json()
            seen += [r["id"] for r in body["runs"]]
            pages += 1
            cursor = body["nextCursor"]
            if cursor is None:
                break
    assert pages == 4
    assert sorted(seen) == sorted(sb.run_ids(test_id=test_id))
    assert len(set(seen)) == 10


def test_last_page_has_null_next_cursor(manual_sandbox: Sandbox) -> None:
    test_id = manual_sandbox.configure_test(history=2).test_id
    with client(manual_sandbox) as c:
        body = c.get("/v1/runs", params={"testId": test_id, "limit": "2"}).json()
    assert len(body["runs"]) == 2
    assert body["nextCursor"] is None


def test_filters_by_status_project_and_test(manual_sandbox: Sandbox) -> None:
    sb = manual_sandbox
    project = sb.configure_project().project_id
    test_a = sb.configure_test(project_id=project, history=0).test_id
    test_b = sb.configure_test(history=0).test_id
    run_a = sb.create_run("passes", test_a)
    run_b = sb.create_run("infra-failure", test_b)
    assert isinstance(sb.clock, ManualClock)
    sb.clock.advance(3600)
    with client(sb) as c:
        by_project = c.get("/v1/runs", params={"projectId": project}).json()["runs"]
        failed = c.get("/v1/runs", params={"status": "failed", "testId": test_b}).json()["runs"]
        running = c.get("/v1/runs", params={"status": "running"}).json()["runs"]
    assert [r["id"] for r in by_project] == [run_a]
    assert [r["id"] for r in failed] == [run_b]
    assert running == []


def test_default_page_size_is_20(manual_sandbox: Sandbox) -> None:
    test_id = manual_sandbox.configure_test(history=25).test_id
    with client(manual_sandbox) as c:
        body = c.get("/v1/runs", params={"testId": test_id}).json()
    assert len(body["runs"]) == 20
    assert body["nextCursor"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"limit": "01"},
        {"status": "paused"},
        {"testId": "abc"},
        {"projectId": "abc"},
        {"cursor": "!!not-a-cursor!!"},
    ],
)
def test_invalid_query_values_answer_400(
    sandbox_client: httpx.Client, params: dict[str, str]
) -> None:
    response = sandbox_client.get("/v1/runs", params=params)
    assert response.status_code == 400
    assert set(response.json()) == {"error", "message"}


@pytest.mark.parametrize("limit", ["1", "9", "10", "99", "100"])
def test_limits_from_1_to_100_are_accepted(sandbox_client: httpx.Client, limit: str) -> None:
    response = sandbox_client.get("/v1/runs", params={"limit": limit, "testId": str(uuid.uuid4())})
    assert response.status_code == 200
    assert response.json() == {"runs": [], "nextCursor": None}


def test_a_test_can_be_given_exact_past_durations(manual_sandbox: Sandbox) -> None:
    durations = [170.0, 175.5, 180.0, 185.0, 190.0]
    test_id = manual_sandbox.configure_test(durations_s=durations).test_id
    with client(manual_sandbox) as c:
        runs = c.get("/v1/runs", params={"testId": test_id, "status": "completed"}).json()["runs"]
    # newest first: the last given duration is the most recent run
    assert [r["durationMs"] for r in runs] == [190000, 185000, 180000, 175500, 170000]


def test_many_runs_are_created_at_once(manual_sandbox: Sandbox) -> None:
    project = str(uuid.uuid4())
    ids = manual_sandbox.create_runs(120, "passes", project_id=project)
    assert len(set(ids)) == 120
    with client(manual_sandbox) as c:
        first = c.get("/v1/runs", params={"projectId": project, "limit": "100"}).json()
        second = c.get(
            "/v1/runs", params={"projectId": project, "limit": "100", "cursor": first["nextCursor"]}
        ).json()
    assert len(first["runs"]) + len(second["runs"]) == 120
    assert second["nextCursor"] is None
