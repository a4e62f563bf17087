"""Process start to the first request at the API: the command (and the image) side by side with
the smallest Python program that makes one request, ``python -c "import httpx; httpx.get(url)"``.
Reproduce with:

    python bench/startup.py [--rounds 15] [--image testerarmy-wait:test] [--compare DIR]

A loopback server of this script's own timestamps each request as it arrives (``time.time()``),
answering a finished run; each round starts every way once, in turn (interleaved, so a
drifting machine affects them alike). Medians, and each way's ratio to the baseline measured
in the same run; and the floor of any asyncio program making that request (what the command's
design costs before a line of its own runs). The image is measured only when ``--image`` names
one (``docker run`` with host networking). ``--compare DIR`` also times the command with
another tree's package first on ``PYTHONPATH`` (e.g. ``git archive <commit> src | tar -x -C
/tmp/old`` and ``--compare /tmp/old/src``), in the same rounds. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RUN_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
BODY = json.dumps(
    {
        "id": RUN_ID,
        "status": "completed",
        "output": {"featureName": "Checkout", "result": "PASS", "issues": [], "steps": []},
    }
).encode()

#: The least an asyncio program pays for the same request (the command waits with
#: ``httpx.AsyncClient``): asyncio, and anyio under httpcore's async connection pool.
ASYNC_FLOOR = (
    "import asyncio, httpx\n"
    "async def get():\n"
    "    async with httpx.AsyncClient() as client:\n"
    "        await client.get({url!r})\n"
    "asyncio.run(get())"
)


class Arrivals:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.event = threading.Event()


def serve(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            arrivals.times.append(time.time())
            arrivals.event.set()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def first_request_after(arrivals: Arrivals, start: Callable[[], subprocess.Popen[bytes]]) -> float:
    arrivals.times.clear()
    arrivals.event.clear()
    began = time.time()
    process = start()
    arrivals.event.wait(60)
    process.wait(60)
    return (arrivals.times[0] - began) * 1000 if arrivals.times else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--image", help="also time this image with docker run")
    parser.add_argument("--compare", help="also time the command with this source tree first")
    args = parser.parse_args()
    arrivals = Arrivals()
    server = serve(arrivals)
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    command = (
        shutil.which("testerarmy-wait", path=str(Path(sys.executable).parent)) or "testerarmy-wait"
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": tmp,
            "TESTERARMY_API_KEY": "sk_bench_key_0123",
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        }
        ways: dict[str, Callable[[], subprocess.Popen[bytes]]] = {
            "baseline: import httpx; httpx.get": lambda: subprocess.Popen(
                [sys.executable, "-c", f"import httpx; httpx.get({url + '/v1/runs/' + RUN_ID!r})"],
                env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
            "floor: asyncio + httpx.AsyncClient().get": lambda: subprocess.Popen(
                [sys.executable, "-c", ASYNC_FLOOR.format(url=url + "/v1/runs/" + RUN_ID)],
                env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
            "testerarmy-wait (venv)": lambda: subprocess.Popen(
                [command, "--api-url", url, "--run-id", RUN_ID], env=env, cwd=tmp,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
        }  # fmt: skip
        if args.compare:
            compared = {**env, "PYTHONPATH": args.compare}
            ways[f"testerarmy-wait ({args.compare})"] = lambda: subprocess.Popen(
                [command, "--api-url", url, "--run-id", RUN_ID], env=compared, cwd=tmp,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        if args.image:
            ways["docker run IMAGE"] = lambda: subprocess.Popen(
                ["docker", "run", "--rm", "--network", "host", "-e", "TESTERARMY_API_KEY",
                 "-v", f"{tmp}:/work", "-w", "/work", args.image,
                 "--api-url", url, "--run-id", RUN_ID],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            ways["baseline in the image"] = lambda: subprocess.Popen(
                ["docker", "run", "--rm", "--network", "host", "--entrypoint",
                 "/opt/venv/bin/python", args.image, "-c",
                 f"import httpx; httpx.get({url + '/v1/runs/' + RUN_ID!r})"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        results: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, start in ways.items():
                results[name].append(first_request_after(arrivals, start))
    server.shutdown()
    base = statistics.median(results["baseline: import httpx; httpx.get"])
    print(f"{args.rounds} interleaved rounds; process start -> first request at the server")
    print("| way | median | range | / baseline |")
    print("|---|---|---|---|")
    for name, values in results.items():
        median = statistics.median(values)
        reference = (
            statistics.median(results["baseline in the image"])
            if name == "docker run IMAGE"
            else base
        )
        print(
            f"| {name} | {median:.0f} ms | {min(values):.0f}-{max(values):.0f} ms "
            f"| {median / reference:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
