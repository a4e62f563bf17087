"""Answers and inputs that once could have ended green, a hang, or a leak: each lands on
a failing result with the right exit code, and nothing untrusted reaches the log."""

from __future__ import annotations

import asyncio
import json
import select
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.outcome import StopReason
from testerarmy_wait.waiting import Waiter, WaitOptions
from testerarmy_wait_sandbox.faults import Fault
from tests.ci.runner import commands_processed
from tests.integration.cli_run import run_job
from tests.integration.pauses import record_pauses
from tests.integration.test_interrupt import start_cli
from tests.integration.test_start_runs import base_env
from tests.integration.test_wait_scenarios import env_for
from tests.until import catches, within

OUR_COMMANDS = {"add-mask", "group", "endgroup", "stop-commands", "error", "warning"}


def test_hostile_run_with_json_output_runs_no_foreign_workflow_command(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = sandbox.create_run("hostile")
    job = run_job(tmp_path, env_for(sandbox, [run_id]), ["--json"])
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    processed, _plain = commands_processed(job.log)
    assert {c.name for c in processed} <= OUR_COMMANDS
    stop_tokens = {c.data for c in processed if c.name == "stop-commands"}
    assert "pwned" not in stop_tokens
    assert not [c for c in processed if c.name == "add-mask" and c.data != sandbox.api_key]
    # the JSON printed for --json is intact, between stop-commands lines
    start = job.log.index('{\n  "')
    results, _ = json.JSONDecoder().raw_decode(job.log[start:])
    assert results["result"] == "FAILED"


def test_run_id_from_a_trigger_that_is_not_a_uuid_is_an_error(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="passes")
    forged = Fault.extra_fields(
        {"runId": "abc ##[set-output name=result;]PASS"}, breaks_contract=True
    )
    sandbox.faults.add(method="POST", path=f"/v1/tests/{test.test_id}/runs", fault=forged)
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    processed, _ = commands_processed(job.log)
    assert {c.name for c in processed} <= OUR_COMMANDS


def test_group_run_neither_queued_nor_cancelled_is_still_waited_for(
    sandbox: Any, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=["passes", "issues-found"])
    rule = sandbox.faults.add(
        method="POST",
        path=f"/v1/groups/{group.group_id}/runs",
        fault=Fault.extra_fields({"queuedRunIds": []}),
    )
    job = run_job(tmp_path, base_env(sandbox, **{"INPUT_GROUP-ID": group.group_id}))
    assert rule.fired == 1
    assert len(job.outputs["runId"].split(",")) == 2
    assert (job.code, job.outputs["result"]) == (1, "FAILED")


def test_answer_about_another_run_is_an_error(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    other = sandbox.create_run("passes")
    sandbox.faults.add(path=f"/v1/runs/{run_id}", fault=Fault.extra_fields({"id": other}))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "another run" in job.summary_text


@pytest.mark.parametrize(
    ("inputs", "named"),
    [
        ({"INPUT_FAIL-ON": ","}, "fail-on"),
        ({"INPUT_FAIL-ON": "ERROR,TIMEOUT"}, "fail-on"),
        ({"INPUT_MIN-SEVERITY": "²"}, "min-severity"),
        ({"INPUT_TIMEOUT": "١٠"}, "timeout"),
        ({"INPUT_API-KEY": "sk_ключ"}, "api-key"),
    ],
    ids=[
        "empty-fail-on",
        "fail-on-without-results",
        "unicode-digit",
        "arabic-digits",
        "non-ascii-key",
    ],
)
def test_bad_setting_is_a_usage_error_never_a_crash_or_a_pass(
    sandbox: Any, tmp_path: Path, inputs: dict[str, str], named: str
) -> None:
    run_id = sandbox.create_run("issues-found")
    job = run_job(tmp_path, env_for(sandbox, [run_id], **inputs))
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert named in job.summary_text
    assert not sandbox.requests


@pytest.mark.parametrize(
    ("argv", "inputs"),
    [
        (["--api-key", "sk_live_SECRET123"], {}),
        ([], {"INPUT_RUN-ID": "sk_live_SECRET123"}),
    ],
    ids=["key-on-argv", "key-pasted-as-run-id"],
)
def test_a_key_in_the_wrong_place_is_never_written_anywhere(
    tmp_path: Path, argv: list[str], inputs: dict[str, str]
) -> None:
    env = {
        "INPUT_API-KEY": "sk_live_SECRET123",
        "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
        **inputs,
    }
    job = run_job(tmp_path, env, argv)
    assert job.code == 2
    reports = "".join(
        p.read_text("utf-8") for p in (job.workspace / "testerarmy-reports").iterdir()
    )
    log = job.log.replace("::add-mask::sk_live_SECRET123", "")
    for written in (reports, job.summary, log, job.stderr, json.dumps(job.outputs)):
        assert "SECRET123" not in written


def test_start_refused_until_the_deadline_ends_as_TIMEOUT_without_waiting_longer(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    test = sandbox.configure_test(scenario="passes")
    sandbox.faults.add(
        method="POST",
        path=f"/v1/tests/{test.test_id}/runs",
        fault=Fault.rate_limited(retry_after=4),
    )
    pauses = record_pauses(monkeypatch)
    job = run_job(
        tmp_path, base_env(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_TIMEOUT": "1"})
    )
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")
    assert len(sandbox.requests_for(method="POST")) == 1
    assert pauses.starts == []  # it did not sleep through a Retry-After past the deadline


def test_signal_while_starting_exits_at_once_with_outputs(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="passes")
    sandbox.faults.add(method="POST", path=f"/v1/tests/{test.test_id}/runs", fault=Fault.slow(30))
    process, commands = start_cli(sandbox, tmp_path, **{"INPUT_TEST-ID": test.test_id})
    out = commands / "out"
    within(  # the start request is held by the sandbox, the handlers are in place
        30,
        lambda: (
            process.poll() is not None
            or (bool(sandbox.requests_for(method="POST")) and catches(process.pid, signal.SIGTERM))
        ),
        "the start request",
    )
    process.send_signal(signal.SIGTERM)
    try:
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:  # never leave it running, even when the test fails
            process.kill()
            process.communicate()
    assert process.returncode == 143, stderr
    assert "result<<" in out.read_text("utf-8")
    assert "CANCELLED" in out.read_text("utf-8")


@dataclass
class Trickler:
    """A server's address, and how each connection to it ended: ``hung up`` by the client,
    or ``finished`` when the server sent its last byte first."""

    url: str
    accepted: int = 0
    ended: list[str] = field(default_factory=list)


def trickle(conn: socket.socket, stop: threading.Event) -> str:
    """Send headers promising 100,000 bytes, then a byte every 0.2 s for a minute."""
    try:
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(300):
            if stop.is_set():
                return "stopped"
            readable, _, _ = select.select([conn], [], [], 0.2)
            if readable and not conn.recv(65536):
                return "hung up"
            conn.sendall(b" ")
    except OSError:
        return "hung up"
    return "finished"


@pytest.fixture
def trickling_server() -> Iterator[Trickler]:
    """An HTTP server that sends one byte at a time and never finishes its answer."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    server = Trickler(f"http://127.0.0.1:{listener.getsockname()[1]}/api")

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            server.accepted += 1
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    def answer(conn: socket.socket) -> None:
        with conn:
            server.ended.append(trickle(conn, stop))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_a_server_that_trickles_bytes_cannot_hold_the_wait_past_the_deadline(
    trickling_server: Trickler, tmp_path: Path
) -> None:
    env = {
        "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
        "INPUT_API-KEY": "sk_x",
        "INPUT_API-URL": trickling_server.url,
        "INPUT_TIMEOUT": "1.5",
        "INPUT_REQUEST-TIMEOUT": "0.5",
        "INPUT_POLL-INTERVAL": "0.1",
    }
    job = run_job(tmp_path, env)
    # never one complete answer: the API is unusable, which is an ERROR, not a TIMEOUT
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "no usable answer" in job.report["runs"][0]["reason"]
    within(
        10,
        lambda: len(trickling_server.ended) == trickling_server.accepted,
        "the server seeing every connection end",
    )
    # each answer given up on inside the deadline, none waited for to the server's last byte
    assert trickling_server.accepted >= 1
    assert set(trickling_server.ended) == {"hung up"}


def waiter_for(sandbox: Any, client: TesterArmyClient, **options: Any) -> Waiter:
    loop_clock = time.monotonic
    return Waiter(
        client,
        WaitOptions(deadline=loop_clock() + 30, poll_interval_s=0.02, retry_base_s=0.02, **options),
    )


def test_404_for_a_handed_run_is_an_error_after_one_request(sandbox: Any) -> None:
    missing = "3f2a9c1e-0000-4000-8000-00000000beef"

    async def watch() -> Any:
        async with TesterArmyClient(sandbox.url, sandbox.api_key) as client:
            return await waiter_for(sandbox, client).wait_all([(missing, None)])

    [outcome] = asyncio.run(watch())
    assert outcome.stop is StopReason.API_ERROR
    assert len(sandbox.requests) == 1
