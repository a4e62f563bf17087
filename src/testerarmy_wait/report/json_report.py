"""The results object: everything the verdict knows, as versioned JSON.

Text stays as the server sent it (``json.dumps`` escapes it for JSON); consumers that
show it somewhere else must escape it for that place. Only lone surrogates, which no
UTF-8 file can hold, are replaced with U+FFFD. The size is bounded: per run at most
``MAX_LISTED`` issues, steps and screenshots are listed (worst issues first, failed steps
kept), issues carry their details while ``DETAIL_BUDGET_CHARS`` lasts, and texts are cut at
``MAX_TEXT_CHARS``; each run's ``omitted`` counts what was left out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from testerarmy_wait.report.advice import accept_command
from testerarmy_wait.report.formatting import run_link
from testerarmy_wait.verdict import KnownIssue, RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.baseline.matching import Match
    from testerarmy_wait.models import Issue, Step


SCHEMA_VERSION: Final = 1
MAX_LISTED: Final = 5000
#: Per run, issues are written in full while their texts add up to this many characters;
#: the rest keep name, type, severity, blocking and URL (``detailsOmitted``).
DETAIL_BUDGET_CHARS: Final = 2_000_000
MAX_TEXT_CHARS: Final = 64 * 1024
_SURROGATE_RE: Final = re.compile("[\ud800-\udfff]")


def _ms(value: float | None) -> int | None:
    return None if value is None or not math.isfinite(value) else round(value)


class _Cuts:
    """Counts the texts cut while one run is written."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, text: str | None) -> str | None:
        if text is None or len(text) <= MAX_TEXT_CHARS:
            return text
        self.count += 1
        return text[:MAX_TEXT_CHARS] + "…"


def _detail_chars(issue: Issue) -> int:
    texts = (issue.description, issue.expected_behavior, issue.actual_behavior)
    return sum(len(t or "") for t in texts) + sum(len(s) for s in issue.reproduction_steps)


def _issue_brief(issue: Issue, *, blocking: bool, cut: _Cuts) -> dict[str, Any]:
    return {
        "name": cut(issue.name),
        "type": cut(issue.type),
        "severity": issue.severity,
        "blocking": blocking,
        "url": cut(issue.url),
        "detailsOmitted": True,
    }


def _issues(
    pairs: list[tuple[Issue, bool]], cut: _Cuts, run: RunVerdict
) -> tuple[list[dict[str, Any]], int]:
    """The listed issues, in full while the detail budget lasts; and how many were briefed.
    Each says which baseline entry it possibly is (``possiblyKnown``), or null."""
    out: list[dict[str, Any]] = []
    spent, briefed = 0, 0
    for issue, blocking in pairs[:MAX_LISTED]:
        spent += _detail_chars(issue)
        if spent <= DETAIL_BUDGET_CHARS:
            item = _issue(issue, blocking=blocking, cut=cut)
        else:
            item = _issue_brief(issue, blocking=blocking, cut=cut)
            briefed += 1
        match = run.possibly(issue)
        item["possiblyKnown"] = None if match is None else _possibly(match, run.run_id)
        out.append(item)
    return out, briefed


def _possibly(match: Match, run_id: str) -> dict[str, Any]:
    entry = match.entry
    return {
        "baselineEntry": {**entry.to_json(), "line": entry.line or None},
        "score": round(match.score, 3),
        "why": match.why,
        "newBecause": match.doubt,
        "accept": accept_command(run_id),
    }


def _issue(issue: Issue, *, blocking: bool, cut: _Cuts) -> dict[str, Any]:
    return {
        "name": cut(issue.name),
        "type": cut(issue.type),
        "severity": issue.severity,
        "blocking": blocking,
        "description": cut(issue.description),
        "url": cut(issue.url),
        "reproductionSteps": [cut(s) for s in issue.reproduction_steps[:MAX_LISTED]],
        "expectedBehavior": cut(issue.expected_behavior),
        "actualBehavior": cut(issue.actual_behavior),
        "screenshotUrl": cut(issue.screenshot_url),
        "tMs": issue.t_ms,
    }


def _known(known: KnownIssue, cut: _Cuts) -> dict[str, Any]:
    """A known issue: its brief, and the baseline entry it matched and why."""
    entry = known.match.entry
    return {
        **_issue_brief(known.issue, blocking=False, cut=cut),
        "description": cut(known.issue.description),
        "detailsOmitted": False,
        "baselineEntry": {**entry.to_json(), "line": entry.line or None},
        "score": round(known.match.score, 3),
        "why": known.match.why,
    }


def _baseline(verdict: Verdict) -> dict[str, Any] | None:
    outcome = verdict.baseline
    if outcome is None:
        return None
    return {
        "path": outcome.path,
        "entries": outcome.entries,
        "knownIssueCount": outcome.known,
        "possiblyKnownCount": outcome.possible,
        "noLongerSeen": [{**e.to_json(), "line": e.line or None} for e in outcome.no_longer_seen],
        "expired": [{**e.to_json(), "line": e.line or None} for e in outcome.expired],
    }


def _step(step: Step, cut: _Cuts) -> dict[str, Any]:
    return {
        "stepIndex": step.step_index,
        "title": cut(step.title),
        "type": cut(step.type),
        "status": cut(step.status),
        "summary": cut(step.summary),
        "error": cut(step.error),
        "errorCode": cut(step.error_code),
        "startedAtMs": step.started_at_ms,
        "completedAtMs": step.completed_at_ms,
        "durationMs": step.duration_ms,
    }


def listed_steps(steps: list[Step], limit: int) -> list[Step]:
    """At most ``limit`` steps in their order: every failed one (up to the limit), then the
    first ones."""
    if len(steps) <= limit:
        return steps
    keep = {n for n, s in enumerate(steps) if s.failed}
    keep = set(sorted(keep)[:limit])
    for n in range(len(steps)):
        if len(keep) >= limit:
            break
        keep.add(n)
    return [s for n, s in enumerate(steps) if n in keep]


def _attempts(run: RunVerdict, cut: _Cuts, run_url: str | None) -> list[dict[str, Any]]:
    """The earlier attempts of a retried run, oldest first."""
    return [
        {
            "runId": a.run_id,
            "result": a.result.value,
            "reason": cut(a.reason),
            "url": run_link(run_url, a.run_id),
            "issueCount": a.issue_count,
            "blockingIssueCount": a.blocking_issue_count,
            "autoRetryCount": a.auto_retry_count,
        }
        for a in run.attempts
    ]


def _run(run: RunVerdict, run_url: str | None) -> dict[str, Any]:
    output = run.test_output
    outcome = run.outcome
    trigger = outcome.trigger if outcome is not None else None
    error = run.run.error if run.run is not None else None
    cut = _Cuts()
    issues = [(i, True) for i in run.blocking_issues] + [(i, False) for i in run.other_issues]
    listed_issues, briefed = _issues(issues, cut, run)
    known = [_known(k, cut) for k in run.known_issues[:MAX_LISTED]]
    steps = list(output.steps) if output is not None else []
    shots = list(output.screenshots) if output is not None else []
    report: dict[str, Any] = {
        "runId": run.run_id,
        "result": run.result.value,
        "reason": run.reason,
        "failsPolicy": run.fails_policy,
        "exitCode": int(run.exit_code),
        "status": run.status,
        "durationMs": _ms(run.duration_ms),
        "featureName": cut(run.feature_name) or None,
        "description": cut(output.description) if output is not None else None,
        "agentResult": cut(output.result) if output is not None else None,
        "url": run_link(run_url, run.run_id),
        "testId": run.run.test_id if run.run is not None else None,
        "issueCount": run.issue_count,
        "blockingIssueCount": run.blocking_issue_count,
        "knownIssueCount": run.known_issue_count,
        "flaky": run.flaky,
        "previousAttempt": run.from_previous_attempt,
        "autoRetryCount": run.auto_retry_count,
        "attempts": _attempts(run, cut, run_url),
        "issues": listed_issues,
        "knownIssues": known,
        "steps": [_step(s, cut) for s in listed_steps(steps, MAX_LISTED)],
        "screenshots": [cut(u) for u in shots[:MAX_LISTED]],
        "error": None
        if error is None
        else {"code": cut(error.code), "message": cut(error.message)},
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
    report["omitted"] = {
        "issues": max(0, len(issues) - MAX_LISTED),
        "knownIssues": max(0, run.known_issue_count - MAX_LISTED),
        "issueDetails": briefed,
        "steps": max(0, len(steps) - MAX_LISTED),
        "screenshots": max(0, len(shots) - MAX_LISTED),
        "textsCut": cut.count,
    }
    return report


def _header(verdict: Verdict) -> dict[str, Any]:
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
        "knownIssueCount": verdict.known_issue_count,
        "baseline": _baseline(verdict),
        "policy": {
            "failOn": sorted(r.value for r in verdict.policy.fail_on),
            "minSeverity": verdict.policy.min_severity,
            "description": verdict.policy.describe(),
        },
        "interruptedBy": verdict.interrupted_by,
        "problem": verdict.problem,
        "notes": list(verdict.notes),
        "batchId": verdict.batch_id,
        "app": _app(verdict),
    }


def _app(verdict: Verdict) -> dict[str, Any] | None:
    """The build this step uploaded (None when it uploaded none)."""
    app = verdict.app
    if app is None:
        return None
    return {
        "id": app.app_id,
        "filename": app.filename,
        "size": app.size,
        "platform": app.platform,
        "bundleId": app.bundle_id,
        "appVersion": app.app_version,
        "buildVersion": app.build_version,
        "uploadMs": round(app.upload_s * 1000),
    }


def build_report(verdict: Verdict) -> dict[str, Any]:
    """The results object (``schemaVersion`` 1)."""
    return {**_header(verdict), "runs": [_run(r, verdict.links.run_url) for r in verdict.runs]}


def json_chunks(verdict: Verdict, *, ascii_only: bool = False) -> Iterator[str]:
    """The results object as JSON text (indented by two), a run at a time, so that a report
    on thousands of runs is written without ever holding all of it."""
    header = json.dumps(_header(verdict), ensure_ascii=ascii_only, indent=2)
    yield _SURROGATE_RE.sub("\ufffd", header[:-2]) + ',\n  "runs": ['
    for n, run in enumerate(verdict.runs):
        text = json.dumps(_run(run, verdict.links.run_url), ensure_ascii=ascii_only, indent=2)
        indented = text.replace("\n", "\n    ")
        yield ("," if n else "") + "\n    " + _SURROGATE_RE.sub("\ufffd", indented)
    yield ("\n  " if verdict.runs else "") + "]\n}"


def render_json(
    verdict: Verdict,
    *,
    ascii_only: bool = False,
) -> str:
    """The results object as JSON text (UTF-8 safe, no trailing newline). ``ascii_only``
    escapes every non-ASCII character too, for printing to a terminal or a log, where
    C1 control characters would otherwise pass through."""
    return "".join(json_chunks(verdict, ascii_only=ascii_only))
