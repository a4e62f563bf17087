"""The step outputs (``GITHUB_OUTPUT``): names like the API fields they carry."""

from __future__ import annotations

from testerarmy_wait.report.values import duration_ms_text, run_ids, safe_run_id, status_text
from testerarmy_wait.verdict import Verdict


def step_outputs(verdict: Verdict, *, report_path: str, junit_path: str) -> dict[str, str]:
    """Every output, always set (empty text when unknown), on every path."""
    return {
        "result": verdict.result.value,
        "status": status_text(verdict),
        "durationMs": duration_ms_text(verdict),
        "runId": ",".join(run_ids(verdict)),
        "runIds": "\n".join(run_ids(verdict)),
        "runCount": str(len(verdict.runs)),
        "issueCount": str(verdict.issue_count),
        "blockingIssueCount": str(verdict.blocking_issue_count),
        "knownIssueCount": str(verdict.known_issue_count),
        "exitCode": str(int(verdict.exit_code)),
        "reportPath": report_path,
        "junitPath": junit_path,
        "batchId": safe_run_id(verdict.batch_id) if verdict.batch_id else "",
        "flakyCount": str(verdict.flaky_count),
        "attemptCount": str(verdict.attempt_count),
        "appId": safe_run_id(verdict.app.app_id) if verdict.app else "",
        "uploadMs": str(round(verdict.app.upload_s * 1000)) if verdict.app else "",
    }
