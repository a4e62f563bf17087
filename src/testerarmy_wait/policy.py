"""The policy's vocabulary: results, exit codes, and which results fail a job.

Nothing here reads a run: the rules that judge runs are in ``verdict``, which builds on this.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue


#: How the verdict is told on the pull (merge) request.
CommentMode = Literal["always", "on-failure", "on-change", "off"]


class Result(StrEnum):
    PASS = "PASS"  # noqa: S105 (a result, not a password)
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"
    STARTED = "STARTED"  # started and handed to a later step (wait: false)


class ExitCode(IntEnum):
    OK = 0
    POLICY_FAILURE = 1
    USAGE = 2
    TIMEOUT = 3
    API_ERROR = 4
    CANCELLED = 5
    SIGINT = 128 + signal.SIGINT  # 130
    SIGTERM = 128 + signal.SIGTERM  # 143


# Worst first: a broken setup matters more than a failed test.
EXIT_PRECEDENCE: tuple[ExitCode, ...] = (
    ExitCode.SIGTERM,
    ExitCode.SIGINT,
    ExitCode.USAGE,
    ExitCode.API_ERROR,
    ExitCode.TIMEOUT,
    ExitCode.CANCELLED,
    ExitCode.POLICY_FAILURE,
    ExitCode.OK,
)
RESULT_PRECEDENCE: tuple[Result, ...] = (
    Result.ERROR,
    Result.TIMEOUT,
    Result.CANCELLED,
    Result.FAILED,
    Result.SKIPPED,
    Result.STARTED,
    Result.PASS,
)
_EXIT_FOR_RESULT = {
    Result.PASS: ExitCode.OK,
    Result.SKIPPED: ExitCode.POLICY_FAILURE,  # only when the policy says SKIPPED fails
    Result.FAILED: ExitCode.POLICY_FAILURE,
    Result.ERROR: ExitCode.API_ERROR,
    Result.TIMEOUT: ExitCode.TIMEOUT,
    Result.CANCELLED: ExitCode.CANCELLED,
    Result.STARTED: ExitCode.OK,  # nothing judged yet: a later step judges the runs
}
# ERROR and TIMEOUT always fail: they say nothing about the app, so they cannot pass it.
ALWAYS_FAILING: frozenset[Result] = frozenset({Result.ERROR, Result.TIMEOUT})
CONFIGURABLE: frozenset[Result] = frozenset({Result.FAILED, Result.SKIPPED, Result.CANCELLED})
SEVERITY_NAMES = {1: "minor", 2: "moderate", 3: "major", 4: "serious", 5: "critical"}


@dataclass(frozen=True)
class Policy:
    """Which results fail the job, and the least severity of an issue that blocks."""

    fail_on: frozenset[Result] = frozenset({Result.FAILED, Result.CANCELLED})
    min_severity: int = 1

    def fails(self, result: Result) -> bool:
        return result in ALWAYS_FAILING or result in self.fail_on

    def blocks(self, issue: Issue) -> bool:
        """A confirmed issue at or above the threshold blocks; unknown types and severities
        are treated as blocking, warnings never block."""
        if issue.is_warning:
            return False
        return issue.severity is None or issue.severity >= self.min_severity

    def describe(self) -> str:
        listed = [r.value for r in RESULT_PRECEDENCE if self.fails(r)]
        if self.min_severity > 1:
            issues = f"blocking issues of severity ≥ {self.min_severity}"
        else:
            issues = "blocking issues of any severity"
        return f"fail on {', '.join(listed)}; {issues}; warnings never block"


def exit_code_for(result: Result) -> ExitCode:
    """The exit code of a result that fails the policy."""
    return _EXIT_FOR_RESULT[result]
