"""Uploading a build, side by side with ``curl -T``: peak memory and throughput of the presigned
PUT (``testerarmy_wait.mobile.upload.put_file``) for a large file against a loopback storage
server that discards what it is sent, and peak memory of zipping an ``.app`` directory.
Reproduce with:

    python bench/mobile_upload.py [--size-mib 1024] [--app-mib 500] [--rounds 3]

Each way runs in its own process (peak RSS from ``wait4``); the time is the transfer alone
(``put_file`` timed inside its process, curl's ``%{time_total}``); the storage server runs
in another process. Rounds alternate the two uploads, so a drifting machine affects them
alike; medians are printed. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

STORAGE = textwrap.dedent(
    """
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Sink(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self):
            left = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                chunk = self.rfile.read(min(1 << 20, left))
                if not chunk:
                    break
                left -= len(chunk)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)

OURS = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from testerarmy_wait.mobile.app_file import AppFile
    from testerarmy_wait.mobile.upload import put_file

    path = Path(sys.argv[2])
    app = AppFile(path, path.name, False, path.stat().st_size)
    began = time.perf_counter()
    asyncio.run(put_file(sys.argv[1], app, deadline=float("inf")))
    print(time.perf_counter() - began, flush=True)
    """
)

ZIP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from testerarmy_wait.mobile.app_file import write_app_zip

    write_app_zip(Path(sys.argv[1]), Path(sys.argv[2]))
    """
)


def measured(command: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one child process: the seconds it prints (the transfer
    alone, without the interpreter's start), else its whole run."""
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    said = process.stdout.read().strip()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = float(said) if said else time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:3]} failed")
    return seconds, usage.ru_maxrss / 1024


def make_app(root: Path, mib: int) -> Path:
    bundle = root / "Bench.app"
    (bundle / "Frameworks").mkdir(parents=True)
    per_file = 16
    for n in range(max(1, mib // per_file)):
        where = bundle / "Frameworks" if n % 2 else bundle
        with (where / f"part{n:03d}.bin").open("wb") as out:
            for _ in range(per_file):
                out.write(os.urandom(1 << 20))
    return bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--app-mib", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build = root / "bench.apk"
        with build.open("wb") as out:
            block = os.urandom(1 << 20)
            for _ in range(args.size_mib):
                out.write(block)
        storage = subprocess.Popen(
            [sys.executable, "-c", STORAGE], stdout=subprocess.PIPE, text=True
        )
        assert storage.stdout is not None
        url = f"http://127.0.0.1:{storage.stdout.readline().strip()}/upload/bench.apk?X-Sig=1"
        ours, curl = [], []
        try:
            for _ in range(args.rounds):
                ours.append(measured([sys.executable, "-c", OURS, url, str(build)]))
                timed = ["-w", "%{time_total}", "-T", str(build), url]
                curl.append(measured(["curl", "-s", "-o", "/dev/null", *timed]))
        finally:
            storage.terminate()
        bundle = make_app(root, args.app_mib)
        zipped = measured([sys.executable, "-c", ZIP, str(bundle), str(root / "app.zip")])
    size = args.size_mib / 1024
    ours_s = statistics.median(s for s, _ in ours)
    curl_s = statistics.median(s for s, _ in curl)
    print(f"{args.rounds} rounds, a {size:g} GiB file to a loopback storage server")
    print("| way | median time | throughput | peak RSS |")
    print("|---|---|---|---|")
    print(
        f"| testerarmy-wait put_file | {ours_s:.2f} s | {args.size_mib / ours_s:.0f} MiB/s | "
        f"{max(r for _, r in ours):.0f} MiB |"
    )
    print(
        f"| curl -T | {curl_s:.2f} s | {args.size_mib / curl_s:.0f} MiB/s | "
        f"{max(r for _, r in curl):.0f} MiB |"
    )
    print(f"throughput ratio (ours / curl): {curl_s / ours_s:.2f}x")
    print(f"zipping a {args.app_mib} MiB .app: {zipped[0]:.1f} s, peak RSS {zipped[1]:.0f} MiB")


if __name__ == "__main__":
    main()
