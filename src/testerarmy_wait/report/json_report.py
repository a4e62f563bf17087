"""The results object: everything the verdict knows, as versioned JSON.

Text stays as the server sent it (``json.dumps`` escapes it for JSON); consumers that
show it somewhere else must escape it for that place. Only lone surrogates, which no
UTF-8 file can hold, are replaced with U+FFFD.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from testerarmy_wait.models import Issue, Step
from testerarmy_wait.report.formatting import run_link
from testerarmy_wait.verdict import RunVerdict, Verdict

SCHEMA_VERSION: Final = 1
_SURROGATE_RE: Final = re.compile("[\ud800-\udfff]")


def _ms(value: float | None) -> int | None:
    return None if value is None else round(value)


def _issue(issue: Issue, *, blocking: bool) -> dict[str, Any]:
    return {
        "name": issue.name,
        "type": issue.type,
        "severity": issue.severity,
        "blocking": blocking,
        "description": issue.description,
        "url": issue.url,
        "reproductionSteps": list(issue.reproduction_steps),
        "expectedBehavior": issue.expected_behavior,
        "actualBehavior": issue.actual_behavior,
        "screenshotUrl": issue.screenshot_url,
        "tMs": issue.t_ms,
    }


def _step(step: Step) -> dict[str, Any]:
    return {
        "stepIndex": step.step_index,
        "title": step.title,
        "type": step.type,
        "status": step.status,
        "summary": step.summary,
        "error": step.error,
        "errorCode": step.error_code,
        "startedAtMs": step.started_at_ms,
        "completedAtMs": step.completed_at_ms,
        "durationMs": step.duration_ms,
    }


def _run(run: RunVerdict, run_url: str | None) -> dict[str, Any]:
    output = run.test_output
    outcome = run.outcome
    trigger = outcome.trigger if outcome is not None else None
    error = run.run.error if run.run is not None else None
    return {
        "runId": run.run_id,
        "result": run.result.value,
        "reason": run.reason,
        "failsPolicy": run.fails_policy,
        "exitCode": int(run.exit_code),
        "status": run.status,
        "durationMs": _ms(run.duration_ms),
        "featureName": run.feature_name or None,
        "description": output.description if output is not None else None,
        "agentResult": output.result if output is not None else None,
        "url": run_link(run_url, run.run_id),
        "issueCount": run.issue_count,
        "blockingIssueCount": run.blocking_issue_count,
        "issues": [_issue(i, blocking=True) for i in run.blocking_issues]
        + [_issue(i, blocking=False) for i in run.other_issues],
        "steps": [_step(s) for s in output.steps] if output is not None else [],
        "screenshots": list(output.screenshots) if output is not None else [],
        "error": None if error is None else {"code": error.code, "message": error.message},
        "stopReason": outcome.stop.value if outcome is not None else None,
        "problem": outcome.problem if outcome is not None else None,
        "polls": run.polls,
        "cancelRequested": outcome.cancel_requested if outcome is not None else False,
        "trigger": None
        if trigger is None
        else {
            "kind": trigger.kind,
            "target": trigger.target,
            "parameters": dict(trigger.parameters),
            "batchId": trigger.batch_id,
        },
    }


def build_report(verdict: Verdict, *, run_url: str | None = None) -> dict[str, Any]:
    """The results object (``schemaVersion`` 1)."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "result": verdict.result.value,
        "exitCode": int(verdict.exit_code),
        "passed": verdict.passed,
        "headline": verdict.headline,
        "status": verdict.status,
        "durationMs": _ms(verdict.duration_ms),
        "elapsedMs": round(verdict.elapsed_s * 1000),
        "requests": verdict.requests,
        "runIds": list(verdict.run_ids),
        "issueCount": verdict.issue_count,
        "blockingIssueCount": verdict.blocking_issue_count,
        "policy": {
            "failOn": sorted(r.value for r in verdict.policy.fail_on),
            "minSeverity": verdict.policy.min_severity,
            "description": verdict.policy.describe(),
        },
        "interruptedBy": verdict.interrupted_by,
        "problem": verdict.problem,
        "notes": list(verdict.notes),
        "runs": [_run(r, run_url) for r in verdict.runs],
    }


def render_json(
    verdict: Verdict,
    *,
    run_url: str | None = None,
    indent: int | None = 2,
    ascii_only: bool = False,
) -> str:
    """The results object as JSON text (UTF-8 safe, no trailing newline). ``ascii_only``
    escapes every non-ASCII character too, for printing to a terminal or a log, where
    C1 control characters would otherwise pass through."""
    report = build_report(verdict, run_url=run_url)
    text = json.dumps(report, ensure_ascii=ascii_only, indent=indent)
    return _SURROGATE_RE.sub("\ufffd", text)
