"""Polling in virtual time: requests per run and detection latency of the real waiter (the
project's ``Waiter``, ``schedule`` and client, driven by an injected clock and sleep over
``httpx.MockTransport``) against workload models, beside fixed 5 s, 10 s and 30 s pollers.
Reproduce with:

    python bench/polling_simulator.py [--runs 300] [--seed 7]

Each simulated job waits for one run of a test whose 20 most recent completed runs come from
the same workload. Detection latency is the time from the run's end to the poll that saw it;
requests count every request the job sent (the history lookup included). Virtual time: the
figures do not depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate

import httpx

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.waiting import Waiter, WaitOptions

TEST_ID = "11111111-2222-4333-8444-555555555555"
RUN_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
START = 1_800_000_000.0  # virtual wall-clock start (a Unix time)


@dataclass(frozen=True)
class Job:
    queued_s: float  # from the wait's start until the run starts
    duration_s: float  # running time
    final: str  # "completed" or "failed"


Workload = Callable[[random.Random], Job]


def normal(median: float, cv: float) -> Workload:
    return lambda r: Job(0.0, max(1.0, r.gauss(median, median * cv)), "completed")


def lognormal(median: float, sigma: float) -> Workload:
    return lambda r: Job(0.0, median * math.exp(r.gauss(0, sigma)), "completed")


def quick_failures(median: float, cv: float, share: float = 0.15) -> Workload:
    def draw(r: random.Random) -> Job:
        if r.random() < share:
            return Job(0.0, r.uniform(10, 60), "failed")
        return Job(0.0, max(1.0, r.gauss(median, median * cv)), "completed")

    return draw


def long_queue(median: float, cv: float) -> Workload:
    return lambda r: Job(r.uniform(60, 300), max(1.0, r.gauss(median, median * cv)), "completed")


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return START + self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def iso(t: float) -> str:
    return datetime.fromtimestamp(START + t, UTC).isoformat().replace("+00:00", "Z")


def api(
    time: VirtualTime, job: Job, history: list[float], seen: list[float]
) -> Callable[..., httpx.Response]:
    ended_at = job.queued_s + job.duration_s

    def answer(request: httpx.Request) -> httpx.Response:
        now = time.now
        headers = {"Date": formatdate(START + now, usegmt=True), "Content-Type": "application/json"}
        if request.url.path.endswith("/v1/runs"):
            runs = [
                {"id": f"00000000-0000-4000-8000-{n:012d}", "status": "completed",
                 "testId": TEST_ID, "durationMs": round(d * 1000)}
                for n, d in enumerate(history)
            ]  # fmt: skip
            body: dict[str, object] = {"runs": runs, "nextCursor": None}
        else:
            if now < job.queued_s:
                status = "queued"
            elif now < ended_at:
                status = "running"
            else:
                status = job.final
                seen.append(now)
            body = {"id": RUN_ID, "status": status, "testId": TEST_ID, "createdAt": iso(0)}
            if status != "queued":
                body["startedAt"] = iso(job.queued_s)
            if status == "completed":
                body["output"] = {"featureName": "Checkout", "result": "PASS", "issues": []}
            if status == "failed":
                body["error"] = {"code": "BROWSER_START_FAILED", "message": "no browser"}
        return httpx.Response(200, content=json.dumps(body).encode(), headers=headers)

    return answer


async def one_job(
    job: Job, history: list[float], interval: float, use_history: bool, rng: random.Random
) -> tuple[int, float]:
    time = VirtualTime()
    seen: list[float] = []
    transport = httpx.MockTransport(api(time, job, history, seen))
    async with TesterArmyClient(
        "https://sim.example/api", "sk_sim", transport=transport, wall_clock=time.wall
    ) as client:
        options = WaitOptions(
            deadline=24 * 3600.0,
            poll_interval_s=interval,
            clock=time.clock,
            sleep=time.sleep,
            use_history=use_history,
            poll_jitter=lambda spread: rng.uniform(-spread, spread),
        )
        await Waiter(client, options).wait_all([(RUN_ID, None)])
        latency = seen[0] - (job.queued_s + job.duration_s)
        return client.requests, latency


def simulate(
    workload: Workload,
    runs: int,
    seed: int,
    interval: float,
    use_history: bool,
    *,
    past_runs: int = 20,
) -> tuple[float, float, float]:
    rng = random.Random(seed)  # the same jobs for every poller: paired comparisons
    jitter = random.Random(seed + 1)
    requests: list[int] = []
    latencies: list[float] = []
    for _ in range(runs):
        history = [
            j.duration_s for j in (workload(rng) for _ in range(40)) if j.final == "completed"
        ][:past_runs]
        job = workload(rng)
        sent, latency = asyncio.run(one_job(job, history, interval, use_history, jitter))
        requests.append(sent)
        latencies.append(latency)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    return statistics.mean(requests), statistics.mean(latencies), p95


WORKLOADS: dict[str, Callable[[float], Workload]] = {
    "predictable, CV 0.05": lambda d: normal(d, 0.05),
    "predictable, CV 0.10": lambda d: normal(d, 0.10),
    "predictable, CV 0.15": lambda d: normal(d, 0.15),
    "noisy, CV 0.5": lambda d: normal(d, 0.5),
    "heavy-tailed (lognormal, sigma 0.6)": lambda d: lognormal(d, 0.6),
    "quick failures (15 % fail in 10-60 s)": lambda d: quick_failures(d, 0.10),
    "long queues (60-300 s queued)": lambda d: long_queue(d, 0.10),
}


def uniform(low: float, high: float) -> Workload:
    return lambda r: Job(0.0, r.uniform(low, high), "completed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    columns = ["D", "workload", "ours: req/run, mean, p95", "fixed 5 s", "fixed 10 s"]
    print("| " + " | ".join([*columns, "fixed 30 s", "ours vs 10 s"]) + " |")
    print("|---|---|---|---|---|---|---|")
    for duration in (180.0, 600.0):
        for name, make in WORKLOADS.items():
            workload = make(duration)
            cells = []
            ours = simulate(workload, args.runs, args.seed, 10.0, True)
            cells.append(ours)
            fixed = {
                i: simulate(workload, args.runs, args.seed, i, False) for i in (5.0, 10.0, 30.0)
            }
            cells += list(fixed.values())
            shown = " | ".join(f"{r:.1f}, {m:.2f} s, {p:.1f} s" for r, m, p in cells)
            ratio = f"{ours[0] / fixed[10.0][0]:.2f}x req, {ours[1] / fixed[10.0][1]:.2f}x latency"
            print(f"| {duration / 60:.0f} min | {name} | {shown} | {ratio} |", flush=True)
    # A test's first runs: no history to learn from, the lookup is one request all the same.
    first = uniform(50.0, 70.0)
    cells = [simulate(first, args.runs, args.seed, 10.0, True, past_runs=0)]
    cells += [simulate(first, args.runs, args.seed, i, False) for i in (5.0, 10.0, 30.0)]
    shown = " | ".join(f"{r:.1f}, {m:.2f} s, {p:.1f} s" for r, m, p in cells)
    extra = f"{cells[0][0] - cells[2][0]:+.2f} req, {cells[0][1] / cells[2][1]:.2f}x latency"
    print(f"| 50-70 s | no history (a test's first runs) | {shown} | {extra} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
