from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from testerarmy_wait.policy import Policy, Result
from testerarmy_wait.report.junit import render_junit
from testerarmy_wait.verdict import Verdict, usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    api_error_verdict,
    checkout_run_data,
    checkout_verdict,
    hostile_verdict,
    huge_run_data,
    outcome,
    timeout_verdict,
    verdict_of,
    with_links,
)

# Our schema of JUnit XML as Jenkins, GitLab and the GitHub test-report actions read it,
# checked by a full XSD 1.0 validator.
SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("junit.xsd"))
SchemaError = xmlschema.XMLSchemaValidationError


def parse(xml: str) -> ET.Element:
    root = ET.fromstring(xml.encode("utf-8"))
    SCHEMA.validate(root)
    return root


def assert_counts_match(root: ET.Element) -> None:
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for key, value in counted.items():
            assert suite.get(key) == str(value), (suite.get("name"), key)
            totals[key] += value
    for key, value in totals.items():
        assert root.get(key) == str(value)


@pytest.mark.parametrize(
    "verdict",
    [
        checkout_verdict(),
        hostile_verdict(),
        timeout_verdict(),
        api_error_verdict(),
        usage_error("bad"),
    ],
    ids=["checkout", "hostile", "timeout", "api-error", "usage-error"],
)
def test_junit_is_valid_against_the_schema_and_counts_match(verdict: Verdict) -> None:
    root = parse(render_junit(verdict))
    assert root.tag == "testsuites"
    assert_counts_match(root)


def test_the_schema_rejects_what_junit_consumers_reject() -> None:
    with pytest.raises(SchemaError, match="classname"):
        SCHEMA.validate(
            ET.fromstring(
                '<testsuites><testsuite name="a" tests="1"><testcase name="x"/>'
                "</testsuite></testsuites>"
            )
        )
    with pytest.raises(SchemaError, match="Unexpected child"):
        SCHEMA.validate(
            ET.fromstring(
                '<testsuites><testsuite name="a" tests="1"><testcase name="x" classname="c">'
                "<failure/><error/></testcase></testsuite></testsuites>"
            )
        )
    with pytest.raises(SchemaError, match="decimal|soon"):
        SCHEMA.validate(ET.fromstring('<testsuites time="soon"/>'))


def test_one_suite_per_run_with_a_case_per_step_and_per_issue() -> None:
    root = parse(render_junit(checkout_verdict()))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["Checkout flow (3f2a9c1e)", "Sign-up (a81b07d4)"]
    checkout = suites[0]
    names = [c.get("name") for c in checkout.findall("testcase")]
    assert names[:2] == ["Step 1: Open the home page", 'Step 2: Search for "running shoes"']
    assert "Issue: Payment form rejects a valid Visa card" in names
    assert "Warning: Footer link contrast below 4.5:1" in names
    assert checkout.get("tests") == "15"
    assert checkout.get("failures") == "4"  # 2 failed steps + 2 blocking issues


def test_failed_step_has_a_failure_with_error_code_and_step_time_in_seconds() -> None:
    root = parse(render_junit(checkout_verdict()))
    case = next(
        c for c in root.iter("testcase") if c.get("name") == "Step 9: Pay with a saved card"
    )
    assert case.get("time") == "41.000"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "STEP_NO_CONCLUSION"
    assert "Card declined" in (failure.text or "")


def test_blocking_issue_failure_carries_severity_description_and_repro_steps() -> None:
    root = parse(render_junit(checkout_verdict()))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("Issue: Payment"))
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "severity 5 · critical"
    text = failure.text or ""
    assert "A valid test Visa card is declined" in text
    assert "3. Enter card 4242 4242 4242 4242" in text
    assert "Expected: The order is placed" in text


def test_warning_and_sub_threshold_issue_pass_with_text_in_system_out() -> None:
    data = checkout_run_data()
    verdict = verdict_of(outcome(data), policy=Policy(min_severity=4))
    root = parse(render_junit(verdict))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    below = cases["Issue below threshold: Order total ignores discount code SAVE10"]
    warning = cases["Warning: Footer link contrast below 4.5:1"]
    for case in (below, warning):
        assert case.find("failure") is None
        out = case.find("system-out")
        assert out is not None
        assert out.text
    assert "SAVE10" in (below.find("system-out").text or "")  # type: ignore[union-attr]


def test_every_case_has_classname_name_and_file() -> None:
    root = parse(
        render_junit(with_links(checkout_verdict(), run_url="https://d.example/runs/{id}"))
    )
    for case in root.iter("testcase"):
        assert case.get("classname", "").startswith("tester.army.")
        assert case.get("name")
        assert case.get("file", "").startswith(("https://d.example/runs/", "tester.army/runs/"))


@pytest.mark.parametrize(
    ("verdict", "element", "kind"),
    [(timeout_verdict(), "error", "TIMEOUT"), (api_error_verdict(), "error", "ERROR")],
)
def test_run_that_could_not_be_judged_gets_an_error_case(
    verdict: Verdict, element: str, kind: str
) -> None:
    root = parse(render_junit(verdict))
    (case,) = root.iter("testcase")
    assert case.get("name") == f"Run result: {kind}"
    outcome_element = case.find(element)
    assert outcome_element is not None
    assert outcome_element.get("type") == kind


def test_skipped_run_gets_a_skipped_case() -> None:
    data = {
        "id": CHECKOUT_ID,
        "status": "completed",
        "output": {"kind": "planner_skipped", "reason": "docs"},
    }
    verdict = verdict_of(outcome(data), policy=Policy(fail_on=frozenset({Result.FAILED})))
    root = parse(render_junit(verdict))
    assert root.get("skipped") == "1"
    skipped = next(root.iter("skipped"))
    assert "docs" in skipped.get("message", "")


def test_usage_error_still_writes_one_error_case() -> None:
    root = parse(render_junit(usage_error("run-id 'x' is not a UUID")))
    assert root.get("errors") == "1"
    assert "not a UUID" in (next(root.iter("error")).text or "")


def test_huge_run_is_valid_complete_and_cuts_only_very_long_texts() -> None:
    xml = render_junit(verdict_of(outcome(huge_run_data(issues=500, steps=2000))))
    root = parse(xml)
    # 1,000 step cases (the failed ones among them), every issue, and one case saying what
    # was left out
    assert root.get("tests") == str(1000 + 500 + 1)
    left_out = [c for c in root.iter("testcase") if c.get("name") == "Left out of this report"]
    assert "1,000 steps not listed here" in (left_out[0].findtext("system-out") or "")
    assert_counts_match(root)
    assert len(xml.encode()) < 5 * 1024 * 1024
    long_text = "y" * 10_000
    data = checkout_run_data()
    data["output"]["issues"][1]["description"] = long_text
    cut = parse(render_junit(verdict_of(outcome(data))))
    failure = next(c for c in cut.iter("failure") if "Payment" in c.get("message", ""))
    assert (failure.text or "").endswith("(cut here; the JSON report has the full text)")


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_any_server_text_makes_well_formed_valid_xml(text: str) -> None:
    data = checkout_run_data()
    data["output"]["featureName"] = text
    data["output"]["issues"][1].update(name=text, description=text, reproductionSteps=[text])
    data["output"]["steps"][8].update(title=text, error=text, errorCode=text)
    root = parse(render_junit(verdict_of(outcome(data))))
    assert_counts_match(root)
