"""The verdict written for a person at a terminal (or in ``docker logs``), and the live
status line. All server text goes through :func:`terminal_text`; the only escape
sequences printed are our own colours and line clearing, and only when asked for."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TextIO

from testerarmy_wait.ci.progress import ProgressDigest
from testerarmy_wait.ci.shared import Finished, report_lines, waiting_line, write_results
from testerarmy_wait.outcome import Progress
from testerarmy_wait.policy import Result
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.advice import possibly_known, run_advice, verdict_advice
from testerarmy_wait.report.escape import cap, rendered, terminal_text
from testerarmy_wait.report.formatting import format_duration, plural, severity_name, short_id
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
}
_DETAILED_ISSUES: Final = 10
_NAMED_ISSUES: Final = 40
_FAILED_STEPS: Final = 20
_REPRO_STEPS: Final = 15
CLEAR_LINE: Final = "\r\x1b[2K"


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


def header_lines(verdict: Verdict, *, color: bool, api_url: str | None = None) -> list[str]:
    """The headline, what happened and what to check (when the invocation failed), policy."""
    paint = _Painter(color)
    style = "green" if verdict.passed else _RESULT_STYLE[verdict.result]
    lines = [paint(f"tester.army — {_plain(verdict.headline, 500)}", style, "bold")]
    if verdict.problem is not None:
        lines.append(f"  {_plain(verdict.problem, 1000)}")
        advice = verdict_advice(verdict, api_url=api_url)
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


def render_text(verdict: Verdict, *, color: bool, api_url: str | None = None) -> str:
    """The verdict for a person: headline, policy, per-run lines worst first, advice."""
    lines = header_lines(verdict, color=color, api_url=api_url)
    plan = plan_runs(verdict)
    for run in plan.detailed:
        lines += run_lines(run, color=color, api_url=api_url)
    lines += [summary_line(run, color=color) for run in plan.listed]
    if (more := plan.left_out_line()) is not None:
        lines.append(f"  {more}")
    return "\n".join(lines) + "\n"


class StatusLine:
    """A live status line on a TTY (redrawn in place, at most ten times a second); on anything
    else, the lines a :class:`ProgressDigest` picks. ``write`` prints a normal line without
    breaking the status line. Each update costs the same whatever the number of runs."""

    REDRAW_EVERY_S: Final = 0.1

    def __init__(
        self,
        stream: TextIO,
        *,
        is_tty: bool,
        width: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.is_tty = is_tty
        self.redactor = Redactor()
        self._width = width or (lambda: shutil.get_terminal_size((100, 20)).columns)
        self._clock = clock
        self._digest = ProgressDigest()
        self._runs: dict[str, Progress] = {}
        self._polls = 0
        self._elapsed_s = 0.0
        self._shown = False
        self._drawn_at = -1.0
        self._finished = False

    def _emit(self, text: str) -> None:
        self.stream.write(rendered(self.redactor, text))
        self.stream.flush()

    def clear(self) -> None:
        if self.is_tty and self._shown:
            self._emit(CLEAR_LINE)
            self._shown = False

    def write(self, line: str) -> None:
        self.clear()
        self._emit(terminal_text(line) + "\n")
        self._redraw(force=True)

    def finish(self) -> None:
        """Clear the status line for good and print what the digest held back."""
        self.clear()
        self._finished = True
        for line in self._digest.closing_lines():
            self._emit(line + "\n")

    def _line(self) -> str:
        shown = list(self._runs.values())[:6]
        states = " · ".join(f"{short_id(p.run_id)} {_plain(p.status, 20)}" for p in shown)
        if len(self._runs) > 6:
            states += f" · +{len(self._runs) - 6}"
        expected = shown[0].expected if len(self._runs) == 1 else None
        usually = f" ({expected})" if expected else ""
        text = (
            f"Waiting: {states}{usually} — {format_duration(self._elapsed_s * 1000)}, "
            f"{plural(self._polls, 'poll')}"
        )
        return cap(text, max(20, self._width() - 1))

    def _redraw(self, *, force: bool = False) -> None:
        if not (self.is_tty and self._runs) or self._finished:
            return
        now = self._clock()
        if not force and now - self._drawn_at < self.REDRAW_EVERY_S:
            return
        self._drawn_at = now
        self._emit(CLEAR_LINE + self._line())
        self._shown = True

    def update(self, event: Progress) -> None:
        previous = self._runs.get(event.run_id)
        self._polls += event.polls - (previous.polls if previous is not None else 0)
        self._elapsed_s = max(self._elapsed_s, event.elapsed_s)
        self._runs[event.run_id] = event
        if self.is_tty:
            if event.note:
                self.write(f"{short_id(event.run_id)}: {event.note}")
            else:
                self._redraw()
            return
        for line in self._digest.lines(event):
            self._emit(terminal_text(line) + "\n")


class TerminalReporter:
    """A terminal or ``docker logs``: everything human goes to ``stream`` (stderr, so that
    ``--json`` output on stdout stays clean); a live status line only on a TTY."""

    def __init__(
        self, stream: TextIO, *, is_tty: bool, color: bool, results_stream: TextIO | None = None
    ) -> None:
        self.stream = stream
        self.results_stream = results_stream or stream
        self.color = color
        self.status = StatusLine(stream, is_tty=is_tty)
        self._redactor = Redactor()

    def results(self, text: str) -> None:
        write_results(self.results_stream, rendered(self._redactor, text))

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        self._redactor = Redactor(secrets)
        self.status.redactor = self._redactor
        if line := waiting_line(run_ids):
            self.status.write(line)

    def progress(self, event: Progress) -> None:
        self.status.update(event)

    def note(self, message: str) -> None:
        self.status.write(message)

    def warning(self, message: str) -> None:
        self.status.write(f"warning: {message}")

    def finish(self, finished: Finished) -> None:
        self.status.finish()
        text = render_text(finished.verdict, color=self.color, api_url=finished.api_url)
        self.stream.write(rendered(self._redactor, text))
        for line in report_lines(finished.paths):
            self.stream.write(rendered(self._redactor, line) + "\n")
        self.stream.flush()
