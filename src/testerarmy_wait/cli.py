"""The command line: settings -> wait -> verdict -> reports -> the CI platform.

``main`` returns the exit code. Every path, failures included, ends in ``_finish``,
which writes the reports, the step outputs and the summary before the code is returned.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from testerarmy_wait.ci.reporters import Reporter, select_reporter
from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.config import Settings, UsageError, default_report_dir, load_settings
from testerarmy_wait.config import workspace_from_env as _workspace
from testerarmy_wait.outcome import Trigger
from testerarmy_wait.report.files import write_reports
from testerarmy_wait.report.json_report import render_json
from testerarmy_wait.report.outputs import step_outputs
from testerarmy_wait.signals import StopSignals
from testerarmy_wait.verdict import ExitCode, Verdict, decide, usage_error
from testerarmy_wait.waiting import WaitOptions, Waiter, cancel_runs


async def wait_for_verdict(
    settings: Settings,
    reporter: Reporter,
    signals: StopSignals,
    *,
    targets: Sequence[tuple[str, Trigger | None]] | None = None,
) -> Verdict:
    """Poll every run until it finishes or the deadline passes, then judge."""
    began = time.monotonic()
    stop = asyncio.Event()
    signals.attach(stop)
    chosen = targets if targets is not None else [(r, None) for r in settings.run_ids]
    async with TesterArmyClient(
        settings.api_url, settings.api_key, request_timeout_s=settings.request_timeout_s
    ) as client:
        waiter = Waiter(
            client,
            WaitOptions(
                deadline=began + settings.timeout_s,
                poll_interval_s=settings.poll_interval_s,
                request_timeout_s=settings.request_timeout_s,
                error_budget=settings.error_budget,
                # Retrying never starts slower than polling would.
                retry_base_s=min(1.0, settings.poll_interval_s),
            ),
            on_progress=reporter.progress,
        )
        outcomes = await waiter.wait_all(chosen, stop)
        notes: list[str] = []
        to_cancel = [
            o.run_id for o in outcomes if o.trigger is not None and o.run is not None
            and not o.run.is_terminal
        ]
        if signals.first is not None and to_cancel:
            for run_id, what in (await cancel_runs(client, to_cancel)).items():
                notes.append(f"run {run_id}: {what}")
        return decide(
            outcomes,
            settings.policy,
            elapsed_s=time.monotonic() - began,
            requests=client.requests,
            interrupted_by=signals.first,
            notes=notes,
        )


def _finish(
    verdict: Verdict,
    reporter: Reporter,
    *,
    report_dir: Path,
    workspace: Path,
    run_url: str | None,
    print_json: bool,
    stdout: TextIO,
) -> int:
    paths = write_reports(verdict, report_dir, workspace=workspace, run_url=run_url)
    outputs = step_outputs(
        verdict, report_path=paths.json_relative, junit_path=paths.junit_relative
    )
    reporter.finish(verdict, paths, outputs)
    if print_json:
        stdout.write(render_json(verdict, run_url=run_url) + "\n")
        stdout.flush()
    return int(verdict.exit_code)


def run_wait(
    argv: Sequence[str],
    env: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    reporter = select_reporter(env, stdout, stderr)
    workspace = _workspace(env)
    with StopSignals() as signals:
        try:
            settings = load_settings(argv, env)
        except UsageError as error:
            # Mask whatever key there is even though nothing will use it.
            key = env.get("INPUT_API-KEY", "") or env.get("TESTERARMY_API_KEY", "")
            reporter.begin([], [key.strip()] if key.strip() else [])
            return _finish(
                usage_error(str(error)),
                reporter,
                report_dir=default_report_dir(env),
                workspace=workspace,
                run_url=None,
                print_json=False,
                stdout=stdout,
            )
        reporter.begin(settings.run_ids, [settings.api_key])
        for note in settings.notes:
            reporter.note(note)
        try:
            verdict = asyncio.run(wait_for_verdict(settings, reporter, signals))
        except Exception as error:  # noqa: BLE001 - the last line of defence: never green
            verdict = decide_internal_error(error)
        return _finish(
            verdict,
            reporter,
            report_dir=settings.report_dir,
            workspace=settings.workspace,
            run_url=settings.run_url,
            print_json=settings.print_json,
            stdout=stdout,
        )


def decide_internal_error(error: BaseException) -> Verdict:
    verdict = usage_error(f"internal error: {type(error).__name__}: {error}")
    return Verdict(
        result=verdict.result,
        exit_code=ExitCode.API_ERROR,
        headline=verdict.headline,
        runs=(),
        policy=verdict.policy,
        problem=verdict.problem,
    )


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    environ = dict(os.environ if env is None else env)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    command = args[0] if args else ""
    if command == "sandbox":
        from testerarmy_wait.sandbox.cli import main as sandbox_main

        return sandbox_main(args[1:])
    if command == "demo":
        from testerarmy_wait.demo import main as demo_main

        return demo_main(args[1:], environ, out, err)
    if command == "wait":
        args = args[1:]
    return run_wait(args, environ, out, err)
