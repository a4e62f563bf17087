"""Peak memory of the pull-request step reading a comment thread whose pages are gzipped JSON at
the 8 MiB byte cap, before and after pages were bounded by what they parse to. Reproduce with:

    python bench/forge_listing_memory.py --before b26f4e7    # that commit against this tree
    python bench/forge_listing_memory.py                      # this tree alone

A small server of this script's own plays GitHub: ``GET /user`` answers 403 (the job's
``GITHUB_TOKEN``), the thread's first ``--pages`` pages are each 100 comments of one case, the
next page is empty, a new comment is accepted. The step (``github_api.publish``, comment mode
``always``) runs in a process of its own, started by a small launcher (this script with
``--launch``): on Linux a child's peak RSS (``ru_maxrss``) starts at its parent's high-water
mark, and this script holds every page it serves, the launcher almost nothing. So the figure is
the step's own peak: interpreter, imports and the listing. ``--before REF`` runs the same step
from ``git archive REF src`` as well. Nothing asserts the figures.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import socketserver
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from child import run_child

ROOT = Path(__file__).resolve().parent.parent
CAP = 8 * 1024 * 1024  # the code host client's byte cap
ENTRIES = 100  # a full page

STEP = """
import asyncio, dataclasses, inspect, json, sys
from testerarmy_wait.ci import github_api
from testerarmy_wait.verdict import usage_error
# The same step on this tree and on an older one: only the arguments each version takes.
fields = {f.name for f in dataclasses.fields(github_api.PullRequest)}
pr = github_api.PullRequest(**{k: v for k, v in dict(
    api_url=sys.argv[1], repository="o/r", number=1, head_sha="a" * 40, job_url=None,
    key_source="bench", workflow_path=".github",
).items() if k in fields})
takes = inspect.signature(github_api.publish).parameters
options = dict(token="ghs_bench", mode="always", check_run=False, verdict=usage_error("bench"),
               run_url=None, secrets=[], route=None)
if "redactor" in takes:
    from testerarmy_wait.redaction import Redactor
    options["redactor"] = Redactor()
done, warnings = asyncio.run(
    github_api.publish(pr, **{k: v for k, v in options.items() if k in takes})
)
print(json.dumps({"said": done + warnings, "from": github_api.__file__}))
"""


def padded(pad: bytes) -> bytes:
    """100 comments, each padded with copies of ``pad`` to fill the page to the cap."""
    copies = ((CAP - 4096) // ENTRIES - 100) // len(pad)
    return (
        b"["
        + b",".join(
            b'{"id":%d,"body":"review","user":{"login":"someone","type":"User"},"pad":[%s0]}'
            % (n + 1, pad * copies)
            for n in range(ENTRIES)
        )
        + b"]"
    )


def longest_comments() -> bytes:
    """100 comments of 65,001 characters (GitHub keeps 65,536), an emoji in each: Python holds
    such text at four bytes a character."""
    body = "😀" + "x" * 65_000
    page = [
        {"id": n + 1, "body": body, "user": {"login": "someone", "type": "User", "id": 7}}
        for n in range(ENTRIES)
    ]
    return json.dumps(page, ensure_ascii=False).encode()


CASES: dict[str, Callable[[], bytes]] = {
    "empty objects": lambda: padded(b"{},"),
    "short strings": lambda: padded(b'"ab",'),
    "emoji strings": lambda: padded('"😀{}",'.format("x" * 36).encode()),
    "longest comments": longest_comments,
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    page = b""  # gzipped
    pages = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, gzipped: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/user":
            self._send(403, b'{"message": "Resource not accessible by integration"}')
        elif parts.path == "/repos/o/r/issues/1/comments":
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            if page <= self.pages:
                self._send(200, self.page, gzipped=True)
            else:
                self._send(200, b"[]")
        else:
            self._send(404, b'{"message": "Not Found"}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(201, b'{"id": 1}')


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def launch(args: list[str]) -> int:
    """The launcher: run ``args`` and print its own usage as JSON."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME")}
    used = run_child(args, env, Path.cwd())
    output = used.output.decode(errors="replace").strip().splitlines()
    print(
        json.dumps(
            {
                "code": used.code,
                "peak_rss_mib": used.peak_rss_mib,
                "cpu_s": used.cpu_s,
                "output": output[-1] if output else "",
            }
        )
    )
    return 0


def measure(src: Path, url: str) -> tuple[float, float, str]:
    """Peak RSS (MiB), CPU seconds and what the step said, running from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    launcher = [sys.executable, __file__, "--launch", "--", sys.executable, "-c", STEP, url]
    done = subprocess.run(launcher, env=env, capture_output=True, check=True, cwd=src.parent)
    used = json.loads(done.stdout)
    if used["code"] != 0 or not used["output"].startswith("{"):
        raise SystemExit(f"the step failed ({used['code']}): {used['output']}")
    said = json.loads(used["output"])
    if not said["from"].startswith(str(src)):
        raise SystemExit(f"the step ran from {said['from']}, not {src}")
    return used["peak_rss_mib"], used["cpu_s"], "; ".join(said["said"])


def source_of(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main() -> int:
    if sys.argv[1:2] == ["--launch"]:
        return launch(sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", help="a git ref to measure as well, e.g. b26f4e7")
    parser.add_argument("--pages", type=int, default=2, help="full pages before an empty one")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        versions = {"after": ROOT / "src"}
        if args.before:
            versions = {"before": source_of(args.before, Path(tmp)), **versions}
        Handler.pages = 0
        print(
            "| case | page | "
            + " | ".join(f"{v}: peak RSS, CPU" for v in versions)
            + " | after: the step said |"
        )
        print("|---|---|" + "---|" * len(versions) + "---|")
        floor = {name: measure(src, url) for name, src in versions.items()}
        cells = " | ".join(f"{p:.0f} MiB, {c:.1f} s" for p, c, _ in floor.values())
        print(f"| no comments (the floor) | `[]` | {cells} | {floor['after'][2]} |", flush=True)
        Handler.pages = args.pages
        for case in args.cases:
            raw = CASES[case]()
            Handler.page = gzip.compress(raw, 6)
            shown = f"{len(raw) / 2**20:.2f} MiB JSON, {len(Handler.page) / 1024:.0f} KiB gzipped"
            del raw
            found = {name: measure(src, url) for name, src in versions.items()}
            cells = " | ".join(f"{p:.0f} MiB, {c:.1f} s" for p, c, _ in found.values())
            print(
                f"| {case} × {args.pages} pages | {shown} | {cells} | {found['after'][2]} |",
                flush=True,
            )
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
