"""The image, run the way GitHub runs a container action and the way GitLab runs an image,
against the sandbox over real HTTP (host networking)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.container.engine import ROOT, ActionRun, GitHubStep, RunAction, docker
from tests.until import catches, within

pytestmark = pytest.mark.docker


def documented_outputs() -> set[str]:
    """Output names declared in action.yml (two-space keys under ``outputs:``)."""
    text = (ROOT / "action.yml").read_text("utf-8")
    block = re.search(r"^outputs:\n((?:[ \t].*\n|\n)*)", text, re.MULTILINE)
    assert block is not None, "action.yml declares no outputs"
    return set(re.findall(r"^  ([A-Za-z][\w-]*):", block.group(1), re.MULTILINE))


def inputs_for(sandbox: Any, run_id: str, **extra: str) -> dict[str, str]:
    return {
        "RUN-ID": run_id,
        "API-KEY": sandbox.api_key,
        "API-URL": sandbox.url,
        "POLL-INTERVAL": "0.2",
        "TIMEOUT": "120",
        **extra,
    }


def read_report(step: ActionRun, output: str) -> Path:
    relative = step.outputs[output]
    assert not Path(relative).is_absolute(), f"{output} must be relative to the workspace"
    path = step.workspace / relative
    assert path.is_file(), f"{output}={relative} does not exist under the workspace"
    return path


def test_help_runs_from_sh_with_the_entrypoint_overridden(image: str) -> None:
    completed = docker(
        "run", "--rm", "--entrypoint", "", image, "sh", "-c", "testerarmy-wait --help"
    )
    assert completed.returncode == 0, completed.stderr
    assert "--run-id" in completed.stdout


@pytest.mark.parametrize(
    ("scenario", "result", "code"),
    [("passes", "PASS", 0), ("issues-found", "FAILED", 1), ("checkout-flow", "FAILED", 1)],
)
def test_action_step_exits_with_the_verdict_and_leaves_outputs_summary_and_reports(
    sandbox: Any, run_action: RunAction, scenario: str, result: str, code: int
) -> None:
    run_id = sandbox.create_run(scenario)
    step = run_action(inputs_for(sandbox, run_id))

    assert step.code == code, step.stdout + step.stderr
    assert step.output_file.read_text("utf-8").endswith("\n")
    outputs = step.outputs
    assert outputs["result"] == result
    assert outputs["runId"] == run_id
    assert re.fullmatch(r"\d+", outputs["durationMs"])
    first_line = step.summary.splitlines()[0]
    assert first_line.startswith("## ")
    assert result in first_line
    report = json.loads(read_report(step, "reportPath").read_text("utf-8"))
    assert report["result"] == result
    read_report(step, "junitPath")


@pytest.mark.parametrize(("scenario", "code"), [("hostile", 1), ("hostile-failed", 4)])
def test_server_text_cannot_add_or_change_step_outputs(
    sandbox: Any, run_action: RunAction, scenario: str, code: int
) -> None:
    run_id = sandbox.create_run(scenario)
    step = run_action(inputs_for(sandbox, run_id))

    assert step.code == code, step.stdout + step.stderr
    outputs = step.outputs
    assert set(outputs) <= documented_outputs()
    assert outputs["result"] != "PASS"
    assert outputs["runId"] == run_id


def test_api_key_appears_in_no_log_output_summary_or_report(
    sandbox: Any, run_action: RunAction
) -> None:
    run_id = sandbox.create_run("issues-found")
    step = run_action(inputs_for(sandbox, run_id))

    assert step.code == 1, step.stdout + step.stderr
    key = sandbox.api_key
    places = {
        "stdout": step.stdout.replace(f"::add-mask::{key}", ""),
        "stderr": step.stderr,
        "outputs": step.output_file.read_text("utf-8"),
        "summary": step.summary,
    }
    places |= {
        str(path.relative_to(step.workspace)): path.read_text("utf-8")
        for path in step.workspace.rglob("*")
        if path.is_file()
    }
    assert [where for where, text in places.items() if key in text] == []


def test_missing_api_key_exits_2_and_still_writes_the_result_output(
    sandbox: Any, run_action: RunAction
) -> None:
    run_id = sandbox.create_run("passes")
    inputs = inputs_for(sandbox, run_id)
    del inputs["API-KEY"]
    step = run_action(inputs)

    assert step.code == 2, step.stdout + step.stderr
    assert step.outputs["result"]
    assert step.summary.startswith("## ")


def wait_for_poll(sandbox: Any, run_id: str, attempts: int = 600) -> None:
    """Return once the container has asked for the run: its signal handlers are set by then."""
    for _ in range(attempts):
        if any(e.method == "GET" and e.path.endswith(run_id) for e in sandbox.requests):
            return
        time.sleep(0.05)
    pytest.fail(f"the container never asked for run {run_id}")


def test_sigterm_to_the_container_exits_143_with_outputs_written(
    manual_sandbox: Any, github_step: GitHubStep
) -> None:
    run_id = manual_sandbox.create_run("passes")  # stays queued: the clock never moves
    started = docker(
        *github_step.docker_args(inputs_for(manual_sandbox, run_id), {}),
        "--detach",
        github_step.image,
    )
    assert started.returncode == 0, started.stderr
    wait_for_poll(manual_sandbox, run_id)

    docker("stop", "--time", "30", github_step.name, timeout=60)
    waited = subprocess.run(
        ["docker", "wait", github_step.name], capture_output=True, text=True, check=True
    )

    assert int(waited.stdout.strip()) == 143
    step = github_step.result(143, docker("logs", github_step.name).stdout, "")
    assert step.outputs["result"]
    assert step.summary.startswith("## ")


def test_sigterm_to_pid_1_in_its_first_moments_is_not_lost(
    manual_sandbox: Any, github_step: GitHubStep
) -> None:
    """As PID 1 a SIGTERM without a handler is ignored: the handler is installed before the
    heavy imports, so a signal right after it ends the step at once, CANCELLED with outputs."""
    run_id = manual_sandbox.create_run("passes")  # stays queued: only the signal can end it
    started = docker(
        *github_step.docker_args(inputs_for(manual_sandbox, run_id), {}),
        "--detach",
        github_step.image,
    )
    assert started.returncode == 0, started.stderr
    pid = int(docker("inspect", "--format", "{{.State.Pid}}", github_step.name).stdout)
    within(  # the moment PID 1 catches SIGTERM (seen from the host's /proc)
        60,
        lambda: catches(pid, signal.SIGTERM) or not Path(f"/proc/{pid}").exists(),
        "PID 1 catching SIGTERM",
    )
    docker("kill", "--signal", "TERM", github_step.name)
    waited = subprocess.run(
        ["docker", "wait", github_step.name], capture_output=True, text=True, timeout=60, check=True
    )

    assert int(waited.stdout.strip()) == 143
    step = github_step.result(143, docker("logs", github_step.name).stdout, "")
    assert step.outputs["result"] == "CANCELLED"
    assert step.outputs["exitCode"] == "143"


def test_docker_stop_cancels_the_run_the_step_started_and_writes_outputs(
    manual_sandbox: Any, github_step: GitHubStep
) -> None:
    test = manual_sandbox.configure_test(scenario="passes")  # queued until the clock moves
    inputs = inputs_for(manual_sandbox, "")
    del inputs["RUN-ID"]
    inputs["TEST-ID"] = test.test_id
    started = docker(*github_step.docker_args(inputs, {}), "--detach", github_step.image)
    assert started.returncode == 0, started.stderr
    for _ in range(600):
        if any(e.method == "GET" for e in manual_sandbox.requests):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the container never polled the run it started")

    docker("stop", "--time", "30", github_step.name, timeout=60)
    waited = subprocess.run(
        ["docker", "wait", github_step.name], capture_output=True, text=True, check=True
    )

    assert int(waited.stdout.strip()) == 143
    step = github_step.result(143, docker("logs", github_step.name).stdout, "")
    assert step.outputs["result"] == "CANCELLED"
    run_id = step.outputs["runId"]
    [post] = [e for e in manual_sandbox.requests if e.method == "POST" and "/tests/" in e.route]
    assert post.json()["runId"] == run_id
    cancels = [e for e in manual_sandbox.requests if e.route == f"/v1/runs/{run_id}/cancel"]
    assert [e.status for e in cancels] == [200]
    assert manual_sandbox.status(run_id) == "cancelled"
    assert "SIGTERM" in step.summary


def test_docker_run_with_flags_and_env_outside_ci_exits_0(sandbox: Any, image: str) -> None:
    run_id = sandbox.create_run("passes")
    completed = docker(
        "run",
        "--rm",
        "--network",
        "host",
        "-e",
        f"TESTERARMY_API_KEY={sandbox.api_key}",
        image,
        "--run-id",
        run_id,
        "--api-url",
        sandbox.url,
        "--poll-interval",
        "0.2",
        "--json",
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "::add-mask::" not in completed.stdout
    start = completed.stdout.index("{")
    results, _ = json.JSONDecoder().raw_decode(completed.stdout[start:])
    assert results["result"] == "PASS"


def test_the_sandbox_runs_inside_the_image_and_stops_cleanly(image: str) -> None:
    name = f"testerarmy-sandbox-{uuid.uuid4().hex[:12]}"
    started = docker(
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        image,
        "sandbox",
        "--port",
        "0",
        "--scenario",
        "passes",
    )
    assert started.returncode == 0, started.stderr
    try:
        lines: dict[str, str] = {}
        for _ in range(200):
            log = docker("logs", name).stdout
            lines = {line.split(" ", 1)[0]: line for line in log.splitlines() if line}
            if {"Sandbox", "API", "Run"} <= set(lines):
                break
            time.sleep(0.05)
        url = lines["Sandbox"].removeprefix("Sandbox API: ")
        key = lines["API"].removeprefix("API key: ")
        run_id = lines["Run"].split()[1]
        answer = httpx.get(f"{url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200
        assert answer.json()["id"] == run_id
        docker("stop", "--time", "10", name, timeout=30)
        waited = docker("wait", name)
        assert waited.stdout.strip() == "0"
    finally:
        docker("rm", "--force", name)
