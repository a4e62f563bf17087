"""How each platform is told: one ``Reporter`` per CI, chosen from the environment.

The CLI calls, in order: ``begin`` (masks secrets first on GitHub), ``note`` and
``progress`` while waiting, ``finish`` once with the verdict, the report paths and the
step outputs, then ``results`` when ``--json`` asks for them. Env-file paths
(``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) are read from the mapping at call time;
nothing fails when they are unset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TextIO

from testerarmy_wait.ci.github import WorkflowCommands, announce, append_summary, write_outputs
from testerarmy_wait.ci.gitlab import Sections
from testerarmy_wait.ci.terminal import StatusLine, header_lines, render_text, run_lines
from testerarmy_wait.outcome import Progress
from testerarmy_wait.report.escape import terminal_text
from testerarmy_wait.report.files import ReportPaths
from testerarmy_wait.report.formatting import format_duration, plural, short_id
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.report.values import safe_run_id, safe_status
from testerarmy_wait.verdict import Result, Verdict

SUMMARY_MAX_BYTES = 512 * 1024


class Reporter(Protocol):
    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None: ...

    def progress(self, event: Progress) -> None: ...

    def note(self, message: str) -> None: ...

    def results(self, text: str) -> None:
        """Print the machine-readable results (``--json``) on stdout."""
        ...

    def finish(
        self,
        verdict: Verdict,
        paths: ReportPaths,
        outputs: Mapping[str, str],
        *,
        run_url: str | None = None,
        api_url: str | None = None,
    ) -> None: ...


def _run_label(run_id: str) -> str:
    return short_id(safe_run_id(run_id))


def _waiting_line(run_ids: Sequence[str]) -> str | None:
    if not run_ids:  # the runs are yet to be started, or the settings were refused
        return None
    shown = ", ".join(safe_run_id(r) for r in run_ids[:10])
    more = f" and {len(run_ids) - 10} more" if len(run_ids) > 10 else ""
    return f"Waiting for {plural(len(run_ids), 'tester.army run')}: {shown}{more}"


def _progress_line(event: Progress) -> str:
    note = f" ({terminal_text(event.note, limit=300)})" if event.note else ""
    return (
        f"{_run_label(event.run_id)}: {safe_status(event.status)} after "
        f"{format_duration(event.elapsed_s * 1000)}, {plural(event.polls, 'poll')}{note}"
    )


def _reports_line(paths: ReportPaths) -> str:
    return terminal_text(
        f"Reports: {paths.json_relative} (JSON), {paths.junit_relative} (JUnit), "
        f"{paths.dotenv_relative} (dotenv)"
    )


def _report_lines(paths: ReportPaths) -> list[str]:
    """Where the reports are, then one warning per report that could not be written."""
    return [_reports_line(paths)] + [terminal_text(f"Warning: {e}") for e in paths.errors]


def _write_results(stream: TextIO, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


def _run_title(run_id: str, result: Result) -> str:
    return f"Run {_run_label(run_id)}: {result.value}"


class GitHubReporter:
    """GitHub Actions: workflow commands on ``stdout``, outputs and summary in files."""

    def __init__(self, env: Mapping[str, str], stdout: TextIO) -> None:
        self.env = env
        self.cmds = WorkflowCommands(stdout)
        self._poll_token: str | None = None

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        for secret in secrets:
            self.cmds.mask(secret)
        if line := _waiting_line(run_ids):
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
        self._open_poll_log()
        self.cmds.untrusted(_progress_line(event))

    def results(self, text: str) -> None:
        self.cmds.raw_block(text)

    def note(self, message: str) -> None:
        if self._poll_token is not None:
            self.cmds.untrusted(terminal_text(message))
        else:
            self.cmds.plain(message)

    def finish(
        self,
        verdict: Verdict,
        paths: ReportPaths,
        outputs: Mapping[str, str],
        *,
        run_url: str | None = None,
        api_url: str | None = None,
    ) -> None:
        self._close_poll_log()
        problems: list[str] = list(paths.errors)
        output_file = self.env.get("GITHUB_OUTPUT", "")
        if output_file:
            try:
                write_outputs(output_file, outputs)
            except OSError as error:
                problems.append(f"could not write the step outputs: {error.strerror or error}")
        summary_file = self.env.get("GITHUB_STEP_SUMMARY", "")
        if summary_file:
            markdown = render_summary(
                verdict,
                run_url=run_url,
                report_paths=paths.for_summary(),
                max_bytes=SUMMARY_MAX_BYTES,
                api_url=api_url,
            )
            try:
                append_summary(summary_file, markdown)
            except OSError as error:
                problems.append(f"could not write the job summary: {error.strerror or error}")

        with self.cmds.stop_commands():
            for line in header_lines(verdict, color=False, api_url=api_url):
                self.cmds.untrusted(line)
        for run in verdict.runs_worst_first():
            with self.cmds.group(_run_title(run.run_id, run.result)), self.cmds.stop_commands():
                for line in run_lines(run, color=False, api_url=api_url):
                    self.cmds.untrusted(line)
        announce(verdict, self.cmds)
        for problem in problems:  # the report-file warnings are among them
            self.cmds.warning(problem, title="testerarmy-wait")
        self.cmds.plain(_reports_line(paths))


class GitLabReporter:
    """GitLab CI: collapsible sections for the poll log and each run's details."""

    def __init__(self, env: Mapping[str, str], stdout: TextIO) -> None:
        self.env = env
        self.stream = stdout
        self.sections = Sections(stdout)
        self.color = not env.get("NO_COLOR")
        self._poll_open = False

    def _line(self, text: str) -> None:
        self.stream.write(terminal_text(text) + "\n")
        self.stream.flush()

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        # GitLab has no runtime masking: secrets are simply never printed.
        if line := _waiting_line(run_ids):
            self._line(line)

    def progress(self, event: Progress) -> None:
        if not self._poll_open:
            self.sections.start("testerarmy_poll_log", "Poll log")
            self._poll_open = True
        self._line(_progress_line(event))

    def note(self, message: str) -> None:
        self._line(message)

    def results(self, text: str) -> None:
        _write_results(self.stream, text)

    def finish(
        self,
        verdict: Verdict,
        paths: ReportPaths,
        outputs: Mapping[str, str],
        *,
        run_url: str | None = None,
        api_url: str | None = None,
    ) -> None:
        if self._poll_open:
            self.sections.end("testerarmy_poll_log")
            self._poll_open = False
        for line in header_lines(verdict, color=self.color, api_url=api_url):
            self.stream.write(line + "\n")
        for n, run in enumerate(verdict.runs_worst_first()):
            name = f"testerarmy_run_{n}_{_run_label(run.run_id)}"
            passed = run.result is Result.PASS and not run.fails_policy
            with self.sections.section(name, _run_title(run.run_id, run.result), collapsed=passed):
                for line in run_lines(run, color=self.color, api_url=api_url):
                    self.stream.write(line + "\n")
        for line in _report_lines(paths):
            self._line(line)


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

    def results(self, text: str) -> None:
        _write_results(self.results_stream, text)

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        if line := _waiting_line(run_ids):
            self.status.write(line)

    def progress(self, event: Progress) -> None:
        self.status.update(event)

    def note(self, message: str) -> None:
        self.status.write(message)

    def finish(
        self,
        verdict: Verdict,
        paths: ReportPaths,
        outputs: Mapping[str, str],
        *,
        run_url: str | None = None,
        api_url: str | None = None,
    ) -> None:
        self.status.clear()
        self.stream.write(render_text(verdict, color=self.color, api_url=api_url))
        for line in _report_lines(paths):
            self.stream.write(line + "\n")
        self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def select_reporter(env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> Reporter:
    """GitHub when ``GITHUB_ACTIONS=true``, GitLab when ``GITLAB_CI`` is set, else a
    terminal (colour and a live line only on a TTY without ``NO_COLOR``/``TERM=dumb``)."""
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHubReporter(env, stdout)
    if env.get("GITLAB_CI"):
        return GitLabReporter(env, stdout)
    tty = _isatty(stderr)
    color = tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
    return TerminalReporter(stderr, is_tty=tty, color=color, results_stream=stdout)


__all__ = [
    "GitHubReporter",
    "GitLabReporter",
    "Reporter",
    "TerminalReporter",
    "select_reporter",
]
