"""What hostile answer bodies cost the command: a gzip bomb (1 GiB of zeros, about 1 MB on the
wire), an endless chunked body and a plain 100 MB body, each answered to every GET of the run
by a small server of this script's own, with ``timeout`` 30 s. Reproduce with:

    python bench/hostile_bodies.py [--timeout 30] [--cases bomb endless plain]

Prints, per case: the exit code and result, wall time, the command's CPU and peak RSS
(``os.wait4`` of the child), and whether the outputs were written. Nothing asserts them.
"""

from __future__ import annotations

import argparse
import http.server
import socketserver
import sys
import tempfile
import threading
import uuid
import zlib
from pathlib import Path

from child import github_step_env, run_child

RUN_ID = str(uuid.UUID(int=0x1234, version=4))


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """``size`` zero bytes, gzip-compressed (built in chunks: about 1 MB for 1 GiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(compressor.flush())
    return b"".join(parts)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    case = "bomb"
    bomb = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        try:
            if self.case == "bomb":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(self.bomb)))
                self.end_headers()
                self.wfile.write(self.bomb)
            elif self.case == "endless":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b" " * (1 << 16)
                frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                self.wfile.write(b'6\r\n{"id":\r\n')
                while True:
                    self.wfile.write(frame)
            else:  # plain: a readable 100 MB answer (a long description)
                body = (
                    f'{{"id":"{RUN_ID}","status":"running","output":{{"description":"'.encode()
                    + b"x" * (100 << 20)
                    + b'"}}'
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on an endless body is the point


def run_case(case: str, timeout_s: int) -> str:
    Handler.case = case
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = github_step_env(
            work,
            run_id=RUN_ID,
            api_key="sk_bench_key",
            api_url=f"http://127.0.0.1:{server.server_address[1]}/api",
            timeout=str(timeout_s),
        )
        done = run_child([sys.executable, "-m", "testerarmy_wait"], env, work)
        outputs = (work / "output").read_text() if (work / "output").exists() else ""
        result = outputs.splitlines()[1] if outputs else "(no outputs)"
    server.shutdown()
    server.server_close()
    return (
        f"| {case} | {done.code} | {result} | {done.wall_s:.1f} s | {done.cpu_s:.1f} s "
        f"| {done.peak_rss_mib:.0f} MiB | {'yes' if outputs else 'no'} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--cases", nargs="+", default=["bomb", "endless", "plain"])
    args = parser.parse_args()
    Handler.bomb = gzip_bomb()
    print(f"gzip bomb: {len(Handler.bomb) / 1e6:.1f} MB on the wire for 1 GiB")
    print("| case | exit | result | wall | CPU | peak RSS | outputs |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases:
        print(run_case(case, args.timeout), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
