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
from testerarmy_wait.ci.progress import ProgressDigest
from testerarmy_wait.ci.terminal import (
    StatusLine,
    header_lines,
    plan_runs,
    render_text,
    run_lines,
    summary_line,
)
from testerarmy_wait.outcome import Progress
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.escape import terminal_text
from testerarmy_wait.report.files import ReportPaths
from testerarmy_wait.report.formatting import plural, short_id
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.report.values import safe_run_id
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
        self._digest = ProgressDigest()
        self._redactor = Redactor()

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        for secret in secrets:
            self.cmds.mask(secret)
        self._redactor = Redactor(secrets)
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
        for line in self._digest.lines(event):
            self._open_poll_log()
            self.cmds.untrusted(line)

    def results(self, text: str) -> None:
        self.cmds.raw_block(self._redactor.rendered(text))

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
        for line in self._digest.closing_lines():
            self._open_poll_log()
            self.cmds.untrusted(line)
        self._close_poll_log()
        problems: list[str] = list(paths.errors)
        output_file = self.env.get("GITHUB_OUTPUT", "")
        if output_file:
            try:
                write_outputs(output_file, outputs)
            except Exception as error:  # any failure here must leave the other sinks alive
                problems.append(f"could not write the step outputs: {_why(error)}")
        summary_file = self.env.get("GITHUB_STEP_SUMMARY", "")
        if summary_file:
            try:
                markdown = render_summary(
                    verdict,
                    run_url=run_url,
                    report_paths=paths.for_summary(),
                    max_bytes=SUMMARY_MAX_BYTES,
                    api_url=api_url,
                )
                append_summary(summary_file, self._redactor.rendered(markdown))
            except Exception as error:  # the log and the annotations still follow
                problems.append(f"could not write the job summary: {_why(error)}")

        with self.cmds.stop_commands():
            for line in header_lines(verdict, color=False, api_url=api_url):
                self.cmds.untrusted(line)
        plan = plan_runs(verdict)
        for run in plan.detailed:
            with self.cmds.group(_run_title(run.run_id, run.result)), self.cmds.stop_commands():
                for line in run_lines(run, color=False, api_url=api_url):
                    self.cmds.untrusted(line)
        if plan.listed:
            title = f"{plural(len(plan.listed) + plan.left_out, 'more run')}"
            with self.cmds.group(title), self.cmds.stop_commands():
                for run in plan.listed:
                    self.cmds.untrusted(summary_line(run, color=False))
                if (more := plan.left_out_line()) is not None:
                    self.cmds.untrusted(more)
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
        self._digest = ProgressDigest()
        self._redactor = Redactor()

    def _line(self, text: str) -> None:
        self._raw(terminal_text(text))

    def _raw(self, line: str) -> None:
        self.stream.write(self._redactor.rendered(line) + "\n")
        self.stream.flush()

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        # GitLab has no runtime masking: secrets are taken out of every line instead.
        self._redactor = Redactor(secrets)
        if line := _waiting_line(run_ids):
            self._line(line)

    def _open_poll_log(self) -> None:
        if not self._poll_open:
            self.sections.start("testerarmy_poll_log", "Poll log")
            self._poll_open = True

    def progress(self, event: Progress) -> None:
        for line in self._digest.lines(event):
            self._open_poll_log()
            self._line(line)

    def note(self, message: str) -> None:
        self._line(message)

    def results(self, text: str) -> None:
        _write_results(self.stream, self._redactor.rendered(text))

    def finish(
        self,
        verdict: Verdict,
        paths: ReportPaths,
        outputs: Mapping[str, str],
        *,
        run_url: str | None = None,
        api_url: str | None = None,
    ) -> None:
        for line in self._digest.closing_lines():
            self._open_poll_log()
            self._line(line)
        if self._poll_open:
            self.sections.end("testerarmy_poll_log")
            self._poll_open = False
        for line in header_lines(verdict, color=self.color, api_url=api_url):
            self._raw(line)
        plan = plan_runs(verdict)
        for n, run in enumerate(plan.detailed):
            name = f"testerarmy_run_{n}_{_run_label(run.run_id)}"
            passed = run.result is Result.PASS and not run.fails_policy
            with self.sections.section(name, _run_title(run.run_id, run.result), collapsed=passed):
                for line in run_lines(run, color=self.color, api_url=api_url):
                    self._raw(line)
        if plan.listed:
            title = f"{plural(len(plan.listed) + plan.left_out, 'more run')}"
            with self.sections.section("testerarmy_more_runs", title, collapsed=True):
                for run in plan.listed:
                    self._raw(summary_line(run, color=self.color))
                if (more := plan.left_out_line()) is not None:
                    self._line(more)
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
        self._redactor = Redactor()

    def results(self, text: str) -> None:
        _write_results(self.results_stream, self._redactor.rendered(text))

    def begin(self, run_ids: Sequence[str], secrets: Sequence[str]) -> None:
        self._redactor = Redactor(secrets)
        self.status.redactor = self._redactor
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
        self.status.finish()
        text = render_text(verdict, color=self.color, api_url=api_url)
        self.stream.write(self._redactor.rendered(text))
        for line in _report_lines(paths):
            self.stream.write(self._redactor.rendered(line) + "\n")
        self.stream.flush()


def _why(error: Exception) -> str:
    if isinstance(error, OSError):
        return str(error.strerror or error)
    return f"{type(error).__name__}: {terminal_text(str(error), limit=200)}"


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
