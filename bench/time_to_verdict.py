"""How long the command takes to report runs that have already finished, and to render
the reports for the largest runs. Reproduce with:

    python bench/time_to_verdict.py            # prints a small table; takes ~20 s

Figures are wall-clock medians on the machine it runs on; nothing asserts them.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from testerarmy_wait.cli import main
from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.report.junit import render_junit
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import decide
from testerarmy_wait_sandbox import start_sandbox


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def finished_run(sandbox: object, scenario: str) -> str:
    run_id: str = sandbox.create_run(scenario)  # type: ignore[attr-defined]
    while sandbox.status(run_id) not in {"completed", "failed", "cancelled"}:  # type: ignore[attr-defined]
        time.sleep(0.01)
    return run_id


def main_bench() -> None:
    rows: list[tuple[str, float]] = []
    with start_sandbox(speed=100_000) as sandbox, tempfile.TemporaryDirectory() as tmp:
        env = {
            "TESTERARMY_API_KEY": sandbox.api_key,
            "TESTERARMY_API_URL": sandbox.url,
            "GITHUB_WORKSPACE": tmp,
        }
        run_id = finished_run(sandbox, "checkout-flow")

        def in_process() -> None:
            main(["--run-id", run_id], env, io.StringIO(), io.StringIO())

        rows.append(("finished run, in-process (ms)", median_ms(in_process, 20)))

        def subprocess_run() -> None:
            subprocess.run(
                [sys.executable, "-m", "testerarmy_wait", "--run-id", run_id],
                env={**env, "PATH": "/usr/bin:/bin"},
                capture_output=True,
                check=False,
            )

        rows.append(("finished run, new process (ms)", median_ms(subprocess_run, 5)))

        huge_id = finished_run(sandbox, "huge")

        async def fetch() -> Run:
            async with TesterArmyClient(sandbox.url, sandbox.api_key) as client:
                return await client.get_run(huge_id)

        huge = asyncio.run(fetch())
        verdict = decide([RunOutcome(huge_id, StopReason.FINISHED, huge)], Policy())
        rows.append(("huge run: GET + parse (ms)", median_ms(lambda: asyncio.run(fetch()), 3)))
        rows.append(("huge run: summary (ms)", median_ms(lambda: render_summary(verdict), 3)))
        size = len(render_summary(verdict).encode())
        rows.append(("huge run: summary size (KiB)", size / 1024))
        rows.append(("huge run: JUnit (ms)", median_ms(lambda: render_junit(verdict), 3)))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:10.1f}")


if __name__ == "__main__":
    main_bench()
