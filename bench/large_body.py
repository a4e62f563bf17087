"""What a very large run body costs the whole command: a finished run of about 12 MB of JSON
(a 2 MB description and 5,000 issues with 2 KB of text each) and the sandbox's ``huge`` run
(2 MB of description, 5,000 issues, 10,000 steps) against a finished run with a few issues
(``checkout-flow``), each reported by a new ``testerarmy-wait`` process as a GitHub step
(summary, outputs, JSON, JUnit and dotenv reports). Reproduce with:

    python bench/large_body.py [--rounds 7]

Rounds are interleaved (each round runs both once), so a drifting machine affects them alike;
the figure that matters is the difference of the medians. Nothing asserts it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from testerarmy_wait_sandbox import start_sandbox
from testerarmy_wait_sandbox.scenarios import Scenario

LONG = "The agent opened the page, filled in every field and pressed the button once. "


def twelve_mb() -> Scenario:
    """About 12 MB of JSON, almost all of it text."""
    issues = [
        {
            "type": "issue",
            "name": f"Issue {i}: the form on page {i % 40} loses what was typed",
            "description": (LONG * 26)[:2000],
            "url": f"https://app.example.com/page/{i % 40}",
            "severity": i % 5 + 1,
            "reproductionSteps": [f"Open page {i % 40}", "Type a name", "Press Save"],
            "expectedBehavior": "The form keeps the name",
            "actualBehavior": "The form is empty again",
        }
        for i in range(5000)
    ]
    return Scenario(
        name="twelve-mb",
        description="completed, FAILED: about 12 MB of JSON",
        queued_seconds=1,
        running_seconds=60,
        output={
            "featureName": "Long texts",
            "result": "FAILED",
            "description": (LONG * 27_000)[: 2 * 1024 * 1024],
            "issues": issues,
            "screenshots": [],
            "steps": [],
        },
    )


def finished_run(sandbox: object, scenario: str) -> str:
    run_id: str = sandbox.create_run(scenario)  # type: ignore[attr-defined]
    while sandbox.status(run_id) not in {"completed", "failed", "cancelled"}:  # type: ignore[attr-defined]
        time.sleep(0.01)
    return run_id


def body_bytes(url: str, key: str, run_id: str) -> int:
    request = urllib.request.Request(
        f"{url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request) as answer:  # the loopback sandbox
        return len(answer.read())


def one(env: dict[str, str], run_id: str, work: Path) -> float:
    for name in ("out", "summary"):
        (work / name).write_text("")
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "testerarmy_wait", "--run-id", run_id],
        env=env,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with start_sandbox(speed=100_000) as sandbox, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TESTERARMY_API_KEY": sandbox.api_key,
            "TESTERARMY_API_URL": sandbox.url,
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": tmp,
            "GITHUB_OUTPUT": str(work / "out"),
            "GITHUB_STEP_SUMMARY": str(work / "summary"),
        }
        sandbox.register_scenario(twelve_mb())
        scenarios = ("checkout-flow", "twelve-mb", "huge")
        runs = {name: finished_run(sandbox, name) for name in scenarios}
        sizes = {name: body_bytes(sandbox.url, sandbox.api_key, r) for name, r in runs.items()}
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, run_id in runs.items():
                times[name].append(one(env, run_id, work))
    print(f"{args.rounds} interleaved rounds; a new process each, as a GitHub step")
    print("| run | body | median | range |")
    print("|---|---|---|---|")
    for name, values in times.items():
        print(
            f"| {name} | {sizes[name] / 1e6:.1f} MB | {statistics.median(values):.2f} s "
            f"| {min(values):.2f}-{max(values):.2f} s |"
        )
    small = statistics.median(times["checkout-flow"])
    for name in scenarios[1:]:
        print(
            f"\n{name}: {statistics.median(times[name]) - small:+.2f} s over checkout-flow", end=""
        )
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
