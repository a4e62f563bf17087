"""The verdict written for a person at a terminal (or in ``docker logs``), and the live
status line. All server text goes through :func:`terminal_text`; the only escape
sequences printed are our own colours and line clearing, and only when asked for."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Final, TextIO

from testerarmy_wait.models import Issue
from testerarmy_wait.outcome import Progress
from testerarmy_wait.report.advice import run_advice, verdict_advice
from testerarmy_wait.report.escape import cap, terminal_text
from testerarmy_wait.report.formatting import format_duration, plural, severity_name, short_id
from testerarmy_wait.verdict import Result, RunVerdict, Verdict

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


def _t(text: str | None, limit: int | None = 300) -> str:
    return terminal_text(text, limit=limit)


def _issue_lines(issue: Issue, paint: _Painter, *, detailed: bool) -> list[str]:
    mark = "warning" if issue.is_warning else "issue"
    style = "yellow" if issue.is_warning or (issue.severity or 5) < 3 else "red"
    lines = [f"    {paint(f'[{severity_name(issue)}]', style)} {mark}: {_t(issue.name, 200)}"]
    if not detailed:
        return lines
    if issue.url:
        lines.append(f"        {paint(_t(issue.url, 300), 'dim')}")
    for n, step in enumerate(issue.reproduction_steps[:_REPRO_STEPS], 1):
        lines.append(f"        {n}. {_t(step)}")
    if len(issue.reproduction_steps) > _REPRO_STEPS:
        lines.append(f"        …and {len(issue.reproduction_steps) - _REPRO_STEPS} more steps")
    if issue.expected_behavior:
        lines.append(f"        Expected: {_t(issue.expected_behavior, 500)}")
    if issue.actual_behavior:
        lines.append(f"        Actual:   {_t(issue.actual_behavior, 500)}")
    if issue.screenshot_url:
        lines.append(f"        Screenshot: {_t(issue.screenshot_url)}")
    return lines


def run_lines(run: RunVerdict, *, color: bool, api_url: str | None = None) -> list[str]:
    """One run: a result line, the reason, issues worst first, failed steps, advice."""
    paint = _Painter(color)
    feature = _t(run.feature_name, 80) or "(no feature name)"
    counts = ""
    if run.issue_count:
        counts = f"  {plural(run.issue_count, 'issue')} ({run.blocking_issue_count} blocking)"
    lines = [
        f"  {paint(f'{run.result.value:<9}', _RESULT_STYLE[run.result], 'bold')} {feature}"
        f"  {paint(_t(run.run_id, 80), 'dim')}  {format_duration(run.duration_ms)}{counts}",
        f"            {_t(run.reason, 500)}",
    ]
    issues = run.issues
    for position, issue in enumerate(issues[: _DETAILED_ISSUES + _NAMED_ISSUES]):
        lines += _issue_lines(issue, paint, detailed=position < _DETAILED_ISSUES)
    if len(issues) > _DETAILED_ISSUES + _NAMED_ISSUES:
        lines.append(f"    …and {len(issues) - _DETAILED_ISSUES - _NAMED_ISSUES} more issues")
    output = run.test_output
    if output is not None and run.result is not Result.PASS:
        failed = [s for s in output.steps if s.failed]
        for step in failed[:_FAILED_STEPS]:
            code = f" [{_t(step.error_code, 40)}]" if step.error_code else ""
            detail = f": {_t(step.error, 200)}" if step.error else ""
            lines.append(
                f"    {paint('step failed', 'red')} #{step.step_index}"
                f" {_t(step.title, 120)}{code}{detail}"
            )
        if len(failed) > _FAILED_STEPS:
            lines.append(f"    …and {len(failed) - _FAILED_STEPS} more failed steps")
    advice = run_advice(run, api_url=api_url)
    if advice:
        lines.append("    What to check:")
        lines += [f"      - {_t(item, 500)}" for item in advice]
    return lines


def header_lines(verdict: Verdict, *, color: bool, api_url: str | None = None) -> list[str]:
    """The headline, what happened and what to check (when the invocation failed), policy."""
    paint = _Painter(color)
    style = "green" if verdict.passed else _RESULT_STYLE[verdict.result]
    lines = [paint(f"tester.army — {_t(verdict.headline, 500)}", style, "bold")]
    if verdict.problem is not None:
        lines.append(f"  {_t(verdict.problem, 1000)}")
        advice = verdict_advice(verdict, api_url=api_url)
        if advice:
            lines.append("  What to check:")
            lines += [f"    - {_t(item, 500)}" for item in advice]
    lines.append(
        f"Policy: {_t(verdict.policy.describe())}. Waited "
        f"{format_duration(verdict.elapsed_s * 1000)}, {plural(verdict.requests, 'request')}."
    )
    lines += [f"Note: {_t(note, 500)}" for note in verdict.notes]
    return lines


def render_text(verdict: Verdict, *, color: bool, api_url: str | None = None) -> str:
    """The verdict for a person: headline, policy, per-run lines worst first, advice."""
    lines = header_lines(verdict, color=color, api_url=api_url)
    for run in verdict.runs_worst_first():
        lines += run_lines(run, color=color, api_url=api_url)
    return "\n".join(lines) + "\n"


class StatusLine:
    """A live status line on a TTY (redrawn in place); on anything else, a plain line per
    status change. ``write`` prints a normal line without breaking the status line."""

    def __init__(
        self,
        stream: TextIO,
        *,
        is_tty: bool,
        width: Callable[[], int] | None = None,
    ) -> None:
        self.stream = stream
        self.is_tty = is_tty
        self._width = width or (lambda: shutil.get_terminal_size((100, 20)).columns)
        self._runs: dict[str, Progress] = {}
        self._last_plain: dict[str, str] = {}
        self._shown = False

    def _emit(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def clear(self) -> None:
        if self.is_tty and self._shown:
            self._emit(CLEAR_LINE)
            self._shown = False

    def write(self, line: str) -> None:
        self.clear()
        self._emit(terminal_text(line) + "\n")
        self._redraw()

    def _line(self) -> str:
        runs = list(self._runs.values())
        elapsed = max(p.elapsed_s for p in runs)
        polls = sum(p.polls for p in runs)
        states = " · ".join(f"{short_id(p.run_id)} {_t(p.status, 20)}" for p in runs[:6])
        if len(runs) > 6:
            states += f" · +{len(runs) - 6}"
        text = f"Waiting: {states} — {format_duration(elapsed * 1000)}, {plural(polls, 'poll')}"
        return cap(text, max(20, self._width() - 1))

    def _redraw(self) -> None:
        if self.is_tty and self._runs:
            self._emit(CLEAR_LINE + self._line())
            self._shown = True

    def update(self, event: Progress) -> None:
        self._runs[event.run_id] = event
        if self.is_tty:
            if event.note:
                self.write(f"{short_id(event.run_id)}: {event.note}")
            else:
                self._redraw()
            return
        status = _t(event.status, 40)
        key = f"{status}|{event.note or ''}"
        if self._last_plain.get(event.run_id) == key:
            return
        self._last_plain[event.run_id] = key
        note = f" ({_t(event.note, 300)})" if event.note else ""
        self._emit(
            f"{_t(event.run_id, 80)}: {status} after {format_duration(event.elapsed_s * 1000)},"
            f" {plural(event.polls, 'poll')}{note}\n"
        )
