from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import jsonschema
import pydantic
import pytest

from testerarmy_wait.report.json_model import Results, schema_text
from testerarmy_wait.report.json_report import (
    MAX_LISTED,
    MAX_TEXT_CHARS,
    SCHEMA_VERSION,
    build_report,
    render_json,
)
from testerarmy_wait.verdict import Verdict, usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    HOSTILE_STRINGS,
    SIGNUP_ID,
    api_error_verdict,
    checkout_run_data,
    checkout_verdict,
    hostile_verdict,
    huge_run_data,
    huge_verdict,
    outcome,
    timeout_verdict,
    triggered_verdict,
    verdict_of,
    with_links,
)


def test_report_carries_the_overall_verdict() -> None:
    report = build_report(checkout_verdict())
    assert report["schemaVersion"] == SCHEMA_VERSION == 1
    assert report["result"] == "FAILED"
    assert report["exitCode"] == 1
    assert report["headline"] == "FAILED: 2 blocking issues in 1 of 2 runs"
    assert report["durationMs"] == 134_000
    assert report["runIds"] == [CHECKOUT_ID, SIGNUP_ID]
    assert report["issueCount"] == 3
    assert report["blockingIssueCount"] == 2


def test_each_run_has_result_reason_counts_issues_steps_and_screenshots() -> None:
    run = build_report(with_links(checkout_verdict(), run_url="https://d.example/r/{id}"))["runs"][
        0
    ]
    assert run["runId"] == CHECKOUT_ID
    assert run["result"] == "FAILED"
    assert run["status"] == "completed"
    assert run["featureName"] == "Checkout flow"
    assert run["durationMs"] == 134_000
    assert run["url"] == f"https://d.example/r/{CHECKOUT_ID}"
    assert [i["severity"] for i in run["issues"]] == [5, 3, 1]
    assert [i["blocking"] for i in run["issues"]] == [True, True, False]
    assert len(run["steps"]) == 12
    assert run["steps"][8]["errorCode"] == "STEP_NO_CONCLUSION"
    assert run["steps"][8]["durationMs"] == 41_000
    assert len(run["screenshots"]) == 4
    assert run["error"] is None
    assert run["trigger"] is None


def test_trigger_and_errors_are_reported() -> None:
    run = build_report(triggered_verdict())["runs"][0]
    assert run["trigger"] == {
        "kind": "group",
        "target": "grp_checkout",
        "parameters": {"ref": "main"},
        "batchId": "batch-42",
    }
    failed = build_report(api_error_verdict())["runs"][0]
    assert failed["result"] == "ERROR"
    assert failed["stopReason"] == "api_error"
    assert "HTTP 401" in failed["problem"]


def test_usage_error_report_has_no_runs_and_the_problem() -> None:
    report = build_report(usage_error("bad run id"))
    assert report["runs"] == []
    assert report["exitCode"] == 2
    assert report["problem"] == "bad run id"


def test_server_text_is_kept_exactly_and_round_trips() -> None:
    data = checkout_run_data()
    data["output"]["issues"][1]["name"] = "\n".join(HOSTILE_STRINGS)
    text = render_json(verdict_of(outcome(data)))
    issue = json.loads(text)["runs"][0]["issues"][0]
    assert issue["name"] == "\n".join(HOSTILE_STRINGS)


def test_lone_surrogates_become_replacement_characters_so_utf8_can_hold_them() -> None:
    data = checkout_run_data()
    data["output"]["featureName"] = "bad \ud800 text"
    text = render_json(verdict_of(outcome(data)))
    text.encode("utf-8")
    assert json.loads(text)["runs"][0]["featureName"] == "bad \ufffd text"


def test_a_run_with_more_than_the_listed_maximum_says_what_it_left_out() -> None:
    data = huge_run_data(issues=MAX_LISTED + 7, steps=MAX_LISTED + 3, description_bytes=100)
    data["output"]["description"] = "d" * (MAX_TEXT_CHARS + 10)
    [run] = build_report(verdict_of(outcome(data)))["runs"]
    assert len(run["issues"]) == MAX_LISTED
    assert len(run["steps"]) == MAX_LISTED
    assert run["issueCount"] == MAX_LISTED + 7  # the counts stay whole
    omitted = run["omitted"]
    assert (omitted["issues"], omitted["steps"], omitted["screenshots"]) == (7, 3, 0)
    assert omitted["textsCut"] == 1
    # details while the budget lasts (worst first), then name, type, severity and URL only
    briefed = [i for i in run["issues"] if i.get("detailsOmitted")]
    assert omitted["issueDetails"] == len(briefed) > 0
    assert run["issues"][0].get("description")  # the worst issue keeps its details
    assert set(briefed[0]) == {
        "name",
        "type",
        "severity",
        "blocking",
        "url",
        "detailsOmitted",
        "possiblyKnown",
    }
    failed = [s for s in data["output"]["steps"] if s.get("status") == "failed"]
    listed_failed = [s for s in run["steps"] if s["status"] == "failed"]
    assert len(listed_failed) == min(len(failed), MAX_LISTED)  # failed steps are kept


def test_the_shipped_schema_is_the_one_generated_from_the_model() -> None:
    shipped = resources.files("testerarmy_wait").joinpath("report/results.schema.json")
    assert shipped.read_text(encoding="utf-8") == schema_text(), (
        "results.schema.json drifted from report/json_model.py; regenerate it with "
        "`python -m testerarmy_wait.report.json_model > "
        "src/testerarmy_wait/report/results.schema.json`"
    )


@pytest.mark.parametrize(
    "verdict",
    [
        checkout_verdict,
        hostile_verdict,
        huge_verdict,
        timeout_verdict,
        api_error_verdict,
        triggered_verdict,
        lambda: usage_error("timeout: not a duration"),
    ],
)
def test_every_report_is_the_declared_object_and_valid_against_the_shipped_schema(
    verdict: Callable[[], Verdict],
) -> None:
    text = render_json(with_links(verdict(), run_url="https://d.example/r/{id}"))
    Results.model_validate_json(text, strict=True)  # every key present, none extra
    shipped = json.loads(
        resources.files("testerarmy_wait").joinpath("report/results.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(shipped)
    jsonschema.validate(json.loads(text), shipped)


def test_the_model_refuses_a_report_missing_a_key_or_with_one_extra() -> None:
    report = build_report(checkout_verdict())
    missing = {**report, "runs": [{k: v for k, v in report["runs"][0].items() if k != "polls"}]}
    extra = {**report, "surprise": 1}
    for wrong in (missing, extra):
        with pytest.raises(pydantic.ValidationError):
            Results.model_validate_json(json.dumps(wrong), strict=True)
