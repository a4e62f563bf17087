"""Cancelling the CI job: SIGINT/SIGTERM cancel the runs this step started, and the
outputs, summary and reports are still written, with exit 130/143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.sandbox.faults import Fault
from tests.ci.runner import parse_output_file as parse_github_output


def start_cli(sandbox: Any, tmp_path: Path, **inputs: str) -> tuple[subprocess.Popen[str], Path]:
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


def wait_for_polls(sandbox: Any, count: int) -> None:
    for _ in range(400):
        if len([e for e in sandbox.requests if e.method == "GET"]) >= count:
            return
        time.sleep(0.025)
    raise AssertionError("the command never polled")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_cancels_started_runs_and_still_writes_outputs(
    sandbox_factory: Any, tmp_path: Path, signum: int, code: int
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    process, commands = start_cli(sandbox, tmp_path, **{"INPUT_TEST-ID": test.test_id})
    wait_for_polls(sandbox, 2)
    began = time.monotonic()
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == code, stderr
    assert time.monotonic() - began < 5.0  # the runner kills ~10 s after SIGINT
    cancels = [e for e in sandbox.requests if e.route.endswith("/cancel")]
    assert len(cancels) == 1
    assert cancels[0].status == 200
    outputs = parse_github_output((commands / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"
    assert "interrupted" in (commands / "summary").read_text("utf-8")
    assert (tmp_path / outputs["reportPath"]).is_file()


def test_handed_runs_are_left_running_on_interrupt(sandbox_factory: Any, tmp_path: Path) -> None:
    sandbox = sandbox_factory(speed=1.0)
    run_id = sandbox.create_run("slow")
    process, commands = start_cli(sandbox, tmp_path, **{"INPUT_RUN-ID": run_id})
    wait_for_polls(sandbox, 2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert process.returncode == 143
    assert not [e for e in sandbox.requests if e.route.endswith("/cancel")]
    outputs = parse_github_output((commands / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"


def test_cancel_answered_409_still_ends_the_job_with_outputs(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    sandbox.faults.add(
        method="POST",
        path="/v1/runs/*/cancel",
        fault=Fault.status(409, message="Run already finished"),
    )
    process, commands = start_cli(sandbox, tmp_path, **{"INPUT_TEST-ID": test.test_id})
    wait_for_polls(sandbox, 2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert process.returncode == 143
    assert [e.status for e in sandbox.requests if e.route.endswith("/cancel")] == [409]
    outputs = parse_github_output((commands / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"
    assert "already finished" in (commands / "summary").read_text("utf-8")
