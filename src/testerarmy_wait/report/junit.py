"""JUnit XML in the common Jenkins/GitLab shape: one ``testsuite`` per run.

Each run's suite holds a ``testcase`` per step (``<failure>`` when the step failed) and per
issue: blocking issues fail, warnings and sub-threshold issues pass with their text in
``system-out``. A run that could not be judged gets one case with ``<error>``; a skipped
run one with ``<skipped>``. Escaping is left to ``xml.etree``; characters XML 1.0 cannot
hold at all are removed first.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Final

from testerarmy_wait.models import Issue, Step
from testerarmy_wait.report.escape import one_line
from testerarmy_wait.report.formatting import plural, run_link, severity_name, short_id
from testerarmy_wait.report.json_report import listed_steps
from testerarmy_wait.verdict import Result, RunVerdict, Verdict

_XML_FORBIDDEN: Final = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
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
class _Counts:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    def apply(self, element: ET.Element) -> None:
        element.set("tests", str(self.tests))
        element.set("failures", str(self.failures))
        element.set("errors", str(self.errors))
        element.set("skipped", str(self.skipped))

    def add(self, other: _Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped


def _case(
    suite: ET.Element, counts: _Counts, *, name: str, classname: str, file: str, time_s: str
) -> ET.Element:
    counts.tests += 1
    return ET.SubElement(
        suite,
        "testcase",
        {"name": name, "classname": classname, "file": file, "time": time_s},
    )


def _issue_text(issue: Issue) -> str:
    lines = [f"{issue.type} · severity {severity_name(issue)}: {issue.name}"]
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
    clean = xml_text(text)
    if len(clean) <= _BODY_CHARS:
        return clean
    return clean[:_BODY_CHARS] + "\n… (cut here; the JSON report has the full text)"


def _step_name(position: int, step: Step) -> str:
    index = step.step_index if step.step_index is not None else position
    return _attr(f"Step {index}: {step.title or '(untitled)'}")


def _suite(root: ET.Element, run: RunVerdict, run_url: str | None) -> _Counts:
    counts = _Counts()
    feature = one_line(run.feature_name, 120)
    suite_name = f"{feature} ({short_id(run.run_id)})" if feature else f"Run {run.run_id}"
    classname = _attr(f"tester.army.{feature or short_id(run.run_id)}")
    file = _attr(run_link(run_url, run.run_id) or f"tester.army/runs/{run.run_id}", 300)
    suite = ET.SubElement(root, "testsuite", {"name": _attr(suite_name)})
    output = run.test_output
    duration = run.duration_ms

    def case(name: str, time_s: str = "0.000") -> ET.Element:
        return _case(suite, counts, name=name, classname=classname, file=file, time_s=time_s)

    if run.result in {Result.ERROR, Result.TIMEOUT, Result.CANCELLED}:
        error = ET.SubElement(
            case(_attr(f"Run result: {run.result.value}"), _seconds(duration)),
            "error",
            {"type": run.result.value, "message": _attr(run.reason, _MESSAGE_CHARS)},
        )
        error.text = _body(f"{run.result.value}: {run.reason}\nRun: {run.run_id}")
        counts.errors += 1
    elif run.result is Result.SKIPPED:
        ET.SubElement(
            case(_attr("Run result: SKIPPED")),
            "skipped",
            {"message": _attr(run.reason, _MESSAGE_CHARS)},
        )
        counts.skipped += 1
    elif run.result is Result.FAILED and not run.blocking_issues:
        failure = ET.SubElement(
            case(_attr("Run result: FAILED"), _seconds(duration)),
            "failure",
            {"type": "FAILED", "message": _attr(run.reason, _MESSAGE_CHARS)},
        )
        failure.text = _body(run.reason)
        counts.failures += 1
    elif output is None or not (output.steps or output.issues):
        out = ET.SubElement(
            case(_attr(f"Run result: {run.result.value}"), _seconds(duration)), "system-out"
        )
        out.text = _body(run.reason)

    left_out: list[str] = []
    if output is not None:
        steps = listed_steps(list(output.steps), MAX_CASES)
        if len(steps) < len(output.steps):
            left_out.append(plural(len(output.steps) - len(steps), "step"))
        positions = {id(step): n for n, step in enumerate(output.steps, 1)}
        for step in steps:
            position = positions[id(step)]
            element = case(_step_name(position, step), _seconds(step.duration_ms))
            if step.failed:
                detail = " ".join(p for p in (step.error_code, step.error) if p) or "step failed"
                failure = ET.SubElement(
                    element,
                    "failure",
                    {
                        "type": _attr(step.error_code or "STEP_FAILED", 100),
                        "message": _attr(detail, _MESSAGE_CHARS),
                    },
                )
                failure.text = _body(
                    "\n".join(p for p in (step.summary, step.error) if p) or detail
                )
                counts.failures += 1
            elif step.summary:
                ET.SubElement(element, "system-out").text = _body(step.summary)

    blocking = run.blocking_issues[:MAX_CASES]
    others = run.other_issues[: max(0, MAX_CASES - len(blocking))]
    skipped_issues = run.issue_count - len(blocking) - len(others)
    if skipped_issues:
        left_out.append(plural(skipped_issues, "issue"))
    for issue in blocking:
        element = case(_attr(f"Issue: {issue.name or '(unnamed)'}"))
        failure = ET.SubElement(
            element,
            "failure",
            {
                "type": _attr(f"severity {severity_name(issue)}", 100),
                "message": _attr(f"{severity_name(issue)}: {issue.name}", _MESSAGE_CHARS),
            },
        )
        failure.text = _issue_text(issue)
        counts.failures += 1
    hidden_blocking = len(run.blocking_issues) - len(blocking)
    if hidden_blocking:  # still counted as failures: they block as much as the listed ones
        element = case(_attr(f"{hidden_blocking} more blocking issues"))
        failure = ET.SubElement(
            element,
            "failure",
            {"type": "blocking issues", "message": f"{hidden_blocking} more blocking issues"},
        )
        failure.text = "Not listed here, to keep the report small; the JSON report has them."
        counts.failures += 1
    for issue in others:
        label = "Warning" if issue.is_warning else "Issue below threshold"
        element = case(_attr(f"{label}: {issue.name or '(unnamed)'}"))
        ET.SubElement(element, "system-out").text = _issue_text(issue)
    if left_out:
        note = case(_attr("Left out of this report"))
        ET.SubElement(note, "system-out").text = (
            f"{' and '.join(left_out)} not listed here, to keep the report small; "
            "see the JSON report."
        )

    counts.apply(suite)
    suite.set("time", _seconds(duration))
    suite.set("id", _attr(run.run_id, 100))
    return counts


def render_junit(verdict: Verdict, *, run_url: str | None = None) -> str:
    """The whole report as an XML document (UTF-8 declaration, text without a BOM)."""
    root = ET.Element("testsuites", {"name": "testerarmy-wait"})
    total = _Counts()
    for run in verdict.runs:
        total.add(_suite(root, run, run_url))
    if not verdict.runs:
        suite = ET.SubElement(root, "testsuite", {"name": "testerarmy-wait"})
        counts = _Counts()
        element = _case(
            suite,
            counts,
            name="Start",
            classname="tester.army",
            file="testerarmy-wait",
            time_s="0.000",
        )
        message = verdict.problem or verdict.headline
        error = ET.SubElement(
            element,
            "error",
            {"type": verdict.result.value, "message": _attr(message, _MESSAGE_CHARS)},
        )
        error.text = _body(message)
        counts.errors += 1
        counts.apply(suite)
        suite.set("time", "0.000")
        total.add(counts)
    total.apply(root)
    root.set("time", f"{max(0.0, verdict.elapsed_s):.3f}")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
