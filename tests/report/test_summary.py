from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy, Result
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import comment_body
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import Verdict, decide, usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    HOSTILE_STRINGS,
    api_error_verdict,
    checkout_run_data,
    checkout_verdict,
    hostile_verdict,
    huge_run_data,
    huge_verdict,
    outcome,
    signup_run_data,
    timeout_verdict,
    triggered_verdict,
    verdict_of,
    with_links,
)
from tests.report.html_check import Inspector, assert_safe, inspect, visible_text

RUN_URL = "https://dashboard.example/runs/{id}"
PATHS = {
    "json": "testerarmy-reports/testerarmy-wait.json",
    "junit": "testerarmy-reports/testerarmy-wait.junit.xml",
}


def section_titles(doc: Inspector) -> list[str]:
    return [t for t in doc.text if t.startswith(("❌", "⚠️", "⏱️", "🚫", "⏭️", "✅"))]


def test_summary_opens_with_the_verdict_heading() -> None:
    markdown = render_summary(with_links(checkout_verdict(), run_url=RUN_URL))
    assert markdown.startswith("## ❌ tester.army — FAILED")
    assert "2 blocking issues in 1 of 2 runs" in inspect(markdown).text[0]


def test_run_table_links_short_ids_only_when_a_run_url_template_is_given() -> None:
    linked = inspect(render_summary(with_links(checkout_verdict(), run_url=RUN_URL)))
    assert f"https://dashboard.example/runs/{CHECKOUT_ID}" in linked.links()
    plain = inspect(render_summary(checkout_verdict()))
    assert not any("dashboard" in link for link in plain.links())
    no_placeholder = inspect(
        render_summary(with_links(checkout_verdict(), run_url="https://x.example/"))
    )
    assert not any("x.example" in link for link in no_placeholder.links())


def test_run_url_template_that_is_not_http_never_becomes_a_link() -> None:
    doc = inspect(
        render_summary(with_links(checkout_verdict(), run_url="javascript:alert('{id}')"))
    )
    assert all(link.startswith("https://") for link in doc.links())


def test_run_table_has_a_row_per_run_worst_first_with_issue_counts_and_durations() -> None:
    markdown = render_summary(checkout_verdict())
    rows = [
        line for line in markdown.splitlines() if line.startswith("| ❌") or line.startswith("| ✅")
    ]
    assert len(rows) == 2
    assert "| FAILED | 3 (2) | 2m 14s |" in rows[0]
    assert "| PASS | 0 | 1m 02s |" in rows[1]


def test_policy_line_names_wait_time_and_requests() -> None:
    markdown = render_summary(checkout_verdict())
    assert "Waited 2m 31s, 19 requests." in markdown
    assert "Policy: fail on" in markdown


def test_failing_run_gets_a_section_and_passing_run_a_line() -> None:
    doc = inspect(render_summary(checkout_verdict()))
    headings = [e for e in doc.elements if e.tag == "h3"]
    assert len(headings) == 1
    text = "".join(doc.text)
    assert "Checkout flow — FAILED" in text
    assert "Sign-up" in text
    assert "passed with no issues" in text


def test_issues_table_lists_issues_by_severity_with_emoji_type_name_and_link() -> None:
    markdown = render_summary(checkout_verdict())
    issue_rows = [line for line in markdown.splitlines() if re.match(r"\| (🔴|🟠|🟡|🔵|⚪)", line)]
    assert [row.split("|")[1].strip() for row in issue_rows] == [
        "🔴 5 · critical",
        "🟡 3 · major",
        "⚪ 1 · minor",
    ]
    assert "[https&#58;//shop&#46;example/cart](https://shop.example/cart)" in issue_rows[1]


def test_issue_details_hold_repro_steps_expected_actual_screenshot_and_time() -> None:
    doc = inspect(render_summary(checkout_verdict()))
    text = "".join(doc.text)
    assert 'Enter card 4242 4242 4242 4242, 12/30, CVC 123, and press "Pay".' in text
    assert "Expected:" in text
    assert "Actual:" in text
    assert "reported 1m 23s into the run" in text
    assert "https://cdn.shop.example/shots/issue-1.png" in doc.links()


def test_steps_table_has_every_step_with_status_time_and_error_code() -> None:
    markdown = render_summary(checkout_verdict())
    assert "<details><summary>Steps: 12, 2 failed</summary>" in markdown
    assert (
        "| 9 | Pay with a saved card — Card declined | act | ❌ failed | 41.0 s "
        "| STEP&#95;NO&#95;CONCLUSION |" in markdown
    )
    assert "<details><summary>Screenshots (4)</summary>" in markdown


def test_realistic_summary_renders_safely_and_names_the_report_files() -> None:
    markdown = render_summary(with_links(checkout_verdict(), run_url=RUN_URL), report_paths=PATHS)
    assert_safe(markdown)
    assert "`testerarmy-reports/testerarmy-wait.json` (JSON)" in markdown


def test_hostile_server_text_cannot_add_elements_links_or_break_tables() -> None:
    markdown = render_summary(with_links(hostile_verdict(), run_url=RUN_URL), report_paths=PATHS)
    assert_safe(markdown)
    text = "".join(inspect(markdown).text)
    # The hostile text is still there for the reader, as text.
    assert "<img src=x onerror=alert(1)>" in text
    assert "</details>" in text
    assert "\x1b" not in markdown
    assert "\x00" not in markdown


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_each_hostile_string_in_every_field_stays_text(hostile: str) -> None:
    data = checkout_run_data()
    output = data["output"]
    output["featureName"] = hostile
    output["description"] = hostile
    for issue in output["issues"]:
        issue.update(name=hostile, url=hostile, screenshotUrl=hostile, expectedBehavior=hostile)
        issue["reproductionSteps"] = [hostile, hostile]
    for step in output["steps"]:
        step.update(title=hostile, errorCode=hostile, type=hostile)
    output["screenshots"] = [hostile]
    markdown = render_summary(with_links(verdict_of(outcome(data)), run_url=RUN_URL))
    assert_safe(markdown)


def test_huge_run_stays_under_the_limit_keeps_top_issues_and_says_what_was_left_out() -> None:
    markdown = render_summary(with_links(huge_verdict(), run_url=RUN_URL), report_paths=PATHS)
    assert len(markdown.encode()) <= 512 * 1024
    assert_safe(markdown)
    assert "Left out to keep this summary under 512 KB" in markdown
    assert "`testerarmy-reports/testerarmy-wait.json` (JSON)" in markdown
    # The worst issues come first and with details.
    assert "<details><summary>🔴 Issue number 4" in markdown
    assert "(critical)</summary>" in markdown
    assert "More issues, by name:" in markdown


@pytest.mark.parametrize("max_bytes", [64 * 1024, 4096, 600, 0])
def test_summary_never_exceeds_max_bytes(max_bytes: int) -> None:
    markdown = render_summary(
        with_links(huge_verdict(), run_url=RUN_URL), report_paths=PATHS, max_bytes=max_bytes
    )
    assert len(markdown.encode()) <= max_bytes
    if max_bytes >= 4096:
        assert markdown.startswith("## ❌ tester.army — FAILED")
        assert_safe(markdown)


def test_many_runs_each_get_a_share_of_the_budget() -> None:
    runs = []
    for n in range(6):
        data = huge_run_data(issues=300, steps=300, description_bytes=10_000)
        data["id"] = f"00000000-0000-4000-8000-00000000000{n}"
        data["output"]["featureName"] = f"Feature {n}"
        runs.append(outcome(data))
    markdown = render_summary(verdict_of(*runs), max_bytes=128 * 1024)
    assert len(markdown.encode()) <= 128 * 1024
    for n in range(6):
        assert f"### ❌ Feature {n} — FAILED" in markdown


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.sampled_from(HOSTILE_STRINGS) | st.text(max_size=40), min_size=1, max_size=6),
    max_bytes=st.integers(min_value=2048, max_value=40_000),
)
def test_any_issue_text_under_any_budget_is_safe_and_fits(texts: list[str], max_bytes: int) -> None:
    data = checkout_run_data()
    data["output"]["issues"] = [
        {"name": t, "description": t, "url": t, "severity": n % 6, "reproductionSteps": texts}
        for n, t in enumerate(texts * 5)
    ]
    markdown = render_summary(
        with_links(verdict_of(outcome(data)), run_url=RUN_URL), max_bytes=max_bytes
    )
    assert len(markdown.encode()) <= max_bytes
    assert_safe(markdown)


def test_timeout_summary_says_what_happened_and_what_to_check() -> None:
    markdown = render_summary(timeout_verdict())
    assert markdown.startswith("## ⏱️ tester.army — TIMEOUT")
    text = "".join(inspect(markdown).text)
    assert "still running when the deadline passed" in text
    assert "raise timeout" in text


def test_api_error_summary_names_the_key_run_id_and_api_url() -> None:
    markdown = render_summary(with_links(api_error_verdict(), api_url="https://tester.army/api"))
    assert_safe(markdown)
    text = "".join(inspect(markdown).text)
    assert markdown.startswith("## ⚠️ tester.army — ERROR")
    assert "TESTERARMY_API_KEY" in text
    assert CHECKOUT_ID in text
    assert "https://tester.army/api" in text


def test_usage_error_summary_has_the_problem_and_no_run_table() -> None:
    markdown = render_summary(usage_error("run-id 'abc' is not a UUID"))
    assert markdown.startswith("## ⚠️ tester.army — ERROR")
    text = "".join(inspect(markdown).text)
    assert "What happened: run-id 'abc' is not a UUID" in text
    assert "Nothing was requested from tester.army" in text
    assert "| Run |" not in markdown


def test_infrastructure_failure_summary_says_retry() -> None:
    run = Run.model_validate(
        {
            "id": CHECKOUT_ID,
            "status": "failed",
            "error": {"code": "CAPACITY", "message": "no browsers"},
        }
    )
    verdict = decide([RunOutcome(run_id=CHECKOUT_ID, stop=StopReason.FINISHED, run=run)], Policy())
    text = "".join(inspect(render_summary(verdict)).text)
    assert "CAPACITY" in text
    assert "Retry the run" in text


def test_interrupted_summary_says_the_job_was_cancelled() -> None:
    run = Run.model_validate({"id": CHECKOUT_ID, "status": "running"})
    verdict = decide(
        [
            RunOutcome(
                run_id=CHECKOUT_ID, stop=StopReason.INTERRUPTED, run=run, cancel_requested=True
            )
        ],
        Policy(),
        interrupted_by="SIGTERM",
    )
    text = "".join(inspect(render_summary(verdict)).text)
    assert "interrupted by SIGTERM" in text
    assert "The remote run was asked to cancel." in text


def test_skipped_run_gets_a_section_with_the_planner_reason() -> None:
    data = {
        "id": CHECKOUT_ID,
        "status": "completed",
        "output": {"kind": "planner_skipped", "reason": "docs only"},
    }
    verdict = verdict_of(outcome(data), policy=Policy(fail_on=frozenset({Result.FAILED})))
    markdown = render_summary(verdict)
    assert "### ⏭️ Run 3f2a9c1e — SKIPPED" in markdown
    assert "docs only" in markdown


def test_triggered_runs_say_they_were_started_here_and_with_what() -> None:
    text = "".join(inspect(render_summary(triggered_verdict())).text)
    assert (
        "Started by this step: group grp_checkout, batch batch-42, with ref=main (2 runs)." in text
    )


def test_summary_without_failures_has_no_sections() -> None:
    verdict: Verdict = verdict_of(outcome(signup_run_data()))
    markdown = render_summary(verdict, report_paths=PATHS)
    assert markdown.startswith("## ✅ tester.army — PASS")
    assert Counter(inspect(markdown).tags)["h3"] == 0
    assert "Left out" not in markdown


def test_the_links_travel_with_the_verdict_and_the_comment_names_no_api_url() -> None:
    """The summary names the API URL in its advice on API errors; the pull request comment,
    read by more people than the job's log, does not, yet links the job."""
    verdict = with_links(
        api_error_verdict(),
        run_url=RUN_URL,
        api_url="https://qa.internal.example/api",
        job_url="https://ci.example/jobs/7",
    )
    assert "qa.internal.example" in visible_text(render_summary(verdict))
    comment = comment_body(verdict, key="0" * 16, redactor=Redactor())
    assert "qa.internal.example" not in visible_text(comment)
    assert "internal" not in comment
    assert "https://ci.example/jobs/7" in inspect(comment).links()
