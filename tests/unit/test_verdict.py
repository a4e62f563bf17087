"""The verdict rules: results, exit codes and precedence, from outcomes alone."""

from __future__ import annotations

from typing import Any

import pytest

from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import ExitCode, Policy, Result
from testerarmy_wait.verdict import decide, usage_error

RID = "3f2a9c1e-0000-4000-8000-000000000001"


def run(status: str = "completed", output: Any = None, **extra: Any) -> Run:
    return Run.model_validate(
        {
            "id": RID,
            "type": "test",
            "status": status,
            "input": {},
            "output": output,
            "createdAt": "2026-11-29T12:00:00Z",
            **extra,
        }
    )


def agent_output(result: str | None = "PASS", issues: list[dict[str, Any]] | None = None) -> Any:
    out: dict[str, Any] = {"featureName": "Checkout", "description": "d", "screenshots": []}
    if result is not None:
        out["result"] = result
    out["issues"] = issues or []
    return out


def issue(severity: int | None = 3, type_: str = "issue", name: str = "x") -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "name": name, "description": "d", "url": "https://a/"}
    if severity is not None:
        out["severity"] = severity
    return out


def finished(r: Run) -> RunOutcome:
    return RunOutcome(run_id=r.id, stop=StopReason.FINISHED, run=r)


def test_pass_with_no_issues_is_PASS_and_exit_0() -> None:
    verdict = decide([finished(run(output=agent_output("PASS")))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.PASS, ExitCode.OK)
    assert verdict.headline == "PASS: passed"


def test_blocking_issue_is_FAILED_and_exit_1() -> None:
    out = agent_output("FAILED", [issue(5, name="pay"), issue(2, "warning")])
    verdict = decide([finished(run(output=out))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.FAILED, ExitCode.POLICY_FAILURE)
    assert verdict.blocking_issue_count == 1
    assert verdict.issue_count == 2
    assert verdict.headline == "FAILED: 1 blocking issue"


def test_warnings_only_do_not_fail_even_when_agent_says_FAILED() -> None:
    out = agent_output("FAILED", [issue(4, "warning"), issue(5, "warning")])
    verdict = decide([finished(run(output=out))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.PASS, ExitCode.OK)
    assert "below the policy's threshold or warnings" in verdict.runs[0].reason


def test_issues_below_min_severity_are_reported_but_do_not_fail() -> None:
    out = agent_output("FAILED", [issue(1), issue(2)])
    verdict = decide([finished(run(output=out))], Policy(min_severity=3))
    assert verdict.exit_code is ExitCode.OK
    assert verdict.runs[0].other_issues
    assert not verdict.runs[0].blocking_issues
    strict = decide([finished(run(output=out))], Policy(min_severity=2))
    assert strict.exit_code is ExitCode.POLICY_FAILURE


def test_issue_with_unknown_severity_or_type_blocks() -> None:
    out = agent_output("PASS", [issue(None), issue(5, "regression"), issue(4)])
    verdict = decide([finished(run(output=out))], Policy(min_severity=5))
    assert verdict.result is Result.FAILED
    assert verdict.blocking_issue_count == 2


@pytest.mark.parametrize("severity", [0, -2, 6, 99])
def test_out_of_range_severity_blocks_instead_of_passing(severity: int) -> None:
    out = agent_output("FAILED", [issue(severity)])
    verdict = decide([finished(run(output=out))], Policy(min_severity=5))
    assert (verdict.result, verdict.exit_code) == (Result.FAILED, ExitCode.POLICY_FAILURE)


def test_agent_FAILED_without_issues_is_FAILED() -> None:
    verdict = decide([finished(run(output=agent_output("FAILED")))], Policy())
    assert verdict.result is Result.FAILED
    assert "without listing any issue" in verdict.runs[0].reason


@pytest.mark.parametrize("result", [None, "MAYBE", "pass"])
def test_unreadable_result_is_ERROR_never_PASS(result: str | None) -> None:
    verdict = decide([finished(run(output=agent_output(result)))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.ERROR, ExitCode.API_ERROR)


def test_completed_without_output_is_ERROR() -> None:
    verdict = decide([finished(run(output=None))], Policy())
    assert verdict.exit_code is ExitCode.API_ERROR


def test_planner_skipped_is_SKIPPED_and_passes_by_default() -> None:
    out = {"kind": "planner_skipped", "reason": "docs only"}
    verdict = decide([finished(run(output=out))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.SKIPPED, ExitCode.OK)
    assert "docs only" in verdict.headline
    strict = decide([finished(run(output=out))], Policy(fail_on=frozenset({Result.SKIPPED})))
    assert strict.exit_code is ExitCode.POLICY_FAILURE


def test_status_failed_is_ERROR_exit_4_with_the_error_message() -> None:
    r = run("failed", error={"code": "BROWSER_START", "message": "no capacity"})
    verdict = decide([finished(r)], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.ERROR, ExitCode.API_ERROR)
    assert "BROWSER_START: no capacity" in verdict.headline


def test_cancelled_run_is_CANCELLED_exit_5() -> None:
    verdict = decide([finished(run("cancelled"))], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.CANCELLED, ExitCode.CANCELLED)


def test_timeout_reports_TIMEOUT_and_exit_3() -> None:
    outcome = RunOutcome(RID, StopReason.TIMEOUT, run("running"))
    verdict = decide([outcome], Policy())
    assert (verdict.result, verdict.exit_code) == (Result.TIMEOUT, ExitCode.TIMEOUT)


def test_api_error_is_ERROR_exit_4_even_when_policy_fails_on_nothing() -> None:
    outcome = RunOutcome(RID, StopReason.API_ERROR, None, problem="HTTP 401")
    verdict = decide([outcome], Policy(fail_on=frozenset()))
    assert (verdict.result, verdict.exit_code) == (Result.ERROR, ExitCode.API_ERROR)
    assert verdict.headline == "ERROR: HTTP 401"


def test_fail_on_none_lets_FAILED_pass_but_reports_it() -> None:
    out = agent_output("FAILED", [issue(5)])
    verdict = decide([finished(run(output=out))], Policy(fail_on=frozenset()))
    assert (verdict.result, verdict.exit_code) == (Result.FAILED, ExitCode.OK)


def outcome_for(result: Result) -> RunOutcome:
    if result is Result.PASS:
        return finished(run(output=agent_output("PASS")))
    if result is Result.FAILED:
        return finished(run(output=agent_output("FAILED", [issue(3)])))
    if result is Result.CANCELLED:
        return finished(run("cancelled"))
    if result is Result.TIMEOUT:
        return RunOutcome(RID, StopReason.TIMEOUT, run("running"))
    return RunOutcome(RID, StopReason.API_ERROR, None, problem="boom")


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([Result.PASS, Result.FAILED], ExitCode.POLICY_FAILURE),
        ([Result.FAILED, Result.CANCELLED], ExitCode.CANCELLED),
        ([Result.CANCELLED, Result.TIMEOUT], ExitCode.TIMEOUT),
        ([Result.TIMEOUT, Result.ERROR, Result.PASS], ExitCode.API_ERROR),
        ([Result.PASS, Result.PASS], ExitCode.OK),
    ],
)
def test_worst_outcome_decides_in_order_4_3_5_1_0(
    results: list[Result], expected: ExitCode
) -> None:
    verdict = decide([outcome_for(r) for r in results], Policy())
    assert verdict.exit_code is expected


def test_several_runs_headline_counts_runs() -> None:
    verdict = decide([outcome_for(Result.PASS), outcome_for(Result.FAILED)], Policy())
    assert verdict.headline == "FAILED: 1 blocking issue in 1 of 2 runs"
    assert verdict.runs_worst_first()[0].result is Result.FAILED


def test_interrupted_wait_exits_130_or_143() -> None:
    outcome = RunOutcome(RID, StopReason.INTERRUPTED, run("running"))
    assert decide([outcome], Policy(), interrupted_by="SIGINT").exit_code == 130
    term = decide([outcome], Policy(), interrupted_by="SIGTERM")
    assert (term.exit_code, term.result) == (143, Result.CANCELLED)


def test_usage_error_exits_2_with_no_runs() -> None:
    verdict = usage_error("run-id: missing")
    assert (verdict.exit_code, verdict.result, verdict.runs) == (ExitCode.USAGE, Result.ERROR, ())


def test_issues_sorted_worst_first_and_duration_is_longest_run() -> None:
    out = agent_output("FAILED", [issue(1, "warning", "a"), issue(5, name="b"), issue(3, name="c")])
    r1 = run(output=out, durationMs=1000)
    r2 = run(output=agent_output("PASS"), durationMs=2500.0)
    verdict = decide([finished(r1), finished(r2)], Policy())
    assert [i.name for i in verdict.runs[0].issues] == ["b", "c", "a"]
    assert verdict.duration_ms == 2500.0


@pytest.mark.parametrize(
    "r",
    [
        run("completed", {"kind": "planner_skipped", "reason": "long " * 200_000}),
        run("failed", error={"code": "E", "message": "long " * 200_000}),
        run(
            "completed",
            {"featureName": "F", "result": "PASS"},
            error={"code": "E", "message": "x" * 10**6},
        ),
    ],
)
def test_server_text_quoted_in_a_reason_and_the_headline_is_cut(r: Run) -> None:
    verdict = decide([finished(r)], Policy())
    assert verdict.result in (Result.SKIPPED, Result.ERROR)
    assert len(verdict.runs[0].reason) < 800
    assert len(verdict.headline) < 900
    assert "…" in verdict.runs[0].reason
