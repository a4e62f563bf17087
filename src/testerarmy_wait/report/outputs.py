"""The step outputs (``GITHUB_OUTPUT``): names like the API fields they carry."""

from __future__ import annotations

from testerarmy_wait.report.values import duration_ms_text, run_ids, safe_run_id, status_text
from testerarmy_wait.verdict import Verdict


def _batch_id(verdict: Verdict) -> str:
    """Every batch the runs were started in, sorted, comma-separated."""
    triggers = [r.outcome.trigger for r in verdict.runs if r.outcome is not None]
    found = sorted({t.batch_id for t in triggers if t is not None and t.batch_id})
    return ",".join(safe_run_id(b) for b in found)


def step_outputs(
    verdict: Verdict, *, report_path: str, junit_path: str, batch_id: str | None = None
) -> dict[str, str]:
    """Every output, always set (empty text when unknown), on every path."""
    return {
        "result": verdict.result.value,
        "status": status_text(verdict),
        "durationMs": duration_ms_text(verdict),
        "runId": ",".join(run_ids(verdict)),
        "issueCount": str(verdict.issue_count),
        "blockingIssueCount": str(verdict.blocking_issue_count),
        "exitCode": str(int(verdict.exit_code)),
        "reportPath": report_path,
        "junitPath": junit_path,
        "batchId": safe_run_id(batch_id) if batch_id else _batch_id(verdict),
    }
