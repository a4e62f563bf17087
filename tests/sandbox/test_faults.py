"""Faults on demand: each kind, and which request they hit."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from testerarmy_wait_sandbox import Fault, ManualClock, Sandbox


def client(sb: Sandbox, **kw: Any) -> httpx.Client:
    return httpx.Client(
        base_url=sb.url,
        headers={"Authorization": f"Bearer {sb.api_key}"},
        timeout=10,
        verify=False,
        **kw,
    )


@pytest.fixture
def run_path(manual_sandbox: Sandbox) -> str:
    rid = manual_sandbox.create_run("issues-found")
    assert isinstance(manual_sandbox.clock, ManualClock)
    manual_sandbox.clock.advance(3600)
    return f"/v1/runs/{rid}"


def test_the_third_get_of_a_run_answers_503_and_the_others_200(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    manual_sandbox.faults.add(method="GET", path=run_path, nth=[3], fault=Fault.status(503))
    with client(manual_sandbox) as c:
        codes = [c.get(run_path).status_code for _ in range(5)]
    assert codes == [200, 200, 503, 200, 200]


def test_times_hits_the_first_n_matching_requests_and_counts_them(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    rule = manual_sandbox.faults.add(path=run_path, times=2, fault=Fault.status(500))
    with client(manual_sandbox) as c:
        codes = [c.get(run_path).status_code for _ in range(3)]
        c.get("/v1/runs")
    assert codes == [500, 500, 200]
    assert (rule.seen, rule.fired) == (3, 2)


def test_wildcard_paths_and_method_filter(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(method="POST", path="/v1/runs/*", fault=Fault.status(502))
    with client(manual_sandbox) as c:
        assert c.get(run_path).status_code == 200
        assert c.post(f"{run_path}/cancel").status_code == 502
    assert manual_sandbox.status(run_path.rsplit("/", 1)[1]) == "completed"


def test_first_added_rule_wins_but_every_matching_rule_counts(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    first = manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.status(500))
    second = manual_sandbox.faults.add(path=run_path, nth=[1, 2], fault=Fault.status(504))
    with client(manual_sandbox) as c:
        codes = [c.get(run_path).status_code for _ in range(3)]
    assert codes == [500, 504, 200]
    assert (first.seen, second.seen) == (3, 3)


def test_paths_may_be_given_with_the_api_prefix_and_faults_cleared(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    manual_sandbox.faults.add(path="/api" + run_path, fault=Fault.status(500))
    with client(manual_sandbox) as c:
        assert c.get(run_path).status_code == 500
        manual_sandbox.faults.clear()
        assert c.get(run_path).status_code == 200


@pytest.mark.parametrize(("nth", "times"), [([0], None), ([], None), (1, 1)])
def test_bad_rule_counts_are_refused(
    sandbox: Sandbox, nth: int | list[int], times: int | None
) -> None:
    with pytest.raises(ValueError, match="nth"):
        sandbox.faults.add(fault=Fault.drop(), nth=nth, times=times)


def test_429_without_retry_after(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.rate_limited())
    with client(manual_sandbox) as c:
        response = c.get(run_path)
    assert response.status_code == 429
    assert "retry-after" not in response.headers
    assert response.json() == {"error": "rate_limited", "message": "Usage limit exceeded"}


def test_429_with_retry_after_seconds(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.rate_limited(7))
    with client(manual_sandbox) as c:
        assert c.get(run_path).headers["retry-after"] == "7"


def test_429_with_retry_after_http_date(manual_sandbox: Sandbox, run_path: str) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.rate_limited(when))
    manual_sandbox.faults.add(path=run_path, nth=2, fault=Fault.rate_limited(30, as_http_date=True))
    with client(manual_sandbox) as c:
        fixed = c.get(run_path).headers["retry-after"]
        relative = parsedate_to_datetime(c.get(run_path).headers["retry-after"])
    assert fixed == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert timedelta(seconds=20) < relative - datetime.now(UTC) <= timedelta(seconds=31)


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_server_errors_carry_error_and_message(
    manual_sandbox: Sandbox, run_path: str, code: int
) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.status(code))
    with client(manual_sandbox) as c:
        response = c.get(run_path)
    assert response.status_code == code
    assert set(response.json()) == {"error", "message"}


def test_a_status_fault_answers_instead_of_the_api(manual_sandbox: Sandbox) -> None:
    rid = manual_sandbox.create_run("slow")
    manual_sandbox.faults.add(method="POST", fault=Fault.status(500, error="boom", message="m"))
    with client(manual_sandbox) as c:
        response = c.post(f"/v1/runs/{rid}/cancel")
    assert response.json() == {"error": "boom", "message": "m"}
    assert manual_sandbox.status(rid) == "queued"


def test_slow_response_outlasts_a_short_client_timeout(sandbox: Sandbox) -> None:
    rid = sandbox.create_run()
    sandbox.faults.add(path=f"/v1/runs/{rid}", nth=1, fault=Fault.slow(0.5))
    with client(sandbox) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get(f"/v1/runs/{rid}", timeout=0.1)
        assert c.get(f"/v1/runs/{rid}").status_code == 200


def test_slow_then_another_fault(sandbox: Sandbox) -> None:
    rid = sandbox.create_run()
    sandbox.faults.add(nth=1, fault=Fault.slow(0.05, then=Fault.status(504)))
    with client(sandbox) as c:
        assert c.get(f"/v1/runs/{rid}").status_code == 504


def test_dropped_connection_gets_no_response(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.drop())
    with client(manual_sandbox) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(run_path)
        assert c.get(run_path).status_code == 200
    assert manual_sandbox.requests[0].status is None


def test_truncated_body_is_not_valid_json(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.truncated())
    with client(manual_sandbox) as c:
        response = c.get(run_path)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_short_read_body_ends_before_its_content_length(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.truncated(short_read=True))
    with client(manual_sandbox) as c, pytest.raises(httpx.RemoteProtocolError):
        c.get(run_path)


@pytest.mark.parametrize("code", [200, 502])
def test_html_error_page_instead_of_json(manual_sandbox: Sandbox, run_path: str, code: int) -> None:
    manual_sandbox.faults.add(path=run_path, nth=1, fault=Fault.html(code))
    with client(manual_sandbox) as c:
        response = c.get(run_path)
    assert response.status_code == code
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_unknown_status_value_in_a_run_and_in_a_listing(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    manual_sandbox.faults.add(fault=Fault.unknown_status("paused"))
    with client(manual_sandbox) as c:
        run = c.get(run_path).json()
        listed = c.get("/v1/runs").json()["runs"]
    assert run["status"] == "paused"
    assert {r["status"] for r in listed} == {"paused"}


def test_extra_unknown_fields_everywhere(manual_sandbox: Sandbox, run_path: str) -> None:
    manual_sandbox.faults.add(path=run_path, fault=Fault.extra_fields({"brandNew": [1]}))
    with client(manual_sandbox) as c:
        run = c.get(run_path).json()
    assert run["brandNew"] == [1]
    assert run["output"]["brandNew"] == [1]
    assert all(i["brandNew"] == [1] for i in run["output"]["issues"])
    assert all(s["brandNew"] == [1] for s in run["output"]["steps"])
    assert "brandNew" not in manual_sandbox.run(run["id"])


def test_missing_optional_fields_by_default_leaves_only_required_ones(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    manual_sandbox.faults.add(path=run_path, fault=Fault.missing_fields())
    with client(manual_sandbox) as c:
        run = c.get(run_path).json()
    assert set(run) == {"id", "type", "status", "input", "createdAt"}


def test_missing_chosen_fields_including_inside_lists(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    fault = Fault.missing_fields("output.issues.*.severity", "output.steps", "durationMs")
    manual_sandbox.faults.add(path=run_path, fault=fault)
    with client(manual_sandbox) as c:
        run = c.get(run_path).json()
    assert "durationMs" not in run
    assert "steps" not in run["output"]
    assert all("severity" not in i for i in run["output"]["issues"])
    assert run["output"]["issues"]


def test_body_faults_leave_error_answers_alone(
    sandbox_client: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.faults.add(fault=Fault.unknown_status())
    response = sandbox_client.get("/v1/runs/00000000-0000-4000-8000-000000000000")
    assert response.json() == {"error": "not_found", "message": "Run not found"}


def test_breaks_contract_flags_only_deliberately_invalid_answers() -> None:
    assert Fault.html().breaks_contract
    assert Fault.drop().breaks_contract
    assert Fault.truncated().breaks_contract
    assert Fault.unknown_status().breaks_contract
    assert Fault.slow(1, then=Fault.drop()).breaks_contract
    assert not Fault.slow(1).breaks_contract
    assert not Fault.status(503).breaks_contract
    assert not Fault.extra_fields().breaks_contract
    assert not Fault.missing_fields().breaks_contract


def test_every_exchange_is_recorded_without_the_api_key(
    manual_sandbox: Sandbox, run_path: str
) -> None:
    sb = manual_sandbox
    rid = sb.create_run("slow")
    with client(sb) as c:
        c.get(run_path, params={"x": "1"})
        c.post(f"/v1/runs/{rid}/cancel")
        c.post(f"/v1/tests/{sb.configure_test().test_id}/runs", json={"mode": "fast"})
    get, cancel, trigger = sb.requests
    assert (get.method, get.route, get.query, get.status) == ("GET", run_path, {"x": ["1"]}, 200)
    assert get.path == "/api" + run_path
    assert get.response_bytes == len(get.response_body) > 0
    assert get.authenticated
    assert cancel.status == 200
    assert sb.requests_for("POST", f"/v1/runs/{rid}/cancel") == [cancel]
    assert trigger.request_json == {"mode": "fast"}
    assert sb.api_key not in repr(sb.requests)
    sb.clear_requests()
    assert sb.requests == []
