"""Runs + policy -> a result per run, an overall result, an exit code and the reasons.

Pure functions only: nothing here does I/O. The rule that shapes everything below is
that a verdict is never green by accident: anything we cannot read is an ``ERROR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Final

from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.policy import (
    EXIT_PRECEDENCE,
    RESULT_PRECEDENCE,
    ExitCode,
    Policy,
    Result,
    exit_code_for,
)
from testerarmy_wait.redaction import cut

if TYPE_CHECKING:
    from testerarmy_wait.baseline.matching import BaselineOutcome, Match
    from testerarmy_wait.baseline.model import Baseline
    from testerarmy_wait.models import Issue, Run, TestOutput
    from testerarmy_wait.uploaded import UploadedApp


@dataclass(frozen=True)
class KnownIssue:
    """An issue the baseline accepts: reported, never blocking."""

    issue: Issue
    match: Match


@dataclass(frozen=True)
class RunVerdict:
    """One run judged: its result, the reason, and the issues that block it."""

    run_id: str
    result: Result
    reason: str  # one sentence a reviewer can act on
    status: str  # the last status seen, or "unknown"
    run: Run | None
    blocking_issues: tuple[Issue, ...]
    other_issues: tuple[Issue, ...]
    fails_policy: bool
    polls: int = 0
    outcome: RunOutcome | None = None
    known_issues: tuple[KnownIssue, ...] = ()
    #: New issues (among blocking and other issues) that resemble a baseline entry: shown as
    #: possibly that known issue, never accepted.
    possibly_known: tuple[KnownIssue, ...] = ()
    #: Earlier attempts of this run's test, oldest first (``retries``); empty when it ran once.
    attempts: tuple[RunVerdict, ...] = ()
    _possible_by_issue: dict[int, Match] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # The renderers ask for every listed issue: a lookup, not a scan of thousands.
        self._possible_by_issue.update((id(p.issue), p.match) for p in self.possibly_known)

    def possibly(self, issue: Issue) -> Match | None:
        """The baseline entry this new issue possibly is, if any."""
        return self._possible_by_issue.get(id(issue))

    @property
    def flaky(self) -> bool:
        """Passed after an earlier attempt did not."""
        return bool(self.attempts) and self.result is Result.PASS and self.outcome is not None

    @property
    def from_previous_attempt(self) -> bool:
        """Passed in an earlier attempt of this CI job, and not started again."""
        return self.outcome is not None and self.outcome.previous_attempt

    @property
    def attempt_count(self) -> int:
        return 1 + len(self.attempts)

    @property
    def auto_retry_count(self) -> int:
        """How often tester.army itself retried the run."""
        return (self.run.auto_retry_count or 0) if self.run is not None else 0

    @property
    def issue_count(self) -> int:
        """Every issue reported, known ones included."""
        return len(self.blocking_issues) + len(self.other_issues) + len(self.known_issues)

    @property
    def known_issue_count(self) -> int:
        return len(self.known_issues)

    @property
    def blocking_issue_count(self) -> int:
        return len(self.blocking_issues)

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue not in the baseline, worst first (blocking before the rest, then by
        severity)."""
        return self.blocking_issues + self.other_issues

    @property
    def duration_ms(self) -> float | None:
        return None if self.run is None else self.run.duration_ms

    @property
    def test_output(self) -> TestOutput | None:
        return None if self.run is None else self.run.test_output

    @property
    def feature_name(self) -> str:
        output = self.test_output
        return output.feature_name if output is not None else ""

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(self.result) if self.fails_policy else ExitCode.OK


@dataclass(frozen=True)
class Links:
    """Where a reader follows a run or the job, for every report: the dashboard's run URL
    template (``{id}``), the API URL as shown (secrets already out) and the CI job's page."""

    run_url: str | None = None
    api_url: str | None = None
    job_url: str | None = None


NO_LINKS: Final = Links()


@dataclass(frozen=True)
class Verdict:
    """The job's verdict: the worst result, its exit code, the headline and every run."""

    result: Result
    exit_code: ExitCode
    headline: str  # "FAILED: 2 blocking issues in 1 of 2 runs"
    runs: tuple[RunVerdict, ...]
    policy: Policy
    elapsed_s: float = 0.0
    requests: int = 0
    interrupted_by: str | None = None  # "SIGINT" / "SIGTERM"
    problem: str | None = None  # a failure before or around the runs (usage error)
    notes: tuple[str, ...] = field(default=())
    batch_id: str | None = None  # the batch of a group this invocation started
    baseline: BaselineOutcome | None = None  # what the baseline file did, when there is one
    app: UploadedApp | None = None  # the build this step uploaded, when it did
    links: Links = NO_LINKS  # set once, when the verdict is reported

    @property
    def passed(self) -> bool:
        return self.exit_code is ExitCode.OK

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(r.run_id for r in self.runs)

    @property
    def duration_ms(self) -> float | None:
        """The longest run's ``durationMs`` (runs in parallel take as long as the slowest)."""
        durations = [r.duration_ms for r in self.runs if r.duration_ms is not None]
        return max(durations) if durations else None

    @property
    def status(self) -> str:
        statuses = sorted({r.status for r in self.runs})
        return ",".join(statuses) if statuses else "unknown"

    @property
    def issue_count(self) -> int:
        return sum(r.issue_count for r in self.runs)

    @property
    def flaky_count(self) -> int:
        return sum(1 for r in self.runs if r.flaky or r.reason.startswith(FLAKY_FAILS))

    @property
    def attempt_count(self) -> int:
        return sum(r.attempt_count for r in self.runs)

    @property
    def blocking_issue_count(self) -> int:
        return sum(r.blocking_issue_count for r in self.runs)

    @property
    def known_issue_count(self) -> int:
        return sum(r.known_issue_count for r in self.runs)

    def runs_worst_first(self) -> tuple[RunVerdict, ...]:
        return tuple(sorted(self.runs, key=_run_rank))

    def with_elapsed(self, elapsed_s: float) -> Verdict:
        return replace(self, elapsed_s=elapsed_s)


def interrupted_exit_code(signal_name: str) -> ExitCode:
    """The exit code of a wait stopped by ``SIGTERM`` or (anything else) ``SIGINT``."""
    return ExitCode.SIGTERM if signal_name == "SIGTERM" else ExitCode.SIGINT


def _run_rank(run: RunVerdict) -> tuple[int, int, int]:
    return (
        EXIT_PRECEDENCE.index(run.exit_code),
        RESULT_PRECEDENCE.index(run.result),
        -run.blocking_issue_count,
    )


UNKNOWN_SEVERITY_RANK = 6  # an unreadable severity sorts (and blocks) above critical


def severity_rank(issue: Issue) -> int:
    """Sort key: unknown severity counts as the worst."""
    return UNKNOWN_SEVERITY_RANK if issue.severity is None else issue.severity


def sort_issues(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    return tuple(sorted(issues, key=lambda i: (-severity_rank(i), i.is_warning)))


def _classify_output(
    output: TestOutput, policy: Policy, known: Mapping[int, Match] | None = None
) -> tuple[Result, str]:
    known = known or {}
    new = [i for n, i in enumerate(output.issues) if n not in known]
    blocking = [i for i in new if policy.blocks(i)]
    others = len(new) - len(blocking)
    in_baseline = f"; {len(known)} known" if known else ""
    if blocking:
        worst = max(severity_rank(i) for i in blocking)
        label = "unknown" if worst == UNKNOWN_SEVERITY_RANK else f"{worst}"
        return Result.FAILED, (
            f"{_count(len(blocking), 'blocking issue')} found (worst severity {label})"
            + in_baseline
        )
    if output.claims_planner_skipped:
        return Result.ERROR, (
            "contradictory answer: the run says the planner skipped it and also gives "
            f"{'a result' if output.result is not None else 'issues'}; open it on tester.army"
        )
    if output.result == "PASS":
        if others:
            return Result.PASS, f"passed with {_count(others, 'non-blocking issue')}{in_baseline}"
        if known:
            return Result.PASS, f"passed with {_count(len(known), 'known issue')} only"
        return Result.PASS, "passed with no issues"
    if output.result == "FAILED":
        if known and not others:
            return Result.PASS, (
                f"the agent reported FAILED, but all {_count(len(known), 'issue')} are known "
                "(in the baseline)"
            )
        if others:
            return Result.PASS, (
                f"the agent reported FAILED, but all {_count(others, 'new issue')} are below "
                f"the policy's threshold or warnings{in_baseline}"
            )
        return Result.FAILED, "the agent reported FAILED without listing any issue"
    shown = "no result" if output.result is None else f"result {output.result!r}"
    return Result.ERROR, f"the run completed with {shown}, which this version cannot judge"


def classify_run(
    run: Run, policy: Policy, known: Mapping[int, Match] | None = None
) -> tuple[Result, str]:
    """The result of one run that reached a terminal status."""
    if run.status == "cancelled":
        return Result.CANCELLED, "the run was cancelled before it finished"
    if run.status == "failed":
        if run.error is not None and (run.error.code or run.error.message):
            detail = _error_detail(run.error.code, run.error.message)
            return Result.ERROR, f"the test infrastructure failed ({detail}); retry the run"
        return Result.ERROR, "the test infrastructure failed without an error message; retry"
    result, reason = _classify_completed(run, policy, known)
    error = run.error
    if result in (Result.PASS, Result.SKIPPED) and error and (error.code or error.message):
        detail = _error_detail(error.code, error.message)
        return Result.ERROR, (
            f"contradictory answer: the run completed ({result.value}) but also reports "
            f"an error ({detail}); open it on tester.army"
        )
    return result, reason


def _classify_completed(
    run: Run, policy: Policy, known: Mapping[int, Match] | None
) -> tuple[Result, str]:
    skipped, output = run.skipped_output, run.test_output
    if skipped is not None:
        reason = _cut(skipped.reason) or "no reason given"
        return Result.SKIPPED, f"the planner found nothing user-visible to test: {reason}"
    if output is not None:
        return _classify_output(output, policy, known)
    if run.output is None:
        return Result.ERROR, "the run completed without any output"
    return Result.ERROR, "the run completed with an output of an unknown shape"


def judge_run(
    outcome: RunOutcome,
    policy: Policy,
    known: Mapping[int, Match] | None = None,
    possible: Mapping[int, Match] | None = None,
) -> RunVerdict:
    """One run's verdict; ``known`` maps positions in the run's issues to the baseline
    entries they match (those never block), ``possible`` to the entries new issues resemble."""
    known = known or {}
    possible = possible or {}
    run = outcome.run
    status = run.status if run is not None else "unknown"
    if outcome.stop is StopReason.FINISHED and run is not None:
        result, reason = classify_run(run, policy, known)
        if outcome.previous_attempt and result is Result.PASS:
            reason = f"{PREVIOUS_ATTEMPT}: not started again ({reason})"
    elif outcome.stop is StopReason.TIMEOUT:
        result = Result.TIMEOUT
        reason = outcome.problem or f"still {status} when the deadline passed"
    elif outcome.stop is StopReason.INTERRUPTED:
        result = Result.CANCELLED
        reason = outcome.problem or f"the job was interrupted while the run was {status}"
    elif outcome.stop is StopReason.BATCH_CANCELLED:
        result = Result.ERROR
        reason = outcome.problem or "the server cancelled every run of the batch it started"
    elif outcome.stop is StopReason.CANCELLED_AT_START:
        result = Result.CANCELLED
        reason = outcome.problem or "the server cancelled the run when it was triggered"
    else:
        result = Result.ERROR
        reason = outcome.problem or "the API did not give a usable answer"
    output = run.test_output if run is not None else None
    listed = output.issues if output is not None else []
    issues = sort_issues(i for n, i in enumerate(listed) if n not in known)
    blocking = tuple(i for i in issues if policy.blocks(i))
    others = tuple(i for i in issues if not policy.blocks(i))
    accepted = sorted(known.items(), key=lambda item: (-severity_rank(listed[item[0]]), item[0]))
    return RunVerdict(
        run_id=outcome.run_id,
        result=result,
        reason=reason,
        status=status,
        run=run,
        blocking_issues=blocking,
        other_issues=others,
        fails_policy=policy.fails(result),
        polls=outcome.polls,
        outcome=outcome,
        known_issues=tuple(KnownIssue(listed[n], match) for n, match in accepted),
        possibly_known=tuple(
            KnownIssue(listed[n], match) for n, match in sorted(possible.items()) if n < len(listed)
        ),
    )


REASON_TEXT_CHARS = 500  # of the server's text quoted in a reason (the reports keep it all)


def _cut(text: str) -> str:
    return cut(text, REASON_TEXT_CHARS)  # the answer's secrets are out since it was parsed


def _error_detail(code: str, message: str) -> str:
    return _cut(": ".join(p for p in (code, message) if p))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _headline(result: Result, runs: Sequence[RunVerdict]) -> str:
    total = len(runs)
    of_total = f" of {total} runs" if total > 1 else ""
    matching = [r for r in runs if r.result is result]
    known = sum(r.known_issue_count for r in runs)
    known_text = f"{known} known" if known else ""
    if result is Result.FAILED:
        blocking = sum(r.blocking_issue_count for r in matching)
        where = f" in {len(matching)}{of_total}" if total > 1 else ""
        also = f" ({known_text})" if known else ""
        if blocking:
            return f"FAILED: {_count(blocking, 'blocking issue')}{where}{also}"
        return f"FAILED: the agent reported a failure{where}{also}"
    if result is Result.PASS:
        issues = sum(r.issue_count - r.known_issue_count for r in runs)
        runs_text = f"{total} runs passed" if total > 1 else "passed"
        parts = [_count(issues, "non-blocking issue")] if issues else []
        parts += [_count(known, "known issue")] if known else []
        flaky = sum(1 for r in runs if r.flaky)
        parts += [f"{flaky} flaky: passed on a retry"] if flaky else []
        earlier = sum(1 for r in runs if r.from_previous_attempt)
        parts += [f"{earlier} from the previous attempt"] if earlier else []
        suffix = f" ({', '.join(parts)})" if parts else ""
        return f"PASS: {runs_text}{suffix}"
    prefix = f"{result.value}: "
    if total == 1:
        return prefix + runs[0].reason
    return (
        prefix
        + f"{len(matching)}{of_total} "
        + {
            Result.SKIPPED: "skipped by the planner",
            Result.ERROR: "could not be judged",
            Result.CANCELLED: "cancelled",
            Result.TIMEOUT: "still running at the deadline",
            Result.STARTED: "started, for a later step to wait for",
        }[result]
    )


def decide(
    outcomes: Sequence[RunOutcome],
    policy: Policy,
    *,
    elapsed_s: float = 0.0,
    requests: int = 0,
    interrupted_by: str | None = None,
    notes: Sequence[str] = (),
    batch_id: str | None = None,
    baseline: Baseline | None = None,
    today: date | None = None,
    earlier: Mapping[str, Sequence[RunOutcome]] | None = None,
    flaky_fails: bool = False,
) -> Verdict:
    """Judge every run and fold them into one verdict: the worst outcome decides. Issues
    that match ``baseline`` on ``today`` (the job's UTC date, required with a baseline;
    expired entries do not match) are known, never blocking. ``earlier`` holds the earlier
    attempts of retried runs; a run that passed after failing is flaky, and fails the job
    when ``flaky_fails``."""
    known_by_run: list[Mapping[int, Match]] = [{} for _ in outcomes]
    possible_by_run: list[Mapping[int, Match]] = [{} for _ in outcomes]
    outcome_of_baseline = None
    if baseline is not None:
        if today is None:
            raise TypeError("decide() needs today's date to match a baseline")
        known_by_run, possible_by_run, outcome_of_baseline = _match_baseline(
            outcomes, baseline, today
        )
    runs = tuple(
        with_attempts(judge_run(o, policy, k, p), earlier or {}, policy, flaky_fails=flaky_fails)
        for o, k, p in zip(outcomes, known_by_run, possible_by_run, strict=True)
    )
    if not runs:
        return usage_error("no run to wait for", policy)
    result = min((r.result for r in runs), key=RESULT_PRECEDENCE.index)
    exit_code = min((r.exit_code for r in runs), key=EXIT_PRECEDENCE.index)
    if interrupted_by is not None:
        exit_code = interrupted_exit_code(interrupted_by)
        result = min((result, Result.CANCELLED), key=RESULT_PRECEDENCE.index)
        headline = f"{result.value}: interrupted by {interrupted_by} while waiting"
    else:
        headline = _headline(result, runs)
    return Verdict(
        result=result,
        exit_code=exit_code,
        headline=headline,
        runs=runs,
        policy=policy,
        elapsed_s=elapsed_s,
        requests=requests,
        interrupted_by=interrupted_by,
        notes=tuple(notes),
        batch_id=batch_id,
        baseline=outcome_of_baseline,
    )


FLAKY_FAILS = "flaky: "
PREVIOUS_ATTEMPT = "passed in the previous attempt of this CI job"


def with_attempts(
    run: RunVerdict,
    earlier: Mapping[str, Sequence[RunOutcome]],
    policy: Policy,
    *,
    flaky_fails: bool,
) -> RunVerdict:
    """``run`` with its earlier attempts; a flaky pass fails the policy when asked to."""
    attempts = tuple(judge_run(o, policy) for o in earlier.get(run.run_id, ()))
    if not attempts:
        return run
    judged = replace(run, attempts=attempts)
    if judged.flaky and flaky_fails:
        reason = (
            f"{FLAKY_FAILS}passed on attempt {judged.attempt_count} after "
            f"{', '.join(a.result.value for a in attempts)} (flaky: fail)"
        )
        return replace(judged, result=Result.FAILED, reason=reason, fails_policy=True)
    return judged


def _match_baseline(
    outcomes: Sequence[RunOutcome], baseline: Baseline, today: date
) -> tuple[list[Mapping[int, Match]], list[Mapping[int, Match]], BaselineOutcome]:
    from testerarmy_wait.baseline.fingerprint import step_at
    from testerarmy_wait.baseline.matching import Matcher, outcome_of

    matcher = Matcher(baseline, today)
    known_by_run: list[Mapping[int, Match]] = []
    possible_by_run: list[Mapping[int, Match]] = []
    judged: list[tuple[str | None, str]] = []
    matched_entries: set[int] = set()
    for outcome in outcomes:
        run = outcome.run
        output = run.test_output if run is not None and run.status == "completed" else None
        if run is None or output is None or outcome.stop is not StopReason.FINISHED:
            known_by_run.append({})
            possible_by_run.append({})
            continue
        found = matcher.match(
            output.issues,
            test_id=run.test_id,
            feature=output.feature_name,
            steps=[step_at(i.t_ms, output.steps) for i in output.issues],
        )
        judged.append((run.test_id, output.feature_name))
        matched_entries.update(n for n, _match in found.known.values())
        matched_entries.update(n for n, _match in found.possible.values())  # seen, maybe
        known_by_run.append({i: match for i, (_n, match) in found.known.items()})
        possible_by_run.append({i: match for i, (_n, match) in found.possible.items()})
    known = sum(len(k) for k in known_by_run)
    possible = sum(len(p) for p in possible_by_run)
    return (
        known_by_run,
        possible_by_run,
        outcome_of(matcher, judged, matched_entries, known, possible),
    )


def usage_error(message: str, policy: Policy | None = None) -> Verdict:
    """The verdict of an invocation that could not start: nothing was requested."""
    return failed_before_waiting(message, ExitCode.USAGE, policy or Policy())


def failed_before_waiting(
    message: str,
    exit_code: ExitCode,
    policy: Policy,
    *,
    requests: int = 0,
    result: Result = Result.ERROR,
    interrupted_by: str | None = None,
    elapsed_s: float = 0.0,
) -> Verdict:
    """The verdict when no run could be started (refused, out of time, interrupted)."""
    return Verdict(
        result=result,
        exit_code=exit_code,
        headline=f"{result.value}: {message}",
        interrupted_by=interrupted_by,
        runs=(),
        policy=policy,
        requests=requests,
        elapsed_s=elapsed_s,
        problem=message,
    )


def not_started(
    problem: str,
    policy: Policy,
    *,
    deadline_passed: bool = False,
    interrupted_by: str | None = None,
    requests: int = 0,
    elapsed_s: float = 0.0,
) -> Verdict:
    """The verdict when the runs could not be started: interrupted (``CANCELLED``, 130/143),
    out of time (``TIMEOUT``), or refused (``ERROR``)."""
    if interrupted_by is not None:
        code, result = interrupted_exit_code(interrupted_by), Result.CANCELLED
    elif deadline_passed:
        code, result = ExitCode.TIMEOUT, Result.TIMEOUT
    else:
        code, result = ExitCode.API_ERROR, Result.ERROR
    return failed_before_waiting(
        problem,
        code,
        policy,
        requests=requests,
        elapsed_s=elapsed_s,
        result=result,
        interrupted_by=interrupted_by,
    )


def skipped(reason: str, policy: Policy) -> Verdict:
    """Nothing was asked of tester.army (a deployment that is not ready or not chosen): the
    step passes whatever ``fail-on`` says, and says why in one line."""
    return Verdict(
        result=Result.SKIPPED,
        exit_code=ExitCode.OK,
        headline=f"SKIPPED: {reason}",
        runs=(),
        policy=policy,
        notes=(reason,),
    )


def handed_over(
    targets: Sequence[tuple[str, Trigger | None]],
    policy: Policy,
    *,
    requests: int = 0,
    elapsed_s: float = 0.0,
    batch_id: str | None = None,
) -> Verdict:
    """The verdict of ``wait: false``: the runs were started and handed to a later step,
    which waits for them and judges them; this step passes them on and exits 0."""
    reason = "started; a later step waits for it (run-id)"
    runs = tuple(
        RunVerdict(
            run_id=run_id,
            result=Result.STARTED,
            reason=reason,
            status="started",
            run=None,
            blocking_issues=(),
            other_issues=(),
            fails_policy=False,
            outcome=None,
        )
        for run_id, _trigger in targets
    )
    return Verdict(
        result=Result.STARTED,
        exit_code=ExitCode.OK,
        headline=_headline(Result.STARTED, runs),
        runs=runs,
        policy=policy,
        elapsed_s=elapsed_s,
        requests=requests,
        batch_id=batch_id,
        notes=(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''} started and not waited for "
            "(wait: false); their ids are in the runIds output",
        ),
    )


def internal_error(error: BaseException, clean: Callable[[str], str] = str) -> Verdict:
    """A bug of ours: reported as an error (exit 4), never as a pass. ``clean`` takes secrets
    out of the message."""
    message = clean(f"internal error: {type(error).__name__}: {error}")
    return failed_before_waiting(message, ExitCode.API_ERROR, Policy())
