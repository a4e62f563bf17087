"""Everything GitHub Actions: workflow commands, output/summary files, annotations, the
pull-request event, and the reporter that uses them.

One writer owns every workflow command; its stream is injected so tests read what it
printed. Server text reaches the log only inside a ``::stop-commands::`` block, or as an
annotation message/title escaped with :func:`escape_data` / :func:`escape_property`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from testerarmy_wait.ci.progress import ProgressDigest
from testerarmy_wait.ci.shared import (
    Finished,
    TransferLog,
    reports_line,
    transfer_line,
    waiting_line,
    why,
)
from testerarmy_wait.outcome import Progress
from testerarmy_wait.policy import Result
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.blocks import Block, report_blocks
from testerarmy_wait.report.escape import cap, one_line, rendered, terminal_text
from testerarmy_wait.report.formatting import severity_name, short_id
from testerarmy_wait.verdict import RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue


MAX_ANNOTATIONS_PER_TYPE: Final = 10
MAX_MESSAGE_CHARS: Final = 4000  # the runner keeps 4096
MAX_TITLE_CHARS: Final = 200
_OUTPUT_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
SUMMARY_MAX_BYTES: Final = 512 * 1024  # well under the runner's 1 MiB, which drops it whole


def escape_data(value: str) -> str:
    """Like the toolkit's ``escapeData``: ``%``, ``\\r``, ``\\n`` percent-encoded."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Like the toolkit's ``escapeProperty``: as data, plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


LEGACY_COMMAND = "##["


def neutralize_legacy_commands(line: str) -> str:
    """The runner also reads the old ``##[command]`` form anywhere in a line; a word
    joiner between the two ``#`` keeps the text readable and inert."""
    return line.replace(LEGACY_COMMAND, "#\u2060#[")


class WorkflowCommands:
    """Prints workflow commands to ``stream`` (normally stdout). Every text but an
    ``add-mask`` value goes through ``redactor`` first: the runner's masking is the second
    line of defence, not the only one."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self.stream = stream
        self.redactor = redactor

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def command(self, name: str, message: str = "", **properties: str | None) -> None:
        if name != "add-mask":
            message = self.redactor.text(message)
        props = ",".join(
            f"{key}={escape_property(self.redactor.text(value))}"
            for key, value in properties.items()
            if value
        )
        self._line(f"::{name}{' ' + props if props else ''}::{escape_data(message)}")

    def mask(self, value: str) -> None:
        """Mask a secret in every later log line (each line too, for multi-line values)."""
        parts = [value, *value.splitlines()] if "\n" in value or "\r" in value else [value]
        for part in dict.fromkeys(parts):
            if part.strip():
                self.command("add-mask", part)

    def error(self, message: str, title: str | None = None) -> None:
        self.command("error", message, title=title)

    def warning(self, message: str, title: str | None = None) -> None:
        self.command("warning", message, title=title)

    def debug(self, message: str) -> None:
        self.command("debug", message)

    def plain(self, text: str) -> None:
        """A line of our own text: one line, no control characters, and never a command
        (the runner trims leading whitespace, so a visible mark goes in front of ``::``)."""
        line = neutralize_legacy_commands(terminal_text(self.redactor.text(text)))
        self._line(f"| {line}" if line.lstrip().startswith("::") else line)

    def start_group(self, title: str) -> None:
        self._line(f"::group::{escape_data(one_line(self.redactor.text(title), 200))}")

    def end_group(self) -> None:
        self._line("::endgroup::")

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self.start_group(title)
        try:
            yield
        finally:
            self.end_group()

    def begin_stop_commands(self) -> str:
        token = secrets.token_hex(16)
        self._line(f"::stop-commands::{token}")
        return token

    def end_stop_commands(self, token: str) -> None:
        self._line(f"::{token}::")

    @contextmanager
    def stop_commands(self) -> Iterator[None]:
        """No workflow command is processed inside (a fresh random token per use)."""
        token = self.begin_stop_commands()
        try:
            yield
        finally:
            self.end_stop_commands(token)

    def raw_block(self, text: str) -> None:
        """Machine-readable text (JSON) printed as is, with commands off around it."""
        with self.stop_commands():
            self.stream.write(text if text.endswith("\n") else text + "\n")
            self.stream.flush()

    def untrusted(self, text: str) -> None:
        """Print text that may contain server content; only call inside ``stop_commands``."""
        self.stream.write(terminal_text(self.redactor.text(text), multiline=True) + "\n")
        self.stream.flush()


# ------------------------------------------------------------------ file commands


def _delimiter(name: str, value: str) -> str:
    import uuid  # only when outputs are written (it loads the platform module)

    while True:
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        if delimiter not in name and delimiter not in value:
            return delimiter


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``name<<DELIM\\nvalue\\nDELIM\\n`` per output, a fresh delimiter each.

    Line ends in values are normalised to ``\\n`` (the runner reads the file by lines and
    would drop a ``\\r`` before a delimiter line).
    """
    chunks = []
    for name, value in outputs.items():
        if not _OUTPUT_NAME_RE.fullmatch(name):
            raise ValueError(f"invalid output name {name!r}")
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        delimiter = _delimiter(name, text)
        chunks.append(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")
    return "".join(chunks)


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_outputs(path: Path | str, outputs: Mapping[str, str]) -> None:
    """Append the outputs to the ``GITHUB_OUTPUT`` file."""
    _append(Path(path), format_outputs(outputs))


def append_summary(path: Path | str, markdown: str) -> None:
    """Append markdown to the ``GITHUB_STEP_SUMMARY`` file (always ending with a newline)."""
    _append(Path(path), markdown if markdown.endswith("\n") else markdown + "\n")


# ------------------------------------------------------------------ annotations


#: An annotation as (title, message), each made only when it is shown: a run may report
#: thousands of issues, and ten annotations of each kind are written.
Pending = tuple[Callable[[], str], Callable[[], str]]


def _issue_annotation(run: RunVerdict, issue: Issue, *, blocking: bool) -> Pending:
    def title() -> str:
        kind = "Blocking issue" if blocking else ("Warning" if issue.is_warning else "Issue")
        name = one_line(issue.name, MAX_TITLE_CHARS) or "unnamed"
        return cap(f"{kind} ({severity_name(issue)}): {name}", MAX_TITLE_CHARS)

    def message() -> str:
        where = f" at {one_line(issue.url, 300)}" if issue.url else ""
        feature = one_line(run.feature_name, 100) or "run"
        said = one_line(issue.description, MAX_MESSAGE_CHARS) or one_line(
            issue.name, MAX_MESSAGE_CHARS
        )
        text = f"{said}\n{feature} ({short_id(run.run_id)}){where}"
        return cap(terminal_text(text, multiline=True), MAX_MESSAGE_CHARS)

    return title, message


def _run_annotation(run: RunVerdict) -> Pending:
    def title() -> str:
        feature = one_line(run.feature_name, 100)
        name = f"{feature} ({short_id(run.run_id)})" if feature else f"run {run.run_id}"
        return cap(f"tester.army {run.result.value}: {name}", MAX_TITLE_CHARS)

    return title, lambda: cap(one_line(run.reason, MAX_MESSAGE_CHARS), MAX_MESSAGE_CHARS)


def collect_annotations(verdict: Verdict) -> tuple[list[Pending], list[Pending]]:
    """(errors, warnings), before the per-type limit; none of them made yet."""
    errors: list[Pending] = []
    warnings: list[Pending] = []
    if verdict.problem is not None:
        problem = verdict.problem
        errors.append(
            (
                lambda: "tester.army",
                lambda: cap(one_line(problem, MAX_MESSAGE_CHARS), MAX_MESSAGE_CHARS),
            )
        )
    for run in verdict.runs_worst_first():
        if run.result in {Result.ERROR, Result.TIMEOUT} or (
            run.fails_policy and run.result is not Result.FAILED
        ):
            errors.append(_run_annotation(run))
        elif run.result is Result.FAILED and not run.blocking_issues:
            (errors if run.fails_policy else warnings).append(_run_annotation(run))
        for issue in run.blocking_issues:
            target = errors if run.fails_policy else warnings
            target.append(_issue_annotation(run, issue, blocking=True))
        for issue in run.other_issues:
            warnings.append(_issue_annotation(run, issue, blocking=False))
    return errors, warnings


def _limited(items: list[Pending], noun: str) -> list[tuple[str, str]]:
    """At most ``MAX_ANNOTATIONS_PER_TYPE``, the last one naming the others (twenty of them
    by title, the rest counted)."""
    if len(items) <= MAX_ANNOTATIONS_PER_TYPE:
        return [(title(), message()) for title, message in items]
    kept = [(title(), message()) for title, message in items[: MAX_ANNOTATIONS_PER_TYPE - 1]]
    rest = items[MAX_ANNOTATIONS_PER_TYPE - 1 :]
    names = "; ".join(title() for title, _ in rest[:20])
    more = f" (and {len(rest) - 20} more)" if len(rest) > 20 else ""
    summary = (
        f"{len(rest)} more {noun}",
        cap(f"{names}{more}. See the job summary.", MAX_MESSAGE_CHARS),
    )
    return [*kept, summary]


def announce(verdict: Verdict, cmds: WorkflowCommands) -> None:
    """``::error`` per blocking issue (and per run that could not be judged), ``::warning``
    for the rest; at most ten of each, the tenth summing up the others."""
    errors, warnings = collect_annotations(verdict)
    for title, message in _limited(errors, "errors"):
        cmds.error(message, title=title)
    for title, message in _limited(warnings, "warnings"):
        cmds.warning(message, title=title)


# ------------------------------------------------------------------ the CI event


# ------------------------------------------------------------------ the reporter


class GitHubReporter:
    """GitHub Actions: workflow commands on ``stdout``, outputs and summary in files.

    The env files (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) are given by the CI context;
    nothing fails when they are unset."""

    def __init__(
        self, stdout: TextIO, redactor: Redactor, *, output_file: str = "", summary_file: str = ""
    ) -> None:
        self.output_file = output_file
        self.summary_file = summary_file
        self.cmds = WorkflowCommands(stdout, redactor)
        self._poll_token: str | None = None
        self._digest = ProgressDigest()
        self._redactor = redactor
        self._transfers = TransferLog()

    def begin(self, run_ids: Sequence[str]) -> None:
        for secret in self._redactor.given:
            self.cmds.mask(secret)
        if line := waiting_line(run_ids):
            self.cmds.plain(line)

    def _open_poll_log(self) -> None:
        if self._poll_token is None:
            self.cmds.start_group("Poll log")
            self._poll_token = self.cmds.begin_stop_commands()

    def _close_poll_log(self) -> None:
        if self._poll_token is not None:
            self.cmds.end_stop_commands(self._poll_token)
            self.cmds.end_group()
            self._poll_token = None

    def progress(self, event: Progress) -> None:
        for line in self._digest.lines(event):
            self._open_poll_log()
            self.cmds.untrusted(line)

    def results(self, text: str) -> None:
        self.cmds.raw_block(rendered(self._redactor, text))

    def transfer(self, sent: int, total: int, elapsed_s: float) -> None:
        if self._transfers.due(sent, total):
            self.note(transfer_line(sent, total, elapsed_s))

    def note(self, message: str) -> None:
        if self._poll_token is not None:
            self.cmds.untrusted(terminal_text(message))
        else:
            self.cmds.plain(message)

    def warning(self, message: str) -> None:
        line = self._redactor.cut(one_line(self._redactor.message(message)), 1000)
        self.cmds.warning(line, title="testerarmy-wait")

    def _write_files(self, finished: Finished) -> list[str]:
        """Outputs and summary; each failure is a problem to report, never the end."""
        problems: list[str] = []
        output_file = self.output_file
        if output_file:
            try:
                write_outputs(output_file, finished.outputs)
            except Exception as error:  # any failure here must leave the other sinks alive
                problems.append(f"could not write the step outputs: {why(error)}")
        summary_file = self.summary_file
        if summary_file:
            try:
                from testerarmy_wait.report.summary import render_summary  # only at the end

                markdown = render_summary(
                    finished.verdict,
                    report_paths=finished.paths.for_summary(),
                    max_bytes=SUMMARY_MAX_BYTES,
                )
                append_summary(summary_file, rendered(self._redactor, markdown))
            except Exception as error:  # the log and the annotations still follow
                problems.append(f"could not write the job summary: {why(error)}")
        return problems

    def _print_block(self, block: Block) -> None:
        """A titled block as a group (GitHub folds every group); server text never as a
        command."""
        group: AbstractContextManager[None] = (
            nullcontext() if block.title is None else self.cmds.group(block.title)
        )
        with group, self.cmds.stop_commands():
            for line in block.lines:
                self.cmds.untrusted(line)
            if block.more is not None:
                self.cmds.untrusted(block.more)

    def finish(self, finished: Finished) -> None:
        for line in self._digest.closing_lines():
            self._open_poll_log()
            self.cmds.untrusted(line)
        self._close_poll_log()
        verdict = finished.verdict
        problems = list(finished.paths.errors) + self._write_files(finished)
        for block in report_blocks(verdict, color=False):
            self._print_block(block)
        announce(verdict, self.cmds)
        for problem in problems:  # the report-file warnings are among them
            self.cmds.warning(problem, title="testerarmy-wait")
        self.cmds.plain(reports_line(finished.paths))
