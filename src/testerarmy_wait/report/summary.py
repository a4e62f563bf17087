"""The job summary: GitHub-flavoured markdown a reviewer can act on in five seconds.

Everything from the server goes through :mod:`testerarmy_wait.report.escape`. The whole
summary is built against a byte budget: blocks are added worst-first and whole (a
``<details>`` block is never cut in half); what does not fit is counted and named in a
closing line that points to the full JSON/JUnit reports.

Each block builder is given the room it may take and returns its block with an ``_Omitted``
saying what it left out; only ``render_summary`` and ``_run_section`` decide who gets how
much room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from testerarmy_wait.policy import Result
from testerarmy_wait.report.advice import possibly_known, run_advice, verdict_advice
from testerarmy_wait.report.escape import md_block, md_link, md_text, md_url, one_line
from testerarmy_wait.report.formatting import (
    RESULT_EMOJI,
    format_duration,
    is_plain_id,
    plural,
    run_link,
    severity_emoji,
    severity_name,
    short_id,
)
from testerarmy_wait.report.json_report import listed_steps
from testerarmy_wait.verdict import RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.baseline.model import Entry
    from testerarmy_wait.models import Issue, Step, TestOutput


DEFAULT_MAX_BYTES = 512 * 1024
_FOOTER_RESERVE = 2048  # bytes kept for the closing "left out" line
_MAX_RUN_ROWS = 200
_MAX_ISSUE_ROWS = 50
_MAX_ISSUE_NAMES = 200
_MAX_DETAILED_ISSUES = 10
_MAX_STEP_ROWS = 100
_MAX_SCREENSHOTS = 50
_MAX_REPRO_STEPS = 25
_DESCRIPTION_CHARS = 1500
_BEHAVIOUR_CHARS = 1000
_BLOCK_GAP_BYTES = 2  # the blank line between two blocks
_TABLE_SLACK_BYTES = 64  # kept free when fitting table rows, for the lines around them


def _size(text: str) -> int:
    return len(text.encode("utf-8", "replace"))


@dataclass
class _Omitted:
    runs: int = 0
    issues: int = 0  # not even listed by name
    issue_details: int = 0  # listed, but without reproduction details
    steps: int = 0
    screenshots: int = 0
    texts_cut: int = 0

    def phrases(self) -> list[str]:
        parts = [
            (self.runs, "run", "runs"),
            (self.issues, "issue", "issues"),
            (self.issue_details, "issue's details", "issues' details"),
            (self.steps, "step", "steps"),
            (self.screenshots, "screenshot", "screenshots"),
        ]
        out = [plural(n, one, many) for n, one, many in parts if n]
        if self.texts_cut:
            out.append(f"the end of {plural(self.texts_cut, 'long text')}")
        return out

    def add(self, other: _Omitted) -> None:
        self.runs += other.runs
        self.issues += other.issues
        self.issue_details += other.issue_details
        self.steps += other.steps
        self.screenshots += other.screenshots
        self.texts_cut += other.texts_cut


@dataclass
class _Doc:
    """Markdown blocks (joined by blank lines) that never exceed a byte budget."""

    budget: int
    blocks: list[str] = field(default_factory=list)
    used: int = 0
    omitted: _Omitted = field(default_factory=_Omitted)

    @property
    def remaining(self) -> int:
        return max(0, self.budget - self.used)

    def fits(self, block: str) -> bool:
        return not block or _size(block) + _BLOCK_GAP_BYTES <= self.remaining

    def add(self, block: str) -> bool:
        if not block:
            return True
        if not self.fits(block):
            return False
        self.blocks.append(block)
        self.used += _size(block) + _BLOCK_GAP_BYTES
        return True


def _fit_lines(head: Sequence[str], lines: Sequence[str], tail: str, budget: int) -> int:
    """How many of ``lines`` fit after ``head`` and before ``tail`` within ``budget`` bytes."""
    used = sum(_size(h) + 1 for h in head) + _size(tail) + _TABLE_SLACK_BYTES
    count = 0
    for line in lines:
        used += _size(line) + 1
        if used > budget:
            break
        count += 1
    return count


# ---------------------------------------------------------------- top of the summary


def _heading(verdict: Verdict) -> str:
    emoji = RESULT_EMOJI.get(verdict.result, "❔")
    return f"## {emoji} tester.army — {md_text(verdict.headline, 300)}"


def _id_text(run_id: str) -> str:
    return f"`{run_id}`" if is_plain_id(run_id) and len(run_id) <= 80 else md_text(run_id, 80)


def _run_cell(run: RunVerdict, run_url: str | None) -> str:
    shown = short_id(run.run_id)
    label = f"`{shown}`" if is_plain_id(shown) else md_text(shown)
    return md_link(label, run_link(run_url, run.run_id), label_is_markdown=True)


def _issue_cell(run: RunVerdict) -> str:
    if run.issue_count == 0:
        return "0"
    known = f" · {run.known_issue_count} known" if run.known_issue_count else ""
    return f"{run.issue_count} ({run.blocking_issue_count}){known}"


def _run_table_row(run: RunVerdict, run_url: str | None) -> str:
    feature = md_text(run.feature_name, 80) or "–"
    result = f"{run.result.value} (flaky)" if run.flaky else run.result.value
    result += " (previous attempt)" if run.from_previous_attempt else ""
    return (
        f"| {RESULT_EMOJI.get(run.result, '❔')} | {_run_cell(run, run_url)} | {feature} "
        f"| {result} | {_issue_cell(run)} | {format_duration(run.duration_ms)} |"
    )


def _attempts_text(run: RunVerdict, run_url: str | None) -> str:
    """``Attempts: ❌ FAILED `3f2a9c1e` (3 issues) → ✅ PASS `a81b07d4` (flaky)``; empty for
    a run that ran once."""
    if not run.attempts:
        return ""

    def one(attempt: RunVerdict) -> str:
        emoji = RESULT_EMOJI.get(attempt.result, "❔")
        issues = f" ({attempt.issue_count} issues)" if attempt.issue_count else ""
        return f"{emoji} {attempt.result.value} {_run_cell(attempt, run_url)}{issues}"

    flaky = " (flaky)" if run.flaky else ""
    return "Attempts: " + " → ".join(one(a) for a in (*run.attempts, run)) + flaky


def _run_table(verdict: Verdict, room: int) -> tuple[str, _Omitted]:
    """The per-run table, worst first, as many rows as ``room`` takes."""
    runs = verdict.runs_worst_first()
    head = [
        "| | Run | Feature | Result | Issues (blocking) | Duration |",
        "|---|---|---|---|---|---|",
    ]
    rows = [_run_table_row(r, verdict.links.run_url) for r in runs[:_MAX_RUN_ROWS]]
    shown = _fit_lines(head, rows, "", room)
    if shown == 0:
        return "", _Omitted(runs=len(runs))
    table = "\n".join([*head, *rows[:shown]])
    if shown < len(runs):
        table += f"\n\n…and {plural(len(runs) - shown, 'more run')}, in the full reports."
    return table, _Omitted()


def _policy_line(verdict: Verdict) -> str:
    waited = format_duration(verdict.elapsed_s * 1000)
    return (
        f"Policy: {md_text(verdict.policy.describe(), None)}. "
        f"Waited {waited}, {plural(verdict.requests, 'request')}."
    )


def _trigger_lines(verdict: Verdict) -> list[str]:
    groups: dict[tuple[str, str, str | None, tuple[tuple[str, str], ...]], list[str]] = {}
    for run in verdict.runs:
        trigger = run.outcome.trigger if run.outcome is not None else None
        if trigger is None:
            continue
        key = (trigger.kind, trigger.target, trigger.batch_id, trigger.parameters)
        groups.setdefault(key, []).append(run.run_id)
    lines = []
    for (kind, target, batch_id, parameters), run_ids in list(groups.items())[:20]:
        text = f"Started by this step: {md_text(kind, 40)} {md_text(target, 120)}"
        if batch_id:
            text += f", batch {md_text(batch_id, 80)}"
        if parameters:
            shown = ", ".join(f"{md_text(k, 60)}={md_text(v, 120)}" for k, v in parameters[:20])
            text += f", with {shown}"
        text += f" ({plural(len(run_ids), 'run')})."
        lines.append(text)
    return lines


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {md_text(item, 600)}" for item in items)


# ---------------------------------------------------------------- one run's section


def _issue_row(issue: Issue, maybe: str | None = None) -> str:
    known = " · 🔕 possibly known" if maybe else ""
    return (
        f"| {severity_emoji(issue)} {severity_name(issue)} | {md_text(issue.type, 20)} "
        f"| {md_text(issue.name, 160) or '–'}{known} | {md_url(issue.url) or '–'} |"
    )


def _issue_details(issue: Issue, maybe: str | None = None) -> tuple[str, _Omitted]:
    """One issue, folded: the known issue it may be, description, steps to reproduce,
    expected and actual, where."""
    kind = "warning" if issue.is_warning else severity_name(issue).split(" · ")[-1]
    parts = [
        f"<details><summary>{severity_emoji(issue)} {md_text(issue.name, 160)} "
        f"({md_text(kind, 20)})</summary>"
    ]
    omitted = _Omitted()
    if maybe:
        parts.append(f"🔕 {md_text(maybe, 700)}")
    if issue.description:
        parts.append(md_block(issue.description, _DESCRIPTION_CHARS))
        if len(issue.description) > _DESCRIPTION_CHARS:
            omitted.texts_cut += 1
    if issue.reproduction_steps:
        steps = issue.reproduction_steps[:_MAX_REPRO_STEPS]
        listed = "\n".join(f"{n}. {md_text(s, 300) or '–'}" for n, s in enumerate(steps, 1))
        if len(issue.reproduction_steps) > len(steps):
            more = len(issue.reproduction_steps) - len(steps)
            listed += f"\n\n…and {plural(more, 'more step')}."
        parts.append(f"**Steps to reproduce**\n\n{listed}")
    behaviour = []
    if issue.expected_behavior:
        behaviour.append(f"**Expected:** {md_text(issue.expected_behavior, _BEHAVIOUR_CHARS)}")
    if issue.actual_behavior:
        behaviour.append(f"**Actual:** {md_text(issue.actual_behavior, _BEHAVIOUR_CHARS)}")
    if behaviour:
        parts.append("\\\n".join(behaviour))
    where = []
    if issue.url:
        where.append(f"Page: {md_url(issue.url)}")
    if issue.screenshot_url:
        where.append(md_link("Screenshot", issue.screenshot_url))
    if issue.t_ms is not None:
        where.append(f"reported {format_duration(issue.t_ms)} into the run")
    if where:
        parts.append(" · ".join(where))
    parts.append("</details>")
    return "\n\n".join(parts), omitted


def _step_status(step: Step) -> str:
    if step.status == "passed":
        return "✅ passed"
    if step.status == "failed":
        return "❌ failed"
    return md_text(step.status, 20) or "–"


def _step_row(position: int, step: Step) -> str:
    index = step.step_index if step.step_index is not None else position
    title = md_text(step.title, 120) or "–"
    if step.failed and step.error:
        title += f" — {md_text(step.error, 160)}"
    return (
        f"| {index} | {title} | {md_text(step.type, 20) or '–'} "
        f"| {_step_status(step)} | {format_duration(step.duration_ms)} "
        f"| {md_text(step.error_code, 40)} |"
    )


def _steps_block(output: TestOutput, room: int) -> tuple[str, _Omitted]:
    """The steps table, folded; failed steps kept first when not all fit."""
    positions = {id(step): n for n, step in enumerate(output.steps, 1)}
    chosen = listed_steps(list(output.steps), _MAX_STEP_ROWS)
    failed = sum(1 for s in output.steps if s.failed)
    total = len(output.steps)
    title = f"Steps: {total}, {failed} failed" if failed else f"Steps: {total}"
    head = [
        f"<details><summary>{title}</summary>",
        "",
        "| # | Step | Type | Status | Time | Code |",
        "|---|---|---|---|---|---|",
    ]
    rows = [_step_row(positions[id(s)], s) for s in chosen]
    shown = _fit_lines(head, rows, "</details>", room)
    if shown == 0:
        return "", _Omitted(steps=total)
    lines = [*head, *rows[:shown]]
    left = total - shown
    if left:
        lines += ["", f"Showing {shown} of {total} steps (failed steps first)."]
    lines += ["", "</details>"]
    return "\n".join(lines), _Omitted(steps=left)


def _screenshots_block(shots: Sequence[str]) -> tuple[str, _Omitted]:
    chosen = shots[:_MAX_SCREENSHOTS]
    links = " · ".join(md_link(str(n), url) for n, url in enumerate(chosen, 1))
    more = len(shots) - len(chosen)
    if more:
        links += f" · …and {more} more"
    block = f"<details><summary>Screenshots ({len(shots)})</summary>\n\n{links}\n\n</details>"
    return block, _Omitted(screenshots=more)


def _run_header(run: RunVerdict, run_url: str | None) -> str:
    name = md_text(run.feature_name, 120) or f"Run {md_text(short_id(run.run_id))}"
    facts = [f"Run {_id_text(run.run_id)}", f"status {md_text(run.status, 30)}"]
    if run.duration_ms is not None:
        facts.append(format_duration(run.duration_ms))
    link = run_link(run_url, run.run_id)
    if link is not None:
        facts.append(md_link("open on tester.army", link))
    if run.auto_retry_count:
        facts.append(f"tester.army retried it {run.auto_retry_count}×")
    attempts = _attempts_text(run, run_url)
    return (
        f"### {RESULT_EMOJI.get(run.result, '❔')} {name} — {run.result.value}\n\n"
        f"{' · '.join(facts)}\\\n**Why:** {md_text(run.reason, 600)}"
        + (f"\\\n{attempts}" if attempts else "")
    )


def _possibly(run: RunVerdict) -> Callable[[Issue], str | None]:
    """The "possibly the known issue" line of each new issue that resembles an entry."""

    def line(issue: Issue) -> str | None:
        match = run.possibly(issue)
        return None if match is None else possibly_known(match, run.run_id)

    return line


def _issue_blocks(
    issues: Sequence[Issue], room: int, maybe: Callable[[Issue], str | None] = lambda _i: None
) -> tuple[list[str], _Omitted]:
    """The issue table (half the room at most), the names of the issues it left out (a
    third of it), then as many folded details as fit."""
    omitted = _Omitted()
    blocks: list[str] = []
    head = ["| Severity | Type | Issue | Where |", "|---|---|---|---|"]
    rows = [_issue_row(i, maybe(i)) for i in issues[:_MAX_ISSUE_ROWS]]
    listed = _fit_lines(head, rows, "", room // 2)
    if listed:
        blocks.append("\n".join([*head, *rows[:listed]]))
    used = sum(_size(b) + _BLOCK_GAP_BYTES for b in blocks)
    rest = issues[listed:]
    if rest:
        names = [md_text(i.name, 100) or "–" for i in rest[:_MAX_ISSUE_NAMES]]
        intro = "More issues, by name: "
        named = _fit_lines([intro], [n + " · " for n in names], "", room // 3)
        if named:
            text = intro + " · ".join(names[:named])
            if named < len(rest):
                text += f" · …and {len(rest) - named} more."
            blocks.append(text)
            used += _size(text) + _BLOCK_GAP_BYTES
        omitted.issues += len(rest) - named
        omitted.issue_details += named
    detailed = 0
    for issue in issues[: min(listed, _MAX_DETAILED_ISSUES)]:
        block, cut = _issue_details(issue, maybe(issue))
        if used + _size(block) + _BLOCK_GAP_BYTES > room:
            break
        blocks.append(block)
        used += _size(block) + _BLOCK_GAP_BYTES
        omitted.add(cut)
        detailed += 1
    omitted.issue_details += listed - detailed
    return blocks, omitted


def _run_section(
    run: RunVerdict, room: int, run_url: str | None, api_url: str | None
) -> tuple[list[str], _Omitted]:
    """One run that needs a reader's attention, within ``room`` bytes: header and advice,
    then description, issues, steps and screenshots while they fit."""
    section = _Doc(budget=room)
    header = _run_header(run, run_url)
    if not section.add(header):
        return [], _Omitted(runs=1, issues=run.issue_count)
    advice = run_advice(run, api_url=api_url)
    if advice:
        section.add("**What to check**\n\n" + _bullets(advice))
    output = run.test_output
    if output is None:
        return section.blocks, section.omitted
    if output.description:
        block = md_block(output.description, _DESCRIPTION_CHARS)
        if len(output.description) > _DESCRIPTION_CHARS:
            section.omitted.texts_cut += 1
        section.add(block)
    blocks, omitted = _issue_blocks(run.issues, section.remaining, _possibly(run))
    for block in blocks:
        section.add(block)
    section.omitted.add(omitted)
    if output.steps:
        block, omitted = _steps_block(output, section.remaining)
        section.omitted.add(omitted if section.add(block) else _Omitted(steps=len(output.steps)))
    if output.screenshots:
        block, omitted = _screenshots_block(output.screenshots)
        fits = section.add(block)
        section.omitted.add(omitted if fits else _Omitted(screenshots=len(output.screenshots)))
    return section.blocks, section.omitted


def _passing_line(run: RunVerdict, run_url: str | None) -> str:
    name = md_text(run.feature_name, 120) or "Run"
    attempts = _attempts_text(run, run_url)
    suffix = f" — {attempts}" if attempts else ""
    return f"- ✅ **{name}** ({_run_cell(run, run_url)}): {md_text(run.reason, 300)}{suffix}"


# ---------------------------------------------------------------- the baseline


def _entry_text(entry: Entry) -> str:
    where = f", {entry.where}" if entry.where else ""
    reason = f" — {md_text(entry.reason, 200)}" if entry.reason else ""
    return f"“{md_text(entry.title, 160)}” ({md_text(entry.scope, 80)}{where}){reason}"


def _known_rows(verdict: Verdict) -> list[str]:
    rows = []
    for run in verdict.runs_worst_first():
        for known in run.known_issues:
            issue, entry = known.issue, known.match.entry
            until = f" · until {entry.expires.isoformat()}" if entry.expires else ""
            note = md_text(entry.reason, 120) if entry.reason else ""
            line = f"line {entry.line}" if entry.line else ""
            rows.append(
                f"| {severity_emoji(issue)} {severity_name(issue)} | {md_text(issue.name, 160)} "
                f"| {md_url(issue.url) or '–'} | `{short_id(run.run_id)}` "
                f"| {' · '.join(p for p in (note, line) if p) or '–'}{until} |"
            )
    return rows


def _baseline_blocks(verdict: Verdict, room: int) -> tuple[list[str], _Omitted]:
    """Known issues (a table), then the entries no run reported and those that expired."""
    outcome = verdict.baseline
    omitted = _Omitted()
    if outcome is None:
        return [], omitted
    path = _path_text(outcome.path)
    blocks: list[str] = []
    rows = _known_rows(verdict)
    if rows:
        head = [
            f"### 🔕 Known issues: {len(rows)}, in the baseline {path} (not blocking)",
            "",
            "| Severity | Issue | Where | Run | Baseline entry |",
            "|---|---|---|---|---|",
        ]
        shown = _fit_lines(head, rows, "", room // 2)
        omitted.issues += len(rows) - shown
        if shown:
            blocks.append("\n".join(head + rows[:shown]))
    else:
        blocks.append(
            f"Baseline {path}: {plural(outcome.entries, 'entry', 'entries')}, none matched."
        )
    if outcome.possible:
        blocks.append(
            f"🔕 {plural(outcome.possible, 'new issue')} resemble entries of {path} and are "
            "marked possibly known above: new all the same, they count as usual. If one is "
            "the same problem, accept it with `testerarmy-wait baseline` (the line says how)."
        )
    gone = [f"- {_entry_text(e)}" for e in outcome.no_longer_seen]
    expired = [
        f"- {_entry_text(e)}, expired {e.expires.isoformat()}"
        for e in outcome.expired
        if e.expires is not None
    ]
    for title, lines in (
        (
            f"No longer seen — not reported by the runs of their tests; remove them from {path} "
            "once fixed",
            gone,
        ),
        ("Expired — these entries match nothing any more; issues like them count as new", expired),
    ):
        head = [f"**{title} ({len(lines)}):**", ""]
        shown = _fit_lines(head, lines, "", room // 4)
        if shown:
            more = f"\n- …and {len(lines) - shown} more" if shown < len(lines) else ""
            blocks.append("\n".join(head + lines[:shown]) + more)
    return blocks, omitted


# ---------------------------------------------------------------- the whole summary


def _footer(
    doc: _Doc, verdict: Verdict, report_paths: Mapping[str, str] | None, max_bytes: int
) -> str:
    where = ""
    if report_paths:
        labels = {"json": "JSON", "junit": "JUnit"}
        shown = [
            f"{_path_text(path)} ({labels[k]})"
            for k, path in report_paths.items()
            if k in labels and path
        ]
        if shown:
            where = " The full results are in " + " and ".join(shown) + "."
    phrases = doc.omitted.phrases()
    if phrases:
        limit = f"{max_bytes // 1024} KB" if max_bytes >= 1024 else f"{max_bytes} bytes"
        return f"**Left out to keep this summary under {limit}:** {', '.join(phrases)}.{where}"
    if where and verdict.runs:
        return where.strip()
    return ""


def _path_text(path: str) -> str:
    """A report path as a code span when it can be one, else as escaped text."""
    if "`" in path or one_line(path) != path or len(path) > 300:
        return md_text(path, 300)
    return f"`{path}`"


def _add_overview(doc: _Doc, verdict: Verdict) -> None:
    """The heading, what happened, the table of runs, the policy, triggers and notes."""
    doc.add(_heading(verdict))
    if verdict.interrupted_by:
        doc.add(f"The job was interrupted ({md_text(verdict.interrupted_by, 20)}) while waiting.")
    if verdict.problem is not None:
        doc.add(f"**What happened:** {md_text(verdict.problem, 1000)}")
        advice = verdict_advice(verdict, api_url=verdict.links.api_url)
        if advice:
            doc.add("**What to check**\n\n" + _bullets(advice))
    if verdict.runs:
        table, omitted = _run_table(verdict, min(doc.remaining, max(doc.budget // 4, 4096)))
        doc.add(table)
        doc.omitted.add(omitted)
    doc.add(_policy_line(verdict))
    triggers = _trigger_lines(verdict)
    if triggers:
        doc.add("\\\n".join(triggers))
    if verdict.notes:
        doc.add(_bullets(verdict.notes[:20]))


def _add_runs(doc: _Doc, verdict: Verdict) -> None:
    """A section for each run that did not pass cleanly (worst first, sharing what room is
    left), then one line for each run that did."""
    run_url, api_url = verdict.links.run_url, verdict.links.api_url
    worst_first = verdict.runs_worst_first()
    needs_section = [r for r in worst_first if r.result is not Result.PASS or r.fails_policy]
    for position, run in enumerate(needs_section):
        share = doc.remaining // (len(needs_section) - position)
        blocks, omitted = _run_section(run, share, run_url, api_url)
        for block in blocks:
            doc.add(block)
        doc.omitted.add(omitted)
    passing = [r for r in worst_first if r.result is Result.PASS and not r.fails_policy]
    if passing:
        lines = [_passing_line(r, run_url) for r in passing]
        shown = _fit_lines([], lines, "", doc.remaining)
        if shown:
            doc.add("\n".join(lines[:shown]))
        doc.omitted.runs += len(passing) - shown


def render_summary(
    verdict: Verdict,
    *,
    report_paths: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """The job summary as markdown, never longer than ``max_bytes`` UTF-8 bytes.

    Runs link to the verdict's ``links.run_url`` (a template with ``{id}``) and the advice
    on API errors names its ``links.api_url``; ``report_paths`` maps ``"json"`` and
    ``"junit"`` to the report files' paths (as a reader finds them, e.g. relative to the
    workspace).
    """
    doc = _Doc(budget=max(0, max_bytes - _FOOTER_RESERVE))
    _add_overview(doc, verdict)
    _add_runs(doc, verdict)
    blocks, omitted = _baseline_blocks(verdict, doc.remaining)
    for block in blocks:
        doc.add(block)
    doc.omitted.add(omitted)

    footer = _footer(doc, verdict, report_paths, max_bytes)
    text = "\n\n".join(doc.blocks)
    if footer:
        text += "\n\n" + footer
    text += "\n"
    return _hard_limit(text, max_bytes)


def _hard_limit(text: str, max_bytes: int) -> str:
    """Last line of defence for tiny budgets: the first line and a pointer, or nothing."""
    if _size(text) <= max_bytes:
        return text
    for candidate in (
        text.split("\n", 1)[0] + "\n\nThe summary did not fit: see the JSON report.\n",
        "See the JSON report.\n",
    ):
        if _size(candidate) <= max_bytes:
            return candidate
    return ""
