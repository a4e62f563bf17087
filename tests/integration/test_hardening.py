"""Hostile answers, leaked keys, unbounded bodies, many runs, early signals and risky settings:
each case reproduced over real HTTP against the sandbox (or a process of the command), with
the outputs, the summary and the reports checked on every path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait_sandbox.faults import Fault
from tests.ci.runner import parse_output_file
from tests.integration.cli_run import JobResult, run_job
from tests.integration.test_wait_scenarios import env_for
from tests.until import catches, until_finished, within


def run_path(run_id: str) -> str:
    return f"/v1/runs/{run_id}"


def finished(sandbox: Any, scenario: str) -> str:
    run_id: str = sandbox.create_run(scenario)
    until_finished(sandbox, run_id)
    return run_id


def every_sink(job: JobResult) -> str:
    """Everything the job wrote: log, stderr, outputs, summary and the three report files."""
    reports = job.workspace / "testerarmy-reports"
    files = [p.read_text("utf-8") for p in sorted(reports.glob("*")) if p.is_file()]
    # the runner hides the ::add-mask:: command itself, and masks the value everywhere after
    log = "\n".join(line for line in job.log.splitlines() if not line.startswith("::add-mask::"))
    return "\n".join([log, job.stderr, json.dumps(job.outputs), job.summary, *files])


def assert_all_sinks_written(job: JobResult) -> None:
    assert job.outputs["result"]
    assert job.outputs["exitCode"] == str(job.code)
    assert job.summary.strip()
    reports = job.workspace / "testerarmy-reports"
    for name in ("testerarmy-wait.json", "testerarmy-wait.junit.xml", "testerarmy-wait.env"):
        assert (reports / name).is_file(), name


# ------------------------------------------------------------------ 1. hostile numbers


@pytest.mark.parametrize("value", ["1e999", "Infinity", "-Infinity", "NaN", '"Infinity"', "-5"])
def test_a_duration_that_is_no_number_is_unknown_and_every_output_is_written(
    sandbox: Any, tmp_path: Path, value: str
) -> None:
    run_id = finished(sandbox, "passes")
    sandbox.faults.add(
        path=run_path(run_id), fault=Fault.rewrite((r'"durationMs":\d+', f'"durationMs":{value}'))
    )
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert job.outputs["durationMs"] == ""
    assert job.report["runs"][0]["durationMs"] is None
    assert_all_sinks_written(job)


def test_a_failed_run_with_an_overflowing_duration_still_fails_with_annotations(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "issues-found")
    sandbox.faults.add(
        path=run_path(run_id),
        fault=Fault.rewrite(
            (r'"durationMs":\d+', '"durationMs":1e999'),
            (r'"startedAtMs":\d+', '"startedAtMs":1' + "0" * 400),
        ),
    )
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert "::error " in job.log
    assert_all_sinks_written(job)


def test_a_400_digit_severity_is_unknown_and_blocks(sandbox: Any, tmp_path: Path) -> None:
    run_id = finished(sandbox, "warnings-only")
    sandbox.faults.add(
        path=run_path(run_id),
        fault=Fault.rewrite(
            (r'"severity":\d+', '"severity":' + "9" * 400), (r'"type":"warning"', '"type":"issue"')
        ),
    )
    # below min-severity 5 the issues would not block; an unreadable severity always does
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_MIN-SEVERITY": "5"}))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    issues = job.report["runs"][0]["issues"]
    assert {i["severity"] for i in issues} == {None}
    assert "unknown" in job.summary


# ------------------------------------------------------------------ 2. the key in server text


def test_a_401_quoting_the_key_never_puts_it_in_any_sink(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    key = sandbox.api_key
    sandbox.faults.add(
        path=run_path(run_id),
        fault=Fault.status(401, error="unauthorized", message=f"invalid API key {key}"),
    )
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    text = every_sink(job)
    escaped = key.replace("_", "&#95;")
    assert key not in text
    assert escaped not in text
    assert "invalid API key ***" in job.report["runs"][0]["reason"]


def test_issue_text_holding_the_key_is_redacted_in_every_sink(sandbox: Any, tmp_path: Path) -> None:
    run_id = finished(sandbox, "issues-found")
    key = sandbox.api_key
    sandbox.faults.add(
        path=run_path(run_id),
        fault=Fault.rewrite((r'"description":"', f'"description":"seen on the page: {key}; ')),
    )
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    text = every_sink(job)
    assert key not in text
    assert key.replace("_", "&#95;") not in text
    assert "seen on the page: ***" in job.report["runs"][0]["issues"][0]["description"]


def test_an_api_url_holding_the_key_is_not_shown(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    key = sandbox.api_key
    env = env_for(sandbox, [run_id], **{"INPUT_API-URL": sandbox.url.replace("/api", f"/{key}")})
    job = run_job(tmp_path, env)
    assert job.code == 4
    text = every_sink(job)
    assert key not in text
    assert key.replace("_", "&#95;") not in text


# ------------------------------------------------------------------ 3. unbounded bodies


@pytest.mark.parametrize(
    "fault",
    [Fault.gzip_bomb(), Fault.endless(), Fault.gzip_bomb(64 << 20)],
    ids=["gzip-bomb-1GiB", "endless", "gzip-64MiB"],
)
def test_an_oversize_answer_is_unreadable_and_retried_not_inflated(
    sandbox: Any, tmp_path: Path, fault: Fault
) -> None:
    run_id = finished(sandbox, "passes")
    sandbox.faults.add(path=run_path(run_id), nth=[1, 2], fault=fault)
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (0, "PASS")  # the third answer was readable
    assert "larger than 16 MiB" in job.log
    assert len(sandbox.requests_for(method="GET")) == 3


def measured_child(env: dict[str, str], cwd: Path) -> tuple[int, float, float]:
    """Run the command as a process; its exit code, wall time and peak RSS in MiB."""
    began = time.monotonic()
    with subprocess.Popen(
        [sys.executable, "-m", "testerarmy_wait"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as child:
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, time.monotonic() - began, usage.ru_maxrss / 1024


@pytest.mark.parametrize("fault", [Fault.gzip_bomb(), Fault.endless()], ids=["bomb", "endless"])
def test_a_bomb_or_an_endless_body_for_the_whole_wait_is_an_error_in_bounded_memory(
    sandbox: Any, tmp_path: Path, fault: Fault
) -> None:
    run_id = sandbox.create_run("passes")
    sandbox.faults.add(path=run_path(run_id), fault=fault)
    env = github_env(tmp_path, sandbox, run_id, INPUT_TIMEOUT="8", **{"INPUT_POLL-INTERVAL": "1"})
    code, wall_s, peak_mib = measured_child(env, tmp_path)
    outputs = parse_output_file((tmp_path / "out").read_text("utf-8"))
    assert (code, outputs["result"]) == (4, "ERROR")
    assert peak_mib < 400  # 16 MiB read at most per answer, never the GiB inflated
    assert wall_s < 8 + 20  # the deadline holds, with room for a busy machine


# ------------------------------------------------------------------ 4. many runs


def test_three_hundred_finished_runs_pass_with_a_short_log(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1e6)
    run_ids = [sandbox.create_run("passes") for _ in range(300)]
    job = run_job(tmp_path, env_for(sandbox, run_ids, INPUT_TIMEOUT="120"))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert len(job.report["runs"]) == 300
    assert len(sandbox.requests_for(method="GET")) == 300
    assert len(job.log.splitlines()) < 150  # summarised, not a line per poll per run


def test_duplicate_run_ids_are_waited_for_once(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("passes")
    other = sandbox.create_run("passes")
    ids = [run_id, other.upper(), run_id] * 50
    job = run_job(tmp_path, env_for(sandbox, ids))
    assert job.report["runIds"] == [run_id, other]


# ------------------------------------------------------------------ 5, 6. headers and nesting


OVERFLOWING_DATE = "Fri, 31 Dec 99999999999999999999 23:59:59 GMT"


def test_a_retry_after_date_whose_year_overflows_is_ignored_and_retried(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "passes")
    sandbox.faults.add(
        path=run_path(run_id),
        nth=[1],
        fault=Fault.status(503, headers={"Retry-After": OVERFLOWING_DATE}),
    )
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (0, "PASS")


def test_json_nested_too_deep_is_an_unreadable_answer_and_retried(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "passes")
    sandbox.faults.add(path=run_path(run_id), nth=[1], fault=Fault.body(b"[" * 100_000))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert "nested too deeply" in job.log


# ------------------------------------------------------------------ 7. signals


def github_env(tmp_path: Path, sandbox: Any, run_id: str, **inputs: str) -> dict[str, str]:
    (tmp_path / "out").touch()
    (tmp_path / "summary").touch()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "INPUT_RUN-ID": run_id,
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.1",
        **inputs,
    }


@pytest.fixture
def real_time_sandbox(sandbox_factory: Callable[..., Any]) -> Any:
    """A sandbox at real speed: its slow run stays queued for 30 s whatever the machine."""
    return sandbox_factory(speed=1.0)


@pytest.fixture
def early_process(real_time_sandbox: Any, tmp_path: Path) -> Iterator[Any]:
    sandbox = real_time_sandbox
    started: list[subprocess.Popen[str]] = []

    def start(**inputs: str) -> subprocess.Popen[str]:
        run_id = sandbox.create_run("slow")
        process = subprocess.Popen(
            [sys.executable, "-m", "testerarmy_wait"],
            env=github_env(tmp_path, sandbox, run_id, **inputs),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        within(  # the handlers are installed before anything heavy is imported
            30,
            lambda: catches(process.pid, signal.SIGTERM) or process.poll() is not None,
            "the signal handlers",
        )
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_in_the_first_moments_ends_cancelled_with_outputs(
    early_process: Any, real_time_sandbox: Any, tmp_path: Path, signum: int, code: int
) -> None:
    process = early_process()
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    outputs = parse_output_file((tmp_path / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"
    assert outputs["exitCode"] == str(code)
    assert (tmp_path / "testerarmy-reports" / "testerarmy-wait.json").is_file()
    assert not real_time_sandbox.requests_for(method="POST")  # a handed run is not cancelled


def test_a_second_sigterm_during_the_clean_up_does_not_kill_the_process(
    early_process: Any, real_time_sandbox: Any, tmp_path: Path
) -> None:
    process = early_process()
    within(30, lambda: bool(real_time_sandbox.requests_for(method="GET")), "the first poll")
    process.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    outputs = parse_output_file((tmp_path / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"
    assert "CANCELLED" in (tmp_path / "summary").read_text("utf-8")


# ------------------------------------------------------------------ 8. paths


def test_a_report_dir_that_is_not_utf8_is_a_usage_error_with_outputs(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = sandbox.create_run("passes")
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_REPORT-DIR": "out\udcff"}))
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "report-dir: is not valid UTF-8" in job.summary_text
    assert_all_sinks_written(job)


@pytest.mark.parametrize("where", ["../../escaped", "/tmp/testerarmy-escaped", "link/reports"])
def test_report_paths_outside_the_workspace_are_refused(
    sandbox: Any, tmp_path: Path, where: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "link").symlink_to(outside)
    run_id = sandbox.create_run("passes")
    for setting in ("INPUT_REPORT-DIR", "INPUT_JUNIT-PATH"):
        job = run_job(tmp_path, env_for(sandbox, [run_id], **{setting: where}))
        assert (job.code, job.outputs["result"]) == (2, "ERROR"), setting
        assert "outside the workspace" in job.summary_text
        assert not list(outside.iterdir())
        assert not job.outputs["reportPath"].startswith("/")


def test_a_default_report_dir_that_links_out_of_the_workspace_is_not_written(
    sandbox: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "testerarmy-reports").symlink_to(outside)
    run_id = sandbox.create_run("passes")
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert job.code == 2
    assert not list(outside.iterdir())


# ------------------------------------------------------------------ risks: network settings


@pytest.mark.parametrize(
    "url",
    ["http://evil.localhost:8080/api", "http://localhost.evil.example/api", "http://10.0.0.1/api"],
)
def test_plain_http_only_to_loopback_addresses(tmp_path: Path, url: str) -> None:
    job = run_job(
        tmp_path,
        {
            "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
            "INPUT_API-KEY": "sk_x",
            "INPUT_API-URL": url,
        },
    )
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "must use https" in job.summary_text


def test_loopback_traffic_never_goes_through_a_proxy(
    sandbox: Any, tmp_path: Path, trap_server: Any
) -> None:
    run_id = finished(sandbox, "passes")
    proxy = f"http://127.0.0.1:{trap_server.port}"
    env = env_for(sandbox, [run_id], HTTP_PROXY=proxy, ALL_PROXY=proxy, http_proxy=proxy)
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert trap_server.connections == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALL_PROXY", "socks5://127.0.0.1:1080"),
        ("HTTPS_PROXY", "::::"),
        ("HTTPS_PROXY", "ftp://proxy.example"),
        ("https_proxy", "http://proxy.example:notaport"),
        ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
        ("SSL_CERT_FILE", "GARBAGE"),
        ("SSL_CERT_DIR", "/nonexistent"),
    ],
)
def test_broken_proxy_or_tls_settings_are_a_usage_error_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    env = {
        "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
        "INPUT_API-KEY": "sk_x",
        variable: str(garbage) if value == "GARBAGE" else value,
    }
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert f"{variable}:" in job.summary_text


# ------------------------------------------------------------------ risks: time


def test_the_deadline_holds_with_the_last_look_and_the_cancel_inside_it(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    env = env_for(sandbox, [], **{"INPUT_TEST-ID": test.test_id, "INPUT_TIMEOUT": "4"})
    del env["INPUT_RUN-ID"]
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (3, "TIMEOUT")
    assert job.report["runs"][0]["cancelRequested"] is True
    assert sandbox.requests_for(method="POST", path=None)[-1].route.endswith("/cancel")
    assert job.report["elapsedMs"] < 4000 + 1500  # not the 10 s last look + 5 s cancel of old


@pytest.mark.parametrize("how", ["503", "refused"])
def test_the_api_down_for_the_whole_wait_is_an_error_not_a_timeout(
    sandbox: Any, tmp_path: Path, how: str
) -> None:
    run_id = sandbox.create_run("passes")
    extra = {"INPUT_TIMEOUT": "3"}
    if how == "503":
        sandbox.faults.add(path=run_path(run_id), fault=Fault.status(503))
    else:
        extra["INPUT_API-URL"] = "http://127.0.0.1:9/api"  # discard port: refused
    job = run_job(tmp_path, env_for(sandbox, [run_id], **extra))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "raise timeout" not in job.summary_text


@pytest.mark.parametrize(
    ("url", "interval"), [("http://127.0.0.1:8/api", "0.001"), ("https://tester.army/api", "0.5")]
)
def test_a_poll_interval_below_the_floor_is_refused(
    tmp_path: Path, url: str, interval: str
) -> None:
    env = {
        "INPUT_RUN-ID": "3f2a9c1e-0000-4000-8000-000000000001",
        "INPUT_API-KEY": "sk_x",
        "INPUT_API-URL": url,
        "INPUT_POLL-INTERVAL": interval,
    }
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "poll-interval: must be at least" in job.summary_text


# ------------------------------------------------------------------ risks: contradictions


def answer_with(sandbox: Any, run_id: str, **changes: Any) -> Fault:
    body = sandbox.run(run_id)
    body.update(changes)
    return Fault.body(json.dumps(body).encode())


def test_planner_skipped_with_a_failed_result_and_a_critical_issue_does_not_pass(
    sandbox: Any, tmp_path: Path
) -> None:
    run_id = finished(sandbox, "issues-found")
    output = sandbox.run(run_id)["output"]
    output |= {"kind": "planner_skipped", "reason": "nothing to test", "result": "FAILED"}
    sandbox.faults.add(path=run_path(run_id), fault=answer_with(sandbox, run_id, output=output))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (1, "FAILED")


def test_planner_skipped_that_also_claims_a_pass_is_an_error(sandbox: Any, tmp_path: Path) -> None:
    run_id = finished(sandbox, "passes")
    output = {"kind": "planner_skipped", "reason": "nothing", "result": "PASS"}
    sandbox.faults.add(path=run_path(run_id), fault=answer_with(sandbox, run_id, output=output))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "contradictory" in job.report["runs"][0]["reason"]


def test_a_completed_pass_that_carries_an_error_is_an_error(sandbox: Any, tmp_path: Path) -> None:
    run_id = finished(sandbox, "passes")
    error = {"code": "BROWSER_CRASH", "message": "the browser crashed"}
    sandbox.faults.add(path=run_path(run_id), fault=answer_with(sandbox, run_id, error=error))
    job = run_job(tmp_path, env_for(sandbox, [run_id]))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert "BROWSER_CRASH" in job.report["runs"][0]["reason"]


class TrapServer:
    """Accepts TCP connections and counts them (a proxy that must never be used)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@pytest.fixture
def trap_server() -> Iterator[TrapServer]:
    server = TrapServer()
    yield server
    server.close()


def test_the_entry_point_installs_the_handlers_before_anything_heavy_is_imported() -> None:
    probe = (
        "import sys, signal\n"
        "import testerarmy_wait.signals as s\n"
        "s.install_for_process()\n"
        "import testerarmy_wait.command\n"
        "heavy = [m for m in ('httpx', 'pydantic', 'asyncio', 'testerarmy_wait.cli') "
        "if m in sys.modules]\n"
        "print(heavy, signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[] True"


def test_a_cancel_answered_with_an_overflowing_retry_after_still_ends_143(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(speed=1.0)
    test = sandbox.configure_test(scenario="slow")
    sandbox.faults.add(
        method="POST",
        path="/v1/runs/*/cancel",
        fault=Fault.status(503, headers={"Retry-After": OVERFLOWING_DATE}),
    )
    env = github_env(tmp_path, sandbox, "", **{"INPUT_TEST-ID": test.test_id})
    del env["INPUT_RUN-ID"]
    process = subprocess.Popen(
        [sys.executable, "-m", "testerarmy_wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        within(30, lambda: bool(sandbox.requests_for(method="GET")), "the first poll")
        process.send_signal(signal.SIGTERM)
        _stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, stderr
    outputs = parse_output_file((tmp_path / "out").read_text("utf-8"))
    assert outputs["result"] == "CANCELLED"
    assert "cancel failed" in (tmp_path / "summary").read_text("utf-8")
