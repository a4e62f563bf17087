"""What a hostile committed baseline file costs the command: 2 MB of ``{},`` entries, 15.9 MB
of ``[],`` entries, and 1 MB and 4 MB of well-formed entries one per line. Each case is one
``testerarmy-wait`` process, as a GitHub step, waiting for a run of the sandbox that has already
passed, with the file as its baseline and ``timeout`` 30 s. Reproduce with:

    python bench/baseline_file.py [--timeout 30] [--limit 120] [--cases objects-2mb ...]

Prints, per case: the file's size, the exit code and result, wall time, the command's CPU and
its own peak RSS (started from ``bench/launcher.py``, so the figure is not this script's), and
whether the outputs were written. A command still running after ``--limit`` seconds is
killed and shown as such. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from child import github_step_env

from testerarmy_wait_sandbox import Sandbox

HERE = Path(__file__).resolve().parent


def _objects(size: int) -> str:
    return '{"version": 1, "entries": [' + "{}," * (size // 3) + "{}]}"


def _arrays(size: int) -> str:
    return '{"version": 1, "entries": [' + "[]," * (size // 3) + "[]]}"


def _entries(size: int) -> str:
    line = (
        '  {"title": "Saved filter is lost after a reload number %06d", "page": "/reports/*", '
        '"description": "The list shows every row again once the page is reloaded; '
        'the filter chips are gone and the count resets.", "reason": "TICKET-%06d"},\n'
    )
    count = size // len(line % (0, 0))
    body = "".join(line % (n, n) for n in range(count)).rstrip(",\n")
    return '{\n"version": 1,\n"entries": [\n' + body + "\n]\n}\n"


CASES: dict[str, Callable[[], str]] = {
    "objects-2mb": lambda: _objects(2_000_000),
    "arrays-16mb": lambda: _arrays(15_900_000),
    "entries-1mb": lambda: _entries(1_000_000),
    "entries-4mb": lambda: _entries(4_000_000),
}


def run_case(name: str, sandbox: Sandbox, run_id: str, timeout_s: int, limit_s: float) -> str:
    text = CASES[name]()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / ".testerarmy-baseline.json").write_text(text)
        env = github_step_env(
            work,
            run_id=run_id,
            api_key=sandbox.api_key,
            api_url=sandbox.url,
            timeout=str(timeout_s),
        )
        usage_file = work / "usage.json"
        command = [sys.executable, str(HERE / "launcher.py"), str(usage_file), "--"]
        command += [sys.executable, "-m", "testerarmy_wait"]
        began = time.monotonic()
        launcher = subprocess.Popen(
            command,
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            launcher.wait(limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()
            return f"| {name} | {len(text) / 1e6:.1f} MB | killed after {limit_s:.0f} s |||||"
        usage = json.loads(usage_file.read_text())
        outputs = (work / "output").read_text() if (work / "output").exists() else ""
        result = outputs.splitlines()[1] if outputs else "(no outputs)"
    return (
        f"| {name} | {len(text) / 1e6:.1f} MB | {usage['code']} | {result} "
        f"| {time.monotonic() - began:.1f} s | {usage['cpu_s']:.1f} s "
        f"| {usage['peak_rss_mib']:.0f} MiB | {'yes' if outputs else 'no'} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    args = parser.parse_args()
    print("| case | file | exit | result | wall | CPU | peak RSS | outputs |")
    print("|---|---|---|---|---|---|---|---|")
    with Sandbox(speed=1e6).start() as sandbox:
        [run_id] = sandbox.create_runs(1, "passes")
        for name in args.cases:
            print(run_case(name, sandbox, run_id, args.timeout, args.limit), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
