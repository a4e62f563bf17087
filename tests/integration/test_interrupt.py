"""Cancelling the CI job: SIGINT/SIGTERM cancel the runs this step started, and the
outputs, summary and reports are still written, with exit 130/143.

Nothing here times the machine: each test waits for a state of the sandbox or the process
(with a generous deadline that fails it) and then judges what the command did, the requests
it made and what it left. The one time bound that is the behaviour itself, the 5 s the
command gives its cancels, is judged by what it did with a cancel the sandbox never answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait_sandbox import Fault
from tests.ci.runner import parse_output_file as parse_github_output
from tests.until import catches, within

#: Real seconds a busy machine is given to reach a state or to end; the command's own
#: bounds (an at-once stop, a 5 s cancel budget) are far below, its failures far above.
PATIENCE_S = 60.0
#: A poll interval, and a hold on the cancel request, that no passing run ever waits out.
FOREVER_S = 600.0


@dataclass
class Step:
    """The command running as a GitHub step, and where it writes."""

    process: subprocess.Popen[str]
    workspace: Path
    commands: Path

    @property
    def outputs(self) -> dict[str, str]:
        return parse_github_output((self.commands / "out").read_text("utf-8"))

    @property
    def summary(self) -> str:
        return (self.commands / "summary").read_text("utf-8")

    @property
    def report(self) -> dict[str, Any]:
        path = self.workspace / self.outputs["reportPath"]
        return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def start_cli(sandbox: Any, tmp_path: Path, **inputs: str) -> tuple[subprocess.Popen[str], Path]:
    """The command as a GitHub step against ``sandbox``: its process and its file-commands
    directory (``out``, ``summary``). Polls every 0.05 s unless ``INPUT_POLL-INTERVAL``."""
    commands = tmp_path / "file_commands"
    commands.mkdir()
    (commands / "out").touch()
    (commands / "summary").touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(commands / "out"),
        "GITHUB_STEP_SUMMARY": str(commands / "summary"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.05",
        **inputs,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "testerarmy_wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, commands


StartStep = Callable[..., Step]


@pytest.fixture
def start_step(tmp_path: Path) -> Iterator[StartStep]:
    """``start_step(sandbox, **inputs)``: the command in a process of its own; any still
    running at teardown (a test that failed) is killed."""
    started: list[subprocess.Popen[str]] = []

    def start(sandbox: Any, **inputs: str) -> Step:
        process, commands = start_cli(sandbox, tmp_path, **inputs)
        started.append(process)
        return Step(process, tmp_path, commands)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def until_waiting(step: Step, sandbox: Any, polls: int) -> None:
    """Wait until the command is in its wait: ``polls`` polls answered, handlers in place."""
    process = step.process
    within(
        PATIENCE_S,
        lambda: (
            process.poll() is not None
            or (
                len([e for e in sandbox.requests_for(method="GET") if e.answered]) >= polls
                and catches(process.pid, signal.SIGTERM)
                and catches(process.pid, signal.SIGINT)
            )
        ),
        f"{polls} answered polls",
    )
    if process.poll() is not None:
        _stdout, stderr = process.communicate()
        pytest.fail(f"the command ended ({process.returncode}) before it waited:\n{stderr}")


def interrupt(step: Step, signum: int) -> str:
    """Send ``signum`` and wait for the command to end; its stderr."""
    step.process.send_signal(signum)
    try:
        _stdout, stderr = step.process.communicate(timeout=PATIENCE_S)
    except subprocess.TimeoutExpired:
        name = signal.Signals(signum).name
        pytest.fail(f"the command was still running {PATIENCE_S:g} s after {name}")
    return stderr


def started_run(sandbox: Any, test_id: str) -> str:
    """The id of the run the command started for ``test_id`` (its one start request)."""
    (start,) = sandbox.requests_for(method="POST", path=f"/v1/tests/{test_id}/runs")
    assert start.status == 202
    return str(start.json()["runId"])


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_cancels_started_runs_and_still_writes_outputs(
    sandbox_factory: Any, start_step: StartStep, signum: int, code: int
) -> None:
    sandbox = sandbox_factory(speed=1.0)  # the slow run stays unfinished for 25 minutes
    test = sandbox.configure_test(scenario="slow")
    # The signal lands between two polls FOREVER_S apart: only a wait that ends on the
    # signal itself, not at its next poll or the run's end, finishes within PATIENCE_S.
    step = start_step(
        sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_POLL-INTERVAL": f"{FOREVER_S:g}"}
    )
    until_waiting(step, sandbox, polls=1)
    stderr = interrupt(step, signum)
    assert step.process.returncode == code, stderr
    run_id = started_run(sandbox, test.test_id)
    requests = [(e.method, e.route) for e in sandbox.requests]
    assert requests[0] == ("POST", f"/v1/tests/{test.test_id}/runs")
    assert set(requests[1:-1]) == {("GET", f"/v1/runs/{run_id}")}
    assert requests[-1] == ("POST", f"/v1/runs/{run_id}/cancel")  # and nothing after it
    (cancel,) = sandbox.requests_for(method="POST", path=f"/v1/runs/{run_id}/cancel")
    assert cancel.status == 200
    assert sandbox.status(run_id) == "cancelled"  # the cancel reached the sandbox
    outputs = step.outputs
    assert outputs["result"] == "CANCELLED"
    assert outputs["exitCode"] == str(code)
    assert "interrupted" in step.summary
    assert step.report["interruptedBy"] == signal.Signals(signum).name
    assert step.report["notes"] == [
        f"run {run_id}: cancelled (asked because the job was interrupted)"
    ]


def test_an_unanswered_cancel_is_given_up_after_5_s_and_the_job_still_ends(
    sandbox_factory: Any, start_step: StartStep
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    sandbox.faults.add(method="POST", path="/v1/runs/*/cancel", fault=Fault.slow(FOREVER_S))
    step = start_step(
        sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_POLL-INTERVAL": f"{FOREVER_S:g}"}
    )
    until_waiting(step, sandbox, polls=1)
    stderr = interrupt(step, signal.SIGTERM)  # the sandbox holds the cancel for FOREVER_S
    assert step.process.returncode == 143, stderr
    run_id = started_run(sandbox, test.test_id)
    (cancel,) = sandbox.requests_for(method="POST", path=f"/v1/runs/{run_id}/cancel")
    assert not cancel.answered  # the command ended without the answer: it gave up
    assert sandbox.status(run_id) != "cancelled"
    assert step.outputs["result"] == "CANCELLED"
    assert step.outputs["exitCode"] == "143"
    assert step.report["notes"] == [
        f"run {run_id}: cancel not confirmed within 5 s (asked because the job was interrupted)"
    ]
    assert "cancel not confirmed within 5 s" in step.summary


def test_handed_runs_are_left_running_on_interrupt(
    sandbox_factory: Any, start_step: StartStep
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    run_id = sandbox.create_run("slow")
    step = start_step(sandbox, **{"INPUT_RUN-ID": run_id})
    until_waiting(step, sandbox, polls=2)
    stderr = interrupt(step, signal.SIGTERM)
    assert step.process.returncode == 143, stderr
    assert not sandbox.requests_for(method="POST")  # no cancel, nor anything else sent
    assert sandbox.status(run_id) in ("queued", "running")
    assert step.outputs["result"] == "CANCELLED"
    assert step.outputs["exitCode"] == "143"


def test_cancel_answered_409_still_ends_the_job_with_outputs(
    sandbox_factory: Any, start_step: StartStep
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    sandbox.faults.add(
        method="POST",
        path="/v1/runs/*/cancel",
        fault=Fault.status(409, message="Run already finished"),
    )
    step = start_step(sandbox, **{"INPUT_TEST-ID": test.test_id})
    until_waiting(step, sandbox, polls=2)
    stderr = interrupt(step, signal.SIGTERM)
    assert step.process.returncode == 143, stderr
    run_id = started_run(sandbox, test.test_id)
    cancels = [e for e in sandbox.requests if e.route.endswith("/cancel")]
    assert [(e.route, e.status) for e in cancels] == [(f"/v1/runs/{run_id}/cancel", 409)]
    assert step.outputs["result"] == "CANCELLED"
    assert step.outputs["exitCode"] == "143"
    assert step.report["notes"] == [  # a 409 is the run already over, not a failed cancel
        f"run {run_id}: already finished (asked because the job was interrupted)"
    ]
    assert "already finished" in step.summary


def test_a_cancelled_job_still_deletes_the_app_it_uploaded(
    sandbox_factory: Any, start_step: StartStep, tmp_path: Path
) -> None:
    """Cancelled while it waits for a run of the build it uploaded: the run is cancelled and
    the upload deleted, within the 5 s budget, and the outputs still say which app it was."""
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    build = tmp_path / "shop.apk"
    build.write_bytes(b"PK" * 50_000)
    project = "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d"
    step = start_step(
        sandbox,
        **{
            "INPUT_TEST-ID": test.test_id,
            "INPUT_PROJECT-ID": project,
            "INPUT_APP-PATH": str(build),
            "INPUT_POLL-INTERVAL": f"{FOREVER_S:g}",
        },
    )
    until_waiting(step, sandbox, polls=1)
    stderr = interrupt(step, signal.SIGTERM)
    assert step.process.returncode == 143, stderr
    run_id = started_run(sandbox, test.test_id)
    app_id = step.outputs["appId"]
    requests = [(e.method, e.route) for e in sandbox.requests]
    assert requests[-2:] == [
        ("POST", f"/v1/runs/{run_id}/cancel"),
        ("DELETE", f"/v1/projects/{project}/mobile/{app_id}"),
    ]
    assert step.outputs["result"] == "CANCELLED"
    assert f"deleted app {app_id}" in step.report["notes"]


def test_a_job_cancelled_during_the_upload_starts_nothing_and_still_writes_outputs(
    sandbox_factory: Any, start_step: StartStep, tmp_path: Path
) -> None:
    """Storage holds the PUT; the signal ends the upload at once: no run is started, no app
    was made, and the outputs say CANCELLED."""
    sandbox = sandbox_factory(speed=1.0)
    sandbox.faults.add(fault=Fault.slow(FOREVER_S), method="PUT", path="/storage/*")
    test = sandbox.configure_test(scenario="passes")
    build = tmp_path / "shop.apk"
    build.write_bytes(b"PK" * 50_000)
    step = start_step(
        sandbox,
        **{
            "INPUT_TEST-ID": test.test_id,
            "INPUT_PROJECT-ID": "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d",
            "INPUT_APP-PATH": str(build),
        },
    )
    process = step.process
    within(
        PATIENCE_S,
        lambda: (
            process.poll() is not None
            or (bool(sandbox.requests_for(method="PUT")) and catches(process.pid, signal.SIGTERM))
        ),
        "the upload under way",
    )
    stderr = interrupt(step, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert step.outputs["result"] == "CANCELLED"
    assert step.outputs["appId"] == ""
    routes = [e.route for e in sandbox.requests]
    assert not [r for r in routes if "/runs" in r or r.endswith("/confirm")]
    assert "interrupted while the app was uploaded" in step.summary
