"""The command line: wires settings -> job -> reports -> the CI platform, and nothing else.

``main`` returns the exit code. Every invocation, failures included, ends in ``_finish``,
which writes the reports, the step outputs and the summary, then tells the pull (merge)
request, before the code is returned;
only when that itself fails does ``main`` print one line to stderr and exit 4.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from testerarmy_wait.ci.platform import Platform, platform_for
from testerarmy_wait.ci.reporters import Finished, Reporter
from testerarmy_wait.ci_context import LOOKUP_EVENTS, CIContext, read_ci_context
from testerarmy_wait.config import Settings, load_settings, secrets_in
from testerarmy_wait.errors import UsageError
from testerarmy_wait.job import run_job
from testerarmy_wait.policy import ExitCode
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.signals import StopSignals
from testerarmy_wait.verdict import NO_LINKS, Links, Verdict, internal_error, usage_error

if TYPE_CHECKING:
    from testerarmy_wait.rerun import AttemptState


SANDBOX_MISSING = (
    "needs the sandbox, a package of its own: pip install 'testerarmy-wait[sandbox]' "
    "(the container image bundles it)"
)


def sandbox_installed() -> bool:
    """Whether ``testerarmy-wait-sandbox`` (the offline API and the demo) is importable."""
    import importlib.util  # only for these two commands: waiting starts without it

    return importlib.util.find_spec("testerarmy_wait_sandbox") is not None


def _finish(
    verdict: Verdict,
    reporter: Reporter,
    redactor: Redactor,
    *,
    report_dir: Path,
    workspace: Path,
    junit_path: Path | None = None,
    links: Links = NO_LINKS,
    print_json: bool = False,
    tell_review: Callable[[Verdict], tuple[list[str], list[str]]] | None = None,
) -> int:
    # The report writers are loaded only now: nothing of them is needed to start waiting.
    from testerarmy_wait.report.files import write_reports
    from testerarmy_wait.report.json_report import render_json
    from testerarmy_wait.report.outputs import step_outputs

    verdict = replace(verdict, links=links)
    paths = write_reports(
        verdict, report_dir, workspace=workspace, junit_path=junit_path, redactor=redactor
    )
    outputs = step_outputs(
        verdict, report_path=paths.json_relative, junit_path=paths.junit_relative
    )
    reporter.finish(Finished(verdict, paths, outputs))
    if tell_review is not None:  # after everything the verdict needs is written
        done, warnings = tell_review(verdict)
        for line in done:
            reporter.note(line)
        for line in warnings:
            reporter.warning(line)
    if print_json:
        reporter.results(render_json(verdict, ascii_only=True))
    return int(verdict.exit_code)


def _review_teller(
    platform: Platform, settings: Settings, redactor: Redactor
) -> Callable[[Verdict], tuple[list[str], list[str]]]:
    def tell_review(verdict: Verdict) -> tuple[list[str], list[str]]:
        return platform.publish_review(settings, verdict, redactor)

    return tell_review


def _verdict(
    settings: Settings,
    handlers: StopSignals,
    redactor: Redactor,
    reporter: Reporter,
    previous: AttemptState | None = None,
) -> Verdict:
    try:
        return asyncio.run(
            run_job(
                settings,
                handlers,
                redactor=redactor,
                previous=previous,
                on_progress=reporter.progress,
                on_note=reporter.note,
                on_transfer=reporter.transfer,
            )
        )
    except Exception as error:  # the last line of defence: never green
        return internal_error(error, redactor.message)


def _begin(
    reporter: Reporter, run_ids: Sequence[str], notes: Sequence[str], warnings: Sequence[str]
) -> None:
    reporter.begin(run_ids)
    for note in notes:
        reporter.note(note)
    for warning in warnings:
        reporter.warning(warning)


def _with_pull_request(
    argv: Sequence[str], context: CIContext, redactor: Redactor
) -> tuple[CIContext, list[str], list[str]]:
    """The context with the pull request behind the event's commit, when one is wanted."""
    from testerarmy_wait.ci.pull_lookup import with_pull_request  # only on these events
    from testerarmy_wait.config import read_inputs, under_test

    inputs, _print_json = read_inputs(argv, context.settings_env)
    if under_test(inputs, context)[1] is not None:  # a deployment not to test: ask nothing
        return context, [], []
    return with_pull_request(context, inputs, redactor)


def run_wait(
    argv: Sequence[str],
    env: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    signals: StopSignals | None = None,
    *,
    redactor: Redactor | None = None,
    context: CIContext | None = None,
) -> int:
    """The wait, told on the platform ``env`` names; ``redactor`` is built from the secrets
    in ``env`` and ``argv`` when not given, ``context`` read from ``env`` when not given."""
    if context is None:
        context = read_ci_context(env)
    if redactor is None:
        redactor = Redactor(secrets_in(context.settings_env, argv))
    platform = platform_for(context)
    reporter = platform.reporter(stdout, stderr, redactor)
    looked: list[str] = []  # what the pull-request lookup said
    warned: list[str] = []
    with StopSignals() if signals is None else nullcontext(signals) as handlers:
        try:
            if context.github is not None and context.github.event_name in LOOKUP_EVENTS:
                context, looked, warned = _with_pull_request(argv, context, redactor)
                platform = platform_for(context)  # the review goes to the pull request found
            settings = load_settings(argv, context)
        except Exception as error:  # a setting we could not read is never a pass
            _begin(reporter, [], looked, warned)
            if isinstance(error, UsageError):
                verdict = usage_error(redactor.message(str(error)))
            else:
                verdict = internal_error(error, redactor.message)
            return _finish(
                verdict,
                reporter,
                redactor,
                report_dir=context.report_dir,
                workspace=context.workspace,
            )
        previous, looked_back = platform.previous_attempt(settings, redactor)
        _begin(reporter, settings.run_ids, [*looked, *settings.notes, *looked_back], warned)
        verdict = _verdict(settings, handlers, redactor, reporter, previous)
        return _finish(
            verdict,
            reporter,
            redactor,
            report_dir=settings.report_dir,
            junit_path=settings.junit_path,
            workspace=settings.workspace,
            links=platform.links(settings, redactor),
            print_json=settings.print_json,
            tell_review=_review_teller(platform, settings, redactor),
        )


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    *,
    signals: StopSignals | None = None,
) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if env is None else env)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    command = args[0] if args else ""
    # The sandbox and the demo are a package of their own, loaded only when asked for.
    if command in ("sandbox", "demo") and not sandbox_installed():
        err.write(f"testerarmy-wait: {command}: {SANDBOX_MISSING}\n")
        return int(ExitCode.USAGE)
    if command == "sandbox":
        from testerarmy_wait_sandbox.cli import main as sandbox_main

        return sandbox_main(args[1:])
    if command == "baseline":
        from testerarmy_wait.baseline_command import main as baseline_main

        return baseline_main(args[1:], environ, out, err)
    if command == "demo":
        from testerarmy_wait_sandbox.demo import main as demo_main

        return demo_main(args[1:], environ, out, err, wait=run_wait)
    if command == "wait":
        args = args[1:]
    context = read_ci_context(environ)  # the environment, read once
    redactor = Redactor(secrets_in(context.settings_env, args))  # every sink writes through it
    try:
        return run_wait(args, environ, out, err, signals, redactor=redactor, context=context)
    except Exception as error:  # even writing the reports failed: say so, and never pass
        message = redactor.message(f"{type(error).__name__}: {error}")
        err.write(f"testerarmy-wait: internal error: {message}\n")
        return int(ExitCode.API_ERROR)
