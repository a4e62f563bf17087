from __future__ import annotations

from testerarmy_wait.report.outputs import step_outputs
from testerarmy_wait.verdict import usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    SIGNUP_ID,
    checkout_verdict,
    hostile_verdict,
    triggered_verdict,
)


def test_outputs_carry_result_status_duration_ids_counts_and_paths() -> None:
    outputs = step_outputs(checkout_verdict(), report_path="r/a.json", junit_path="r/a.xml")
    assert outputs == {
        "result": "FAILED",
        "status": "completed",
        "durationMs": "134000",
        "runId": f"{CHECKOUT_ID},{SIGNUP_ID}",
        "runIds": f"{CHECKOUT_ID}\n{SIGNUP_ID}",
        "runCount": "2",
        "issueCount": "3",
        "blockingIssueCount": "2",
        "knownIssueCount": "0",
        "exitCode": "1",
        "reportPath": "r/a.json",
        "junitPath": "r/a.xml",
        "batchId": "",
        "flakyCount": "0",
        "attemptCount": "2",
        "appId": "",
        "uploadMs": "",
    }


def test_outputs_on_a_usage_error_are_all_set_and_duration_empty() -> None:
    outputs = step_outputs(usage_error("bad"), report_path="a", junit_path="b")
    assert outputs["result"] == "ERROR"
    assert outputs["durationMs"] == ""
    assert outputs["runId"] == ""
    assert (outputs["runIds"], outputs["runCount"]) == ("", "0")
    assert outputs["status"] == "unknown"


def test_batch_id_is_the_verdicts_own() -> None:
    assert (
        step_outputs(triggered_verdict(), report_path="a", junit_path="b")["batchId"] == "batch-42"
    )
    assert step_outputs(checkout_verdict(), report_path="a", junit_path="b")["batchId"] == ""


def test_unknown_server_status_is_not_copied_into_outputs() -> None:
    assert (
        step_outputs(hostile_verdict(), report_path="a", junit_path="b")["status"]
        == "completed,other"
    )
