"""Waiting for many runs at once: CPU, peak memory, requests and wall time of the real command
against the sandbox, for runs that are already finished, or (``--finishing``) runs with
realistic bodies (the 5.8 KB checkout-flow answer) that finish over 20-60 s. Reproduce with:

    python bench/many_runs.py                      # 10, 100, 1000 and 5000 finished runs
    python bench/many_runs.py --runs 1000 --finishing

Each size is one ``testerarmy-wait`` process started with every run id, as a GitHub step
(``GITHUB_ACTIONS=true``, outputs and summary to temporary files). CPU and peak RSS are the
child's own (``os.wait4``); requests are what the sandbox served to it. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from child import github_step_env, run_child

from testerarmy_wait_sandbox import Sandbox
from testerarmy_wait_sandbox.catalog import builtin_scenario

PROJECT = "7e5a1c2b-0d3f-4a6b-9c8d-1e2f3a4b5c6d"


def create(sandbox: Sandbox, runs: int, finishing: bool) -> list[str]:
    """Runs of one project, as a group started by the step would be."""
    if not finishing:
        return sandbox.create_runs(runs, "passes", project_id=PROJECT)
    rng = random.Random(11)
    base = builtin_scenario("checkout-flow")
    return [
        sandbox.create_run(
            replace(base, queued_seconds=2.0, running_seconds=rng.uniform(18, 58)),
            project_id=PROJECT,
        )
        for _ in range(runs)
    ]


def measure(runs: int, timeout_s: int, finishing: bool) -> dict[str, float | str]:
    speed = 1.0 if finishing else 1e6
    with tempfile.TemporaryDirectory() as tmp, Sandbox(speed=speed).start() as sandbox:
        run_ids = create(sandbox, runs, finishing)
        work = Path(tmp)
        env = github_step_env(
            work, api_key=sandbox.api_key, api_url=sandbox.url, timeout=str(timeout_s)
        )
        # one --run-id flag per run: 5,000 ids in one variable would pass the kernel's limit
        ids = [a for run_id in run_ids for a in ("--run-id", run_id)]
        done = run_child([sys.executable, "-m", "testerarmy_wait", *ids], env, work)
        outputs = (work / "output").read_text() if (work / "output").exists() else ""
        result = next(
            (line for line in outputs.splitlines()[1:2]), "?"
        )  # the value line after result<<DELIM
        return {
            "runs": runs,
            "exit": done.code,
            "result": result,
            "wall_s": done.wall_s,
            "cpu_s": done.cpu_s,
            "peak_rss_mib": done.peak_rss_mib,
            "requests": len(sandbox.requests),
            "log_lines": done.output.count(b"\n"),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--timeout", type=int, default=300, help="the command's timeout (s)")
    parser.add_argument("--finishing", action="store_true", help="runs finishing over 20-60 s")
    args = parser.parse_args()
    print("| runs | exit | result | wall | CPU | peak RSS | requests | log lines |")
    print("|---|---|---|---|---|---|---|---|")
    for runs in sorted(args.runs):
        m = measure(runs, args.timeout, args.finishing)
        print(
            f"| {m['runs']} | {m['exit']} | {m['result']} | {m['wall_s']:.1f} s "
            f"| {m['cpu_s']:.1f} s | {m['peak_rss_mib']:.0f} MiB | {m['requests']} "
            f"| {m['log_lines']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
