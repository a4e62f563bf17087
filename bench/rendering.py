"""Rendering the largest runs: the job summary, the terminal text, the JUnit and JSON reports,
for a run with 5,000 issues with long texts (and 10,000 steps) and for one carrying about 12 MB
of long text fields. Reproduce with:

    python bench/rendering.py [--repeat 5]

Each figure is the median wall time of ``--repeat`` renderings in this process, with the size
of what was rendered. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from testerarmy_wait.ci.terminal import render_text
from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.report.json_report import json_chunks
from testerarmy_wait.report.junit import Counts, junit_document, junit_suites
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import Verdict, decide

RUN_ID = "11111111-2222-4333-8444-555555555555"


def verdict_for(output: dict[str, Any]) -> Verdict:
    run = Run.model_validate(
        {"id": RUN_ID, "status": "completed", "durationMs": 3_600_000, "output": output}
    )
    return decide([RunOutcome(RUN_ID, StopReason.FINISHED, run=run, polls=3)], Policy())


def huge(issues: int = 5000, steps: int = 10_000) -> Verdict:
    """5,000 issues with long texts, 10,000 steps and a 2 MB description."""
    return verdict_for(
        {
            "featureName": "Everything everywhere",
            "result": "FAILED",
            "description": "x" * 2_000_000,
            "issues": [
                {
                    "type": "issue" if n % 3 else "warning",
                    "name": f"Issue number {n} <b>|</b>",
                    "description": "d" * 2000,
                    "url": f"https://big.example/page/{n}",
                    "severity": n % 5 + 1,
                    "reproductionSteps": [f"step {k}" * 20 for k in range(40)],
                    "expectedBehavior": "e" * 5000,
                    "actualBehavior": "a" * 5000,
                    "screenshotUrl": f"https://big.example/shot/{n}.png",
                }
                for n in range(issues)
            ],
            "screenshots": [f"https://big.example/s/{n}.png" for n in range(2000)],
            "steps": [
                {
                    "stepIndex": n,
                    "title": f"Step number {n} " + "t" * 200,
                    "status": "failed" if n % 97 == 0 else "passed",
                    "startedAtMs": n * 1000,
                    "completedAtMs": n * 1000 + 900,
                }
                for n in range(steps)
            ],
        }
    )


def long_texts(total_bytes: int = 12_000_000) -> Verdict:
    """About ``total_bytes`` of text in a few fields a renderer must cut."""
    share = total_bytes // 6
    issue = {
        "type": "issue",
        "name": "n" * share,
        "description": "d" * share,
        "severity": 4,
        "reproductionSteps": ["r" * (share // 10)] * 10,
        "expectedBehavior": "e" * share,
        "actualBehavior": "a" * share,
    }
    output = {"featureName": "f" * 1000, "result": "FAILED", "description": "x" * share}
    return verdict_for({**output, "issues": [issue], "steps": []})


def junit(verdict: Verdict) -> str:
    total, parts = Counts(), []
    for text, counts in junit_suites(verdict):
        parts.append(text)
        total.add(counts)
    head, tail = junit_document(total, 1.0)
    return head + "".join(parts) + tail


def timed(render: Callable[[], str], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        size = len(render().encode("utf-8", "replace"))
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases = {"5,000 issues, 10,000 steps": huge(), "12 MB of long text": long_texts()}
    renderers: dict[str, Callable[[Verdict], str]] = {
        "summary": render_summary,
        "terminal text": lambda v: render_text(v, color=False),
        "JUnit": junit,
        "JSON": lambda v: "".join(json_chunks(v)),
    }
    print("| run | renderer | median | size |")
    print("|---|---|---|---|")
    for case, verdict in cases.items():
        for name, render in renderers.items():
            ms, size = timed(lambda r=render, v=verdict: r(v), args.repeat)  # type: ignore[misc]
            print(f"| {case} | {name} | {ms:.0f} ms | {size / 1024:,.0f} KiB |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
