"""The verdict as log text, in blocks: the headline, each run worth reading in full, then
one line per further run and what was left out. Every reporter prints the same blocks, each
in its own way (a GitHub group, a GitLab section, plain lines on a terminal). All server
text goes through :func:`terminal_text`; the only escape sequences are our own colours, and
only when asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from testerarmy_wait.policy import Result
from testerarmy_wait.report.advice import possibly_known, run_advice, verdict_advice
from testerarmy_wait.report.escape import terminal_text
from testerarmy_wait.report.formatting import format_duration, plural, severity_name, short_id
from testerarmy_wait.report.values import safe_run_id
from testerarmy_wait.verdict import RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.baseline.matching import BaselineOutcome
    from testerarmy_wait.models import Issue


_RESET: Final = "\x1b[0m"
_STYLES: Final = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
}
_RESULT_STYLE: Final = {
    Result.PASS: "green",
    Result.FAILED: "red",
    Result.ERROR: "red",
    Result.TIMEOUT: "yellow",
    Result.CANCELLED: "yellow",
    Result.SKIPPED: "yellow",
    Result.STARTED: "yellow",
}
_DETAILED_ISSUES: Final = 10
_NAMED_ISSUES: Final = 40
_FAILED_STEPS: Final = 20
_REPRO_STEPS: Final = 15


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(_STYLES[s] for s in styles) + text + _RESET


def _plain(text: str | None, limit: int | None = 300) -> str:
    """Server text as one clean line for a terminal (no escapes, no control characters)."""
    return terminal_text(text, limit=limit)


def _issue_lines(
    issue: Issue, paint: _Painter, *, detailed: bool, maybe: str | None = None
) -> list[str]:
    mark = "warning" if issue.is_warning else "issue"
    style = "yellow" if issue.is_warning or (issue.severity or 5) < 3 else "red"
    lines = [f"    {paint(f'[{severity_name(issue)}]', style)} {mark}: {_plain(issue.name, 200)}"]
    if maybe:
        lines.append(f"        {paint(_plain(maybe, 700), 'dim')}")
    if not detailed:
        return lines
    if issue.url:
        lines.append(f"        {paint(_plain(issue.url, 300), 'dim')}")
    for n, step in enumerate(issue.reproduction_steps[:_REPRO_STEPS], 1):
        lines.append(f"        {n}. {_plain(step)}")
    if len(issue.reproduction_steps) > _REPRO_STEPS:
        lines.append(f"        …and {len(issue.reproduction_steps) - _REPRO_STEPS} more steps")
    if issue.expected_behavior:
        lines.append(f"        Expected: {_plain(issue.expected_behavior, 500)}")
    if issue.actual_behavior:
        lines.append(f"        Actual:   {_plain(issue.actual_behavior, 500)}")
    if issue.screenshot_url:
        lines.append(f"        Screenshot: {_plain(issue.screenshot_url)}")
    return lines


def run_lines(run: RunVerdict, *, color: bool, api_url: str | None = None) -> list[str]:
    """One run: a result line, the reason, issues worst first, failed steps, advice."""
    paint = _Painter(color)
    feature = _plain(run.feature_name, 80) or "(no feature name)"
    counts = ""
    if run.issue_count:
        known = f", {run.known_issue_count} known" if run.known_issue_count else ""
        counts = (
            f"  {plural(run.issue_count, 'issue')} ({run.blocking_issue_count} blocking{known})"
        )
    lines = [
        f"  {paint(f'{run.result.value:<9}', _RESULT_STYLE[run.result], 'bold')} {feature}"
        f"  {paint(_plain(run.run_id, 80), 'dim')}  {format_duration(run.duration_ms)}{counts}",
        f"            {_plain(run.reason, 500)}",
    ]
    issues = run.issues
    for position, issue in enumerate(issues[: _DETAILED_ISSUES + _NAMED_ISSUES]):
        match = run.possibly(issue)
        maybe = None if match is None else possibly_known(match, run.run_id)
        lines += _issue_lines(issue, paint, detailed=position < _DETAILED_ISSUES, maybe=maybe)
    if len(issues) > _DETAILED_ISSUES + _NAMED_ISSUES:
        lines.append(f"    …and {len(issues) - _DETAILED_ISSUES - _NAMED_ISSUES} more issues")
    for item in run.known_issues[:_NAMED_ISSUES]:
        entry = item.match.entry
        where = f", baseline {entry.where}" if entry.where else ""
        lines.append(
            f"    {paint('known', 'dim')} {severity_name(item.issue)}: "
            f"{_plain(item.issue.name, 200)}{where}"
        )
    if run.known_issue_count > _NAMED_ISSUES:
        lines.append(f"    …and {run.known_issue_count - _NAMED_ISSUES} more known issues")
    output = run.test_output
    if output is not None and run.result is not Result.PASS:
        failed = [s for s in output.steps if s.failed]
        for step in failed[:_FAILED_STEPS]:
            code = f" [{_plain(step.error_code, 40)}]" if step.error_code else ""
            detail = f": {_plain(step.error, 200)}" if step.error else ""
            lines.append(
                f"    {paint('step failed', 'red')} #{step.step_index}"
                f" {_plain(step.title, 120)}{code}{detail}"
            )
        if len(failed) > _FAILED_STEPS:
            lines.append(f"    …and {len(failed) - _FAILED_STEPS} more failed steps")
    advice = run_advice(run, api_url=api_url)
    if advice:
        lines.append("    What to check:")
        lines += [f"      - {_plain(item, 500)}" for item in advice]
    return lines


def header_lines(verdict: Verdict, *, color: bool) -> list[str]:
    """The headline, what happened and what to check (when the invocation failed), policy."""
    paint = _Painter(color)
    style = "green" if verdict.passed else _RESULT_STYLE[verdict.result]
    lines = [paint(f"tester.army — {_plain(verdict.headline, 500)}", style, "bold")]
    if verdict.problem is not None:
        lines.append(f"  {_plain(verdict.problem, 1000)}")
        advice = verdict_advice(verdict, api_url=verdict.links.api_url)
        if advice:
            lines.append("  What to check:")
            lines += [f"    - {_plain(item, 500)}" for item in advice]
    lines.append(
        f"Policy: {_plain(verdict.policy.describe())}. Waited "
        f"{format_duration(verdict.elapsed_s * 1000)}, {plural(verdict.requests, 'request')}."
    )
    lines += [f"Note: {_plain(note, 500)}" for note in verdict.notes]
    if verdict.baseline is not None:
        lines += baseline_lines(verdict.baseline)
    return lines


def baseline_lines(outcome: BaselineOutcome) -> list[str]:
    """What the baseline file did: known issues, entries no longer seen, expired ones."""
    lines = [
        f"Baseline {_plain(outcome.path, 200)}: {plural(outcome.entries, 'entry', 'entries')}, "
        f"{plural(outcome.known, 'known issue')} in these runs."
    ]
    if outcome.possible:
        lines.append(
            f"  {plural(outcome.possible, 'new issue')} resemble entries (possibly known, "
            "new all the same): accept one with `testerarmy-wait baseline` if it is the same"
        )
    for entry in outcome.no_longer_seen[:20]:
        where = f" ({entry.where})" if entry.where else ""
        lines.append(f"  No longer seen{where}: {_plain(entry.title, 200)} - remove it once fixed")
    for entry in outcome.expired[:20]:
        day = entry.expires.isoformat() if entry.expires else ""
        lines.append(f"  Expired {day}: {_plain(entry.title, 200)} - matches nothing any more")
    more = len(outcome.no_longer_seen) + len(outcome.expired) - 40
    if more > 0:
        lines.append(f"  …and {more} more entries (see the JSON report)")
    return lines


DETAILED_RUNS: Final = 20  # runs shown with their issues, steps and advice
LISTED_RUNS: Final = 100  # further runs shown as one line each


@dataclass(frozen=True)
class RunPlan:
    """Which runs a log shows in full, which in one line, and how many it leaves out."""

    detailed: tuple[RunVerdict, ...]
    listed: tuple[RunVerdict, ...]
    left_out: int

    def left_out_line(self) -> str | None:
        if not self.left_out:
            return None
        return f"…and {plural(self.left_out, 'more run')}: see the JSON report"


def plan_runs(verdict: Verdict) -> RunPlan:
    """Worst first: every run in full when there are few; else the runs that need attention
    in full (up to ``DETAILED_RUNS``), then one line per run (up to ``LISTED_RUNS``), so a log
    stays readable with a thousand runs."""
    runs = verdict.runs_worst_first()
    attention = [r for r in runs if r.result is not Result.PASS or r.fails_policy]
    detailed = tuple(runs if len(runs) <= DETAILED_RUNS else attention[:DETAILED_RUNS])
    shown = {id(r) for r in detailed}
    rest = [r for r in runs if id(r) not in shown]
    listed = tuple(rest[:LISTED_RUNS])
    return RunPlan(detailed, listed, len(runs) - len(detailed) - len(listed))


def summary_line(run: RunVerdict, *, color: bool) -> str:
    """One run in one line: result, feature, id, duration, issue counts."""
    return run_lines(run, color=color)[0]


def run_label(run_id: str) -> str:
    return short_id(safe_run_id(run_id))


def run_title(run_id: str, result: Result) -> str:
    return f"Run {run_label(run_id)}: {result.value}"


@dataclass(frozen=True)
class Block:
    """A part of the log: lines under a title (none for the headline), folded where the
    platform folds, and a closing line of our own (``more``)."""

    key: str  # unique in a report: ``headline``, ``run_0_3f2a9c1e``, ``more_runs``
    title: str | None
    lines: tuple[str, ...]
    folded: bool = False
    more: str | None = None


def report_blocks(verdict: Verdict, *, color: bool) -> list[Block]:
    """The headline, a block per run shown in full (folded when it passed), then one block
    listing the further runs, if any (see :func:`plan_runs`)."""
    api_url = verdict.links.api_url
    blocks = [Block("headline", None, tuple(header_lines(verdict, color=color)))]
    plan = plan_runs(verdict)
    for n, run in enumerate(plan.detailed):
        blocks.append(
            Block(
                f"run_{n}_{run_label(run.run_id)}",
                run_title(run.run_id, run.result),
                tuple(run_lines(run, color=color, api_url=api_url)),
                folded=run.result is Result.PASS and not run.fails_policy,
            )
        )
    if plan.listed:
        blocks.append(
            Block(
                "more_runs",
                plural(len(plan.listed) + plan.left_out, "more run"),
                tuple(summary_line(run, color=color) for run in plan.listed),
                folded=True,
                more=plan.left_out_line(),
            )
        )
    return blocks
