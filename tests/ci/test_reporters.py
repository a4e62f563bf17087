from __future__ import annotations

import io
from pathlib import Path

import pytest

from testerarmy_wait.ci.github import GitHubReporter
from testerarmy_wait.ci.gitlab import GitLabReporter
from testerarmy_wait.ci.platform import platform_for
from testerarmy_wait.ci.reporters import Finished, Reporter
from testerarmy_wait.ci.terminal import TerminalReporter
from testerarmy_wait.ci_context import read_ci_context
from testerarmy_wait.outcome import Progress
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.files import ReportPaths, write_reports
from testerarmy_wait.report.outputs import step_outputs
from testerarmy_wait.verdict import Verdict, usage_error
from tests.ci.runner import commands_processed, parse_output_file
from tests.report.factories import (
    CHECKOUT_ID,
    HOSTILE_ID,
    HOSTILE_STRINGS,
    checkout_verdict,
    hostile_verdict,
    with_links,
)
from tests.report.html_check import inspect

SECRET = "sk_test_0123456789abcdef"
OUR_COMMANDS = {"add-mask", "group", "endgroup", "stop-commands", "error", "warning"}


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def finish(reporter: Reporter, verdict: Verdict, tmp_path: Path) -> ReportPaths:
    verdict = with_links(verdict, run_url="https://d.example/runs/{id}")
    paths = write_reports(verdict, tmp_path / "reports", workspace=tmp_path, redactor=Redactor())
    outputs = step_outputs(
        verdict, report_path=paths.json_relative, junit_path=paths.junit_relative
    )
    reporter.finish(Finished(verdict, paths, outputs))
    return paths


def hostile_progress() -> list[Progress]:
    return [
        Progress(run_id=HOSTILE_ID, status=bad, polls=n, elapsed_s=n, note=bad)
        for n, bad in enumerate(HOSTILE_STRINGS, 1)
    ]


def select_reporter(
    env: dict[str, str], stdout: io.StringIO, stderr: io.StringIO, redactor: Redactor
) -> Reporter:
    return platform_for(read_ci_context(env)).reporter(stdout, stderr, redactor)


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}, GitHubReporter),
        ({"GITLAB_CI": "true"}, GitLabReporter),
        ({"GITHUB_ACTIONS": "false"}, TerminalReporter),
        ({}, TerminalReporter),
    ],
)
def test_reporter_is_chosen_from_the_environment(env: dict[str, str], kind: type) -> None:
    assert isinstance(select_reporter(env, io.StringIO(), io.StringIO(), Redactor()), kind)


def test_terminal_reporter_uses_color_and_a_live_line_only_on_a_tty_without_no_color() -> None:
    tty = select_reporter({}, io.StringIO(), TTY(), Redactor())
    assert isinstance(tty, TerminalReporter)
    assert tty.color
    assert tty.status.is_tty
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        muted = select_reporter(env, io.StringIO(), TTY(), Redactor())
        assert isinstance(muted, TerminalReporter)
        assert not muted.color
    piped = select_reporter({}, io.StringIO(), io.StringIO(), Redactor())
    assert isinstance(piped, TerminalReporter)
    assert not piped.color
    assert not piped.status.is_tty


def test_github_masks_secrets_before_anything_else(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = GitHubReporter(out, Redactor([SECRET]))
    reporter.begin([CHECKOUT_ID])
    assert out.getvalue().splitlines()[0] == f"::add-mask::{SECRET}"


def test_github_log_never_lets_server_text_act_as_a_command(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum")}
    reporter = GitHubReporter(
        out,
        Redactor([SECRET]),
        output_file=env["GITHUB_OUTPUT"],
        summary_file=env["GITHUB_STEP_SUMMARY"],
    )
    reporter.begin([HOSTILE_ID, "::error::x"])
    for event in hostile_progress():
        reporter.progress(event)
    reporter.note("::set-output name=x::y")
    finish(reporter, hostile_verdict(), tmp_path)
    log = out.getvalue()
    processed, plain = commands_processed(log)
    assert {c.name for c in processed} <= OUR_COMMANDS
    assert [c.data for c in processed if c.name == "add-mask"] == [SECRET]
    # Outside stop-commands blocks only our own lines are shown.
    assert all(line.startswith(("Waiting for", "| ::set-output", "Reports:")) for line in plain), (
        plain
    )
    # Each annotation is a single line; titles and messages are escaped.
    assert sum(1 for c in processed if c.name in {"error", "warning"}) <= 20
    assert "\x1b" not in log
    assert "\x00" not in log


def test_github_finish_writes_outputs_summary_annotations_and_groups(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {"GITHUB_OUTPUT": str(tmp_path / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path / "sum")}
    reporter = GitHubReporter(
        out,
        Redactor([SECRET]),
        output_file=env["GITHUB_OUTPUT"],
        summary_file=env["GITHUB_STEP_SUMMARY"],
    )
    reporter.begin([CHECKOUT_ID])
    reporter.progress(Progress(run_id=CHECKOUT_ID, status="running", polls=1, elapsed_s=1.0))
    paths = finish(reporter, checkout_verdict(), tmp_path)
    outputs = parse_output_file((tmp_path / "out").read_text(encoding="utf-8"))
    assert outputs["result"] == "FAILED"
    assert outputs["durationMs"] == "134000"
    assert outputs["reportPath"] == paths.json_relative == "reports/testerarmy-wait.json"
    summary = (tmp_path / "sum").read_text(encoding="utf-8")
    assert summary.startswith("## ❌ tester.army — FAILED")
    assert f"https://d.example/runs/{CHECKOUT_ID}" in inspect(summary).links()
    processed, _ = commands_processed(out.getvalue())
    groups = [c.data for c in processed if c.name == "group"]
    assert groups == ["Poll log", "Run 3f2a9c1e: FAILED", "Run a81b07d4: PASS"]
    assert [c.name for c in processed].count("endgroup") == 3
    assert [c.name for c in processed if c.name in {"error", "warning"}] == [
        "error",
        "error",
        "warning",
    ]


def test_github_outside_actions_files_writes_nothing_and_does_not_fail(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = GitHubReporter(out, Redactor())
    reporter.begin([])
    finish(reporter, usage_error("no run id"), tmp_path)
    processed, _ = commands_processed(out.getvalue())
    assert [c.name for c in processed if c.name == "error"] == ["error"]


def test_github_reports_a_file_it_could_not_write_as_a_warning(tmp_path: Path) -> None:
    out = io.StringIO()
    env = {"GITHUB_OUTPUT": str(tmp_path / "missing" / "out"), "GITHUB_STEP_SUMMARY": str(tmp_path)}
    reporter = GitHubReporter(
        out, Redactor(), output_file=env["GITHUB_OUTPUT"], summary_file=env["GITHUB_STEP_SUMMARY"]
    )
    finish(reporter, checkout_verdict(), tmp_path)
    processed, _ = commands_processed(out.getvalue())
    titles = [c.properties for c in processed if c.name == "warning"]
    assert titles.count("title=testerarmy-wait") == 2


def test_gitlab_puts_the_poll_log_and_each_run_in_balanced_sections(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = GitLabReporter(out, Redactor([SECRET]), color=False)
    reporter.begin([HOSTILE_ID])
    for event in hostile_progress():
        reporter.progress(event)
    finish(reporter, hostile_verdict(), tmp_path)
    log = out.getvalue()
    starts = [
        line.split(":")[2].split("[")[0].split("\r")[0]
        for line in log.split("\x1b[0Ksection_start")[1:]
    ]
    ends = [line.split(":")[2].split("\r")[0] for line in log.split("\x1b[0Ksection_end")[1:]]
    assert starts == ends
    assert starts[0] == "testerarmy_poll_log"
    assert len(starts) == 3
    # The only escape sequences are the section markers' own.
    assert log.count("\x1b") == 2 * 2 * len(starts)
    assert SECRET not in log
    assert "[collapsed=true]" in log


def test_terminal_reporter_prints_progress_and_the_report_to_its_stream(tmp_path: Path) -> None:
    err = io.StringIO()
    reporter = TerminalReporter(err, Redactor([SECRET]), is_tty=False, color=False)
    reporter.begin([CHECKOUT_ID])
    reporter.progress(Progress(run_id=CHECKOUT_ID, status="running", polls=1, elapsed_s=1.0))
    reporter.note("Using the default timeout")
    finish(reporter, checkout_verdict(), tmp_path)
    text = err.getvalue()
    assert text.splitlines()[0] == f"Waiting for 1 tester.army run: {CHECKOUT_ID}"
    assert "tester.army — FAILED: 2 blocking issues in 1 of 2 runs" in text
    assert "Reports: reports/testerarmy-wait.json (JSON)" in text
    assert SECRET not in text
