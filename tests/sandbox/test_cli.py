"""`testerarmy-wait sandbox`: main(argv) in-process and `python -m` as a process."""

import io
import json
import re
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from testerarmy_wait_sandbox import Sandbox
from testerarmy_wait_sandbox.cli import main

URL_LINE = re.compile(r"^Sandbox API: (http://127\.0\.0\.1:\d+/api)$")
KEY_LINE = re.compile(r"^API key: (sk_sandbox_[0-9a-f]{32})$")
RUN_LINE = re.compile(r"^Run ([0-9a-f-]{36}) \((.+)\)$")


def run_main_in_thread(
    argv: list[str],
) -> tuple[io.StringIO, threading.Event, threading.Thread, dict[str, int]]:
    out, stop = io.StringIO(), threading.Event()
    result: dict[str, int] = {}

    def target() -> None:
        result["code"] = main(argv, stop=stop, out=out)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return out, stop, thread, result


def wait_for_lines(out: io.StringIO, count: int, thread: threading.Thread) -> list[str]:
    for _ in range(500):
        lines = out.getvalue().splitlines()
        if len(lines) >= count or not thread.is_alive():
            return lines
        thread.join(0.01)
    return out.getvalue().splitlines()


def test_main_prints_url_key_and_runs_then_stops_with_0(http: httpx.Client) -> None:
    out, stop, thread, result = run_main_in_thread(
        ["--port", "0", "--scenario", "passes", "--scenario", "infra-failure", "--speed", "5000"]
    )
    lines = wait_for_lines(out, 4, thread)
    url_match = URL_LINE.match(lines[0])
    key_match = KEY_LINE.match(lines[1])
    assert url_match is not None
    assert key_match is not None
    url = url_match.group(1)
    key = key_match.group(1)
    runs = []
    for line in lines[2:4]:
        run_match = RUN_LINE.match(line)
        assert run_match is not None
        runs.append(run_match.groups())
    assert [name for _, name in runs] == ["passes", "infra-failure"]
    response = http.get(f"{url}/v1/runs/{runs[0][0]}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    stop.set()
    thread.join(5)
    assert result["code"] == 0


def test_api_key_and_seed_options(http: httpx.Client) -> None:
    out, stop, thread, result = run_main_in_thread(
        ["--api-key", "sk_mine", "--seed", "3", "--scenario", "passes"]
    )
    lines = wait_for_lines(out, 3, thread)
    stop.set()
    thread.join(5)
    assert lines[1] == "API key: sk_mine"
    assert RUN_LINE.match(lines[2])
    out2, stop2, thread2, _ = run_main_in_thread(["--seed", "3", "--scenario", "passes"])
    again = wait_for_lines(out2, 3, thread2)
    stop2.set()
    thread2.join(5)
    assert again[2] == lines[2]
    assert result["code"] == 0


def test_scenario_file_registers_scenarios_and_creates_their_runs(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"name": "from-file", "runningSeconds": 1}]))
    out, stop, thread, result = run_main_in_thread(
        ["--scenario-file", str(path), "--default-scenario", "from-file"]
    )
    lines = wait_for_lines(out, 3, thread)
    stop.set()
    thread.join(5)
    run_match = RUN_LINE.match(lines[2])
    assert run_match is not None
    assert run_match.group(2) == "from-file"
    assert result["code"] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--scenario", "nope"],
        ["--default-scenario", "nope"],
        ["--speed", "0"],
        ["--port", "many"],
        ["--unknown-option"],
        ["--scenario-file", "/nonexistent/scenarios.json"],
    ],
)
def test_bad_options_exit_2_without_serving(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_a_port_in_use_exits_2(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", str(sandbox.port)]) == 2
    assert "cannot listen" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_module_entry_point_serves_until_signalled_and_exits_0(
    sig: signal.Signals, http: httpx.Client
) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testerarmy_wait_sandbox",
            "--port",
            "0",
            "--scenario",
            "checkout-flow",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    try:
        url_match = URL_LINE.match(proc.stdout.readline().strip())
        assert url_match is not None
        url = url_match.group(1)
        key_match = KEY_LINE.match(proc.stdout.readline().strip())
        assert key_match is not None
        key = key_match.group(1)
        run_match = RUN_LINE.match(proc.stdout.readline().strip())
        assert run_match is not None
        run_id, name = run_match.groups()
        assert name == "checkout-flow"
        headers = {"Authorization": f"Bearer {key}"}
        run = http.get(f"{url}/v1/runs/{run_id}", headers=headers).json()
        assert run["id"] == run_id
        missing = http.get(f"{url}/v1/runs/{uuid.uuid4()}", headers=headers)
        assert missing.status_code == 404
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.parametrize(
    ("way_in", "usage"),
    [
        (["-m", "testerarmy_wait_sandbox"], "usage: python -m testerarmy_wait_sandbox "),
        (["-m", "testerarmy_wait", "sandbox"], "usage: testerarmy-wait sandbox "),
    ],
)
def test_each_way_in_names_itself_in_its_usage(way_in: list[str], usage: str) -> None:
    helped = subprocess.run(
        [sys.executable, *way_in, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert helped.returncode == 0
    assert helped.stdout.startswith(usage)
