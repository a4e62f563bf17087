"""JUnit XML in the common Jenkins/GitLab shape: one ``testsuite`` per run.

Each run's suite holds a ``testcase`` per step (``<failure>`` when the step failed) and per
issue: blocking issues fail, warnings, sub-threshold issues and known issues (those in the
baseline file) pass with their text in ``system-out``. A run that could not be judged gets
one case with ``<error>``; a skipped run one with ``<skipped>``. Escaping is left to
``xml.etree``; characters XML 1.0 cannot hold at all are removed first.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from testerarmy_wait.policy import Result
from testerarmy_wait.report.advice import possibly_known
from testerarmy_wait.report.escape import one_line
from testerarmy_wait.report.formatting import plural, run_link, severity_name, short_id
from testerarmy_wait.report.json_report import listed_steps
from testerarmy_wait.verdict import RunVerdict, Verdict

_XML_FORBIDDEN: Final = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue, Step

_NAME_CHARS: Final = 200
_MESSAGE_CHARS: Final = 1000
_BODY_CHARS: Final = 4000  # per failure/output text; the JSON report keeps more
MAX_CASES: Final = 1000  # step cases, and issue cases, per run; the rest are counted


def xml_text(text: str | None) -> str:
    """Text XML 1.0 can hold: forbidden characters (most C0 controls, lone surrogates,
    U+FFFE/U+FFFF) removed; line ends normalised to ``\\n`` as a parser would."""
    return _XML_FORBIDDEN.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _attr(text: str | None, limit: int = _NAME_CHARS) -> str:
    return xml_text(one_line(text, limit))


def _seconds(ms: float | None) -> str:
    if ms is None or not math.isfinite(ms):
        return "0.000"
    return f"{max(0.0, ms) / 1000:.3f}"


@dataclass
class Counts:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    def apply(self, element: ET.Element) -> None:
        element.set("tests", str(self.tests))
        element.set("failures", str(self.failures))
        element.set("errors", str(self.errors))
        element.set("skipped", str(self.skipped))

    def add(self, other: Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped


def _issue_text(issue: Issue, maybe: str | None = None) -> str:
    lines = [f"{issue.type} · severity {severity_name(issue)}: {issue.name}"]
    if maybe:
        lines.append(maybe)
    if issue.url:
        lines.append(f"URL: {issue.url}")
    if issue.description:
        lines += ["", issue.description]
    if issue.reproduction_steps:
        lines += ["", "Steps to reproduce:"]
        lines += [f"{n}. {s}" for n, s in enumerate(issue.reproduction_steps, 1)]
    if issue.expected_behavior:
        lines += ["", f"Expected: {issue.expected_behavior}"]
    if issue.actual_behavior:
        lines.append(f"Actual: {issue.actual_behavior}")
    if issue.screenshot_url:
        lines += ["", f"Screenshot: {issue.screenshot_url}"]
    return _body("\n".join(lines))


def _body(text: str | None) -> str:
    """Element text, cut at ``_BODY_CHARS`` with a pointer to the complete JSON report."""
    raw = text or ""
    clean = xml_text(raw[: _BODY_CHARS * 2])  # cut before cleaning: texts may be megabytes
    if len(clean) <= _BODY_CHARS and len(raw) <= _BODY_CHARS * 2:
        return clean
    return clean[:_BODY_CHARS] + "\n… (cut here; the JSON report has the full text)"


def _step_name(position: int, step: Step) -> str:
    index = step.step_index if step.step_index is not None else position
    return _attr(f"Step {index}: {step.title or '(untitled)'}")


class _Suite:
    """One ``testsuite`` being written: its cases share a class name and a file, and every
    case, failure, error and skip is counted as it is added."""

    def __init__(self, parent: ET.Element, name: str, classname: str, file: str) -> None:
        self.element = ET.SubElement(parent, "testsuite", {"name": name})
        self.classname = classname
        self.file = file
        self.counts = Counts()

    def case(self, name: str, time_s: str = "0.000") -> ET.Element:
        self.counts.tests += 1
        attributes = {"name": name, "classname": self.classname, "file": self.file, "time": time_s}
        return ET.SubElement(self.element, "testcase", attributes)

    def failure(self, case: ET.Element, kind: str, message: str, text: str) -> None:
        ET.SubElement(case, "failure", {"type": kind, "message": message}).text = text
        self.counts.failures += 1

    def error(self, case: ET.Element, kind: str, message: str, text: str) -> None:
        ET.SubElement(case, "error", {"type": kind, "message": message}).text = text
        self.counts.errors += 1

    def skipped(self, case: ET.Element, message: str) -> None:
        ET.SubElement(case, "skipped", {"message": message})
        self.counts.skipped += 1

    @staticmethod
    def output(case: ET.Element, text: str) -> None:
        ET.SubElement(case, "system-out").text = text


def _attempts_case(suite: _Suite, run: RunVerdict) -> None:
    """A retried run, as Maven Surefire says it: passed on a rerun, one ``flakyFailure`` (or
    ``flakyError``) per earlier attempt; failed every attempt, ``failure`` (or ``error``) for
    the first and one ``rerunFailure`` (``rerunError``) per rerun."""
    if not run.attempts:
        return
    case = suite.case(_attr(f"Attempts: {run.attempt_count}"), _seconds(run.duration_ms))
    attempts = [*run.attempts, run]

    def child(tag: str, attempt: RunVerdict) -> None:
        text = _body(f"{attempt.result.value}: {attempt.reason}\nRun: {attempt.run_id}")
        attributes = {
            "type": attempt.result.value,
            "message": _attr(attempt.reason, _MESSAGE_CHARS),
        }
        ET.SubElement(case, tag, attributes).text = text

    def infra(attempt: RunVerdict) -> bool:
        return attempt.result in {Result.ERROR, Result.TIMEOUT, Result.CANCELLED}

    if run.result is Result.PASS:
        for attempt in run.attempts:
            child("flakyError" if infra(attempt) else "flakyFailure", attempt)
        return
    first, *reruns = attempts
    if infra(first):
        suite.error(
            case, first.result.value, _attr(first.reason, _MESSAGE_CHARS), _body(first.reason)
        )
    else:
        suite.failure(
            case, first.result.value, _attr(first.reason, _MESSAGE_CHARS), _body(first.reason)
        )
    for attempt in reruns:
        child("rerunError" if infra(attempt) else "rerunFailure", attempt)


def _result_case(suite: _Suite, run: RunVerdict) -> None:
    """A case for the run itself, when its result is not told by its steps and issues."""
    output, duration = run.test_output, _seconds(run.duration_ms)
    reason = _attr(run.reason, _MESSAGE_CHARS)
    if run.result in {Result.ERROR, Result.TIMEOUT, Result.CANCELLED}:
        case = suite.case(_attr(f"Run result: {run.result.value}"), duration)
        text = _body(f"{run.result.value}: {run.reason}\nRun: {run.run_id}")
        suite.error(case, run.result.value, reason, text)
    elif run.result in (Result.SKIPPED, Result.STARTED):
        suite.skipped(suite.case(_attr(f"Run result: {run.result.value}")), reason)
    elif run.result is Result.FAILED and not run.blocking_issues:
        suite.failure(
            suite.case(_attr("Run result: FAILED"), duration), "FAILED", reason, _body(run.reason)
        )
    elif output is None or not (output.steps or output.issues) or run.from_previous_attempt:
        earlier = " (previous attempt)" if run.from_previous_attempt else ""
        suite.output(
            suite.case(_attr(f"Run result: {run.result.value}{earlier}"), duration),
            _body(run.reason),
        )


def _step_cases(suite: _Suite, steps: list[Step]) -> list[str]:
    """A case per step (failed ones fail), up to ``MAX_CASES``; returns what was left out."""
    chosen = listed_steps(steps, MAX_CASES)
    positions = {id(step): n for n, step in enumerate(steps, 1)}
    for step in chosen:
        case = suite.case(_step_name(positions[id(step)], step), _seconds(step.duration_ms))
        if step.failed:
            detail = " ".join(p for p in (step.error_code, step.error) if p) or "step failed"
            text = _body("\n".join(p for p in (step.summary, step.error) if p) or detail)
            kind = _attr(step.error_code or "STEP_FAILED", 100)
            suite.failure(case, kind, _attr(detail, _MESSAGE_CHARS), text)
        elif step.summary:
            suite.output(case, _body(step.summary))
    left = len(steps) - len(chosen)
    return [plural(left, "step")] if left else []


def _possibly(run: RunVerdict, issue: Issue) -> str | None:
    match = run.possibly(issue)
    return None if match is None else possibly_known(match, run.run_id)


def _issue_cases(suite: _Suite, run: RunVerdict) -> list[str]:
    """A failing case per blocking issue, a passing one per other issue, ``MAX_CASES`` in
    all; blocking issues past it still fail one case. Returns what was left out."""
    blocking = run.blocking_issues[:MAX_CASES]
    others = run.other_issues[: max(0, MAX_CASES - len(blocking))]
    for issue in blocking:
        case = suite.case(_attr(f"Issue: {issue.name or '(unnamed)'}"))
        kind = _attr(f"severity {severity_name(issue)}", 100)
        message = _attr(f"{severity_name(issue)}: {issue.name}", _MESSAGE_CHARS)
        suite.failure(case, kind, message, _issue_text(issue, _possibly(run, issue)))
    hidden = len(run.blocking_issues) - len(blocking)
    if hidden:  # they block as much as the listed ones
        case = suite.case(_attr(f"{hidden} more blocking issues"))
        text = "Not listed here, to keep the report small; the JSON report has them."
        suite.failure(case, "blocking issues", f"{hidden} more blocking issues", text)
    for issue in others:
        label = "Warning" if issue.is_warning else "Issue below threshold"
        case = suite.case(_attr(f"{label}: {issue.name or '(unnamed)'}"))
        suite.output(case, _issue_text(issue, _possibly(run, issue)))
    known = run.known_issues[: max(0, MAX_CASES - len(blocking) - len(others))]
    for item in known:
        case = suite.case(_attr(f"Known issue: {item.issue.name or '(unnamed)'}"))
        suite.output(case, f"{_body(f'Known: {item.match.why}')}\n\n{_issue_text(item.issue)}")
    left = run.issue_count - len(blocking) - len(others) - len(known)
    return [plural(left, "issue")] if left else []


def _suite(root: ET.Element, run: RunVerdict, run_url: str | None) -> Counts:
    feature = one_line(run.feature_name, 120)
    name = f"{feature} ({short_id(run.run_id)})" if feature else f"Run {run.run_id}"
    classname = _attr(f"tester.army.{feature or short_id(run.run_id)}")
    file = _attr(run_link(run_url, run.run_id) or f"tester.army/runs/{run.run_id}", 300)
    suite = _Suite(root, _attr(name), classname, file)
    _result_case(suite, run)
    _attempts_case(suite, run)
    output = run.test_output
    left_out = _step_cases(suite, list(output.steps)) if output is not None else []
    left_out += _issue_cases(suite, run)
    if left_out:
        text = (
            f"{' and '.join(left_out)} not listed here, to keep the report small; "
            "see the JSON report."
        )
        suite.output(suite.case(_attr("Left out of this report")), text)
    suite.counts.apply(suite.element)
    suite.element.set("time", _seconds(run.duration_ms))
    suite.element.set("id", _attr(run.run_id, 100))
    return suite.counts


def _start_suite(root: ET.Element, verdict: Verdict) -> Counts:
    """The one suite of an invocation that waited for no run: why not."""
    start = _Suite(root, "testerarmy-wait", "tester.army", "testerarmy-wait")
    message = verdict.problem or verdict.headline
    kind = verdict.result.value
    start.error(start.case("Start"), kind, _attr(message, _MESSAGE_CHARS), _body(message))
    start.counts.apply(start.element)
    start.element.set("time", "0.000")
    return start.counts


def junit_suites(verdict: Verdict) -> Iterator[tuple[str, Counts]]:
    """Each ``testsuite`` as indented XML text with its counts, one run at a time."""
    runs = verdict.runs or (None,)
    for run in runs:
        holder = ET.Element("testsuites")
        counts = (
            _suite(holder, run, verdict.links.run_url)
            if run is not None
            else _start_suite(holder, verdict)
        )
        [suite] = list(holder)
        ET.indent(suite, level=1)
        yield "  " + ET.tostring(suite, encoding="unicode").rstrip() + "\n", counts


def junit_document(total: Counts, elapsed_s: float) -> tuple[str, str]:
    """The text before and after the suites, carrying the totals."""
    root = ET.Element("testsuites", {"name": "testerarmy-wait"})
    total.apply(root)
    root.set("time", f"{max(0.0, elapsed_s):.3f}")
    opening = ET.tostring(root, encoding="unicode").replace(" />", ">")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{opening}\n', "</testsuites>\n"


def render_junit(verdict: Verdict) -> str:
    """The whole report as an XML document (UTF-8 declaration, text without a BOM)."""
    total = Counts()
    suites = []
    for text, counts in junit_suites(verdict):
        suites.append(text)
        total.add(counts)
    head, tail = junit_document(total, verdict.elapsed_s)
    return head + "".join(suites) + tail
