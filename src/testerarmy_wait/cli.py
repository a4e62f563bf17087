"""The command line: settings -> wait -> verdict -> reports -> the CI platform.

``main`` returns the exit code. Every wait, failures included, ends in ``_finish``,
which writes the reports, the step outputs and the summary before the code is returned;
only when that itself fails does ``main`` print one line to stderr and exit 4.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from testerarmy_wait.ci.reporters import Reporter, select_reporter
from testerarmy_wait.client import ApiError, TesterArmyClient
from testerarmy_wait.config import (
    Settings,
    default_report_dir,
    load_settings,
    workspace_from_env,
)
from testerarmy_wait.errors import UsageError
from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.redaction import Redactor, redact, secrets_in
from testerarmy_wait.report.files import write_reports
from testerarmy_wait.report.json_report import render_json
from testerarmy_wait.report.outputs import step_outputs
from testerarmy_wait.signals import StopSignals
from testerarmy_wait.starting import Started, StartRefused, StartStopped, start_runs
from testerarmy_wait.verdict import (
    ExitCode,
    Policy,
    Result,
    Verdict,
    decide,
    failed_before_waiting,
    interrupted_exit_code,
    usage_error,
)
from testerarmy_wait.waiting import (
    CANCEL_TIMEOUT_S,
    LAST_LOOK_TIMEOUT_S,
    Waiter,
    WaitOptions,
    cancel_runs,
)

#: At most this share of the timeout is kept back for the last look and for the cancels.
RESERVE_SHARE = 0.1


def _not_started(
    error: Exception, policy: Policy, signals: StopSignals, requests: int, elapsed_s: float
) -> Verdict:
    """The verdict when the runs could not be started."""
    interrupted_by = None
    if isinstance(error, StartStopped) and error.interrupted:
        interrupted_by = signals.first or "SIGINT"
        code, result = interrupted_exit_code(interrupted_by), Result.CANCELLED
    elif isinstance(error, StartStopped):
        code, result = ExitCode.TIMEOUT, Result.TIMEOUT
    else:
        code, result = ExitCode.API_ERROR, Result.ERROR
    return failed_before_waiting(
        str(error),
        code,
        policy,
        requests=requests,
        elapsed_s=elapsed_s,
        result=result,
        interrupted_by=interrupted_by,
    )


def reserves(settings: Settings) -> tuple[float, float]:
    """(last look, cancels): seconds kept back before the job's deadline, so that the last
    look and the cancels fit inside ``timeout`` instead of running past it."""
    share = settings.timeout_s * RESERVE_SHARE
    last_look = min(LAST_LOOK_TIMEOUT_S, settings.request_timeout_s, share)
    may_cancel = settings.start is not None or bool(settings.cancel_on_timeout)
    cancels = min(CANCEL_TIMEOUT_S, share) if may_cancel else 0.0
    return last_look, cancels


async def wait_for_verdict(
    settings: Settings,
    reporter: Reporter,
    signals: StopSignals,
    secrets: Sequence[str] = (),
) -> tuple[Verdict, str | None]:
    """Start the runs if asked to, poll every run until it finishes or the deadline
    passes, cancel what the settings say to cancel, then judge. Returns the verdict
    and the batch id of a started group."""
    began = time.monotonic()
    stop = asyncio.Event()
    signals.attach(stop)
    try:
        return await _wait(
            settings,
            reporter,
            signals,
            secrets,
            stop=stop,
            began=began,
            end=began + settings.timeout_s,
        )
    finally:
        signals.detach()


async def _wait(
    settings: Settings,
    reporter: Reporter,
    signals: StopSignals,
    secrets: Sequence[str],
    *,
    stop: asyncio.Event,
    began: float,
    end: float,
) -> tuple[Verdict, str | None]:
    last_look_s, cancel_s = reserves(settings)
    deadline = end - last_look_s - cancel_s
    async with TesterArmyClient(
        settings.api_url,
        settings.api_key,
        request_timeout_s=settings.request_timeout_s,
        route=settings.route,
        secrets=secrets,
    ) as client:
        if settings.start is None:
            started = Started([(run_id, None) for run_id in settings.run_ids])
        else:
            try:
                started = await start_runs(client, settings.start, deadline=deadline, stop=stop)
            except (ApiError, StartRefused, StartStopped) as error:
                elapsed = time.monotonic() - began
                return _not_started(error, settings.policy, signals, client.requests, elapsed), None
            for run_id, trigger in started.targets:
                if trigger is not None:
                    reporter.note(f"started run {run_id} ({trigger.kind} {trigger.target})")
        waiter = Waiter(
            client,
            WaitOptions(
                deadline=deadline,
                poll_interval_s=settings.poll_interval_s,
                request_timeout_s=settings.request_timeout_s,
                error_budget=settings.error_budget,
                # Retrying never starts slower than polling would.
                retry_base_s=min(1.0, settings.poll_interval_s),
                last_look_timeout_s=max(0.1, last_look_s),
            ),
            on_progress=reporter.progress,
        )
        if stop.is_set():  # a signal came before the wait began: ask the API nothing more
            outcomes = [_interrupted(run_id, trigger) for run_id, trigger in started.targets]
        else:
            outcomes = await waiter.wait_all(started.targets, stop)
        outcomes += started.rejected
        interrupted = signals.first is not None
        to_cancel = [
            o.run_id
            for o in outcomes
            if o.stop in (StopReason.TIMEOUT, StopReason.INTERRUPTED)
            and settings.cancels(o.trigger is not None, interrupted=interrupted)
        ]
        cancel_budget = CANCEL_TIMEOUT_S if interrupted else max(0.5, end - time.monotonic())
        notes = [
            f"run {run_id}: {what} (asked because the "
            f"{'job was interrupted' if interrupted else 'deadline passed'})"
            for run_id, what in (
                await cancel_runs(client, to_cancel, timeout_s=min(CANCEL_TIMEOUT_S, cancel_budget))
            ).items()
        ]
        outcomes = [
            replace(o, cancel_requested=True) if o.run_id in to_cancel else o for o in outcomes
        ]
        verdict = decide(
            outcomes,
            settings.policy,
            elapsed_s=time.monotonic() - began,
            requests=client.requests,
            interrupted_by=signals.first,
            notes=notes,
        )
        return verdict, started.batch_id


def _interrupted(run_id: str, trigger: Trigger | None) -> RunOutcome:
    return RunOutcome(
        run_id,
        StopReason.INTERRUPTED,
        problem="the job was interrupted before the run was looked at",
        trigger=trigger,
    )


def _finish(
    verdict: Verdict,
    reporter: Reporter,
    *,
    report_dir: Path,
    workspace: Path,
    redactor: Redactor,
    junit_path: Path | None = None,
    run_url: str | None = None,
    api_url: str | None = None,
    print_json: bool = False,
    batch_id: str | None = None,
) -> int:
    paths = write_reports(
        verdict,
        report_dir,
        workspace=workspace,
        run_url=run_url,
        junit_path=junit_path,
        redactor=redactor,
    )
    outputs = step_outputs(
        verdict,
        report_path=paths.json_relative,
        junit_path=paths.junit_relative,
        batch_id=batch_id,
    )
    shown_api_url = redactor.message(api_url) if api_url else None
    reporter.finish(verdict, paths, outputs, run_url=run_url, api_url=shown_api_url)
    if print_json:
        reporter.results(render_json(verdict, run_url=run_url, ascii_only=True))
    return int(verdict.exit_code)


def run_wait(
    argv: Sequence[str],
    env: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    signals: StopSignals | None = None,
) -> int:
    reporter = select_reporter(env, stdout, stderr)
    secrets = secrets_in(env, argv)
    redactor = Redactor(secrets)
    with StopSignals() if signals is None else nullcontext(signals) as handlers:
        try:
            settings = load_settings(argv, env)
        except Exception as error:  # a setting we could not read is never a pass
            reporter.begin([], secrets)
            if isinstance(error, UsageError):
                verdict = usage_error(redact(str(error), secrets))
            else:
                verdict = internal_error(error, secrets)
            return _finish(
                verdict,
                reporter,
                report_dir=default_report_dir(env),
                workspace=workspace_from_env(env),
                redactor=redactor,
            )
        reporter.begin(settings.run_ids, secrets)
        for note in settings.notes:
            reporter.note(note)
        batch_id = None
        try:
            verdict, batch_id = asyncio.run(wait_for_verdict(settings, reporter, handlers, secrets))
        except Exception as error:  # the last line of defence: never green
            verdict = internal_error(error, secrets)
        return _finish(
            verdict,
            reporter,
            report_dir=settings.report_dir,
            junit_path=settings.junit_path,
            workspace=settings.workspace,
            redactor=redactor,
            run_url=settings.run_url,
            api_url=settings.api_url,
            print_json=settings.print_json,
            batch_id=batch_id,
        )


def internal_error(error: BaseException, secrets: Sequence[str]) -> Verdict:
    """A bug of ours: reported as an error (exit 4), never as a pass."""
    message = redact(f"internal error: {type(error).__name__}: {error}", secrets)
    return failed_before_waiting(message, ExitCode.API_ERROR, Policy())


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
    if command == "sandbox":
        from testerarmy_wait.sandbox.cli import main as sandbox_main

        return sandbox_main(args[1:])
    if command == "demo":
        from testerarmy_wait.demo import main as demo_main

        return demo_main(args[1:], environ, out, err)
    if command == "wait":
        args = args[1:]
    try:
        return run_wait(args, environ, out, err, signals)
    except Exception as error:  # even writing the reports failed: say so, and never pass
        message = redact(f"{type(error).__name__}: {error}", secrets_in(environ, args))
        err.write(f"testerarmy-wait: internal error: {message}\n")
        return int(ExitCode.API_ERROR)
