"""``testerarmy-wait sandbox``: serve the sandbox from a shell or a container."""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

from .catalog import BUILTIN_SCENARIOS
from .handle import Sandbox
from .scenarios import ScenarioError, load_scenario_file

#: The command's name in its usage when the waiter runs it (``testerarmy-wait sandbox``).
PROG = "testerarmy-wait sandbox"


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve an offline tester.army API. Prints its base URL and API key, "
        "then serves until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 = any free port")
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="create a run playing NAME at start-up (repeatable); built-in: "
        + ", ".join(BUILTIN_SCENARIOS),
    )
    parser.add_argument(
        "--scenario-file",
        action="append",
        default=[],
        metavar="PATH",
        help="JSON scenario(s) to register; a run is created for each (repeatable)",
    )
    parser.add_argument(
        "--default-scenario",
        default="passes",
        metavar="NAME",
        help="what triggered tests, groups and projects play (default passes)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="sandbox seconds per real second (default 1)"
    )
    parser.add_argument("--api-key", help="API key to accept (default: a new sk_sandbox_... key)")
    parser.add_argument("--seed", type=int, help="make ids and the generated key reproducible")
    parser.add_argument(
        "--tls-cert",
        metavar="PEM",
        help="serve https with this certificate chain (with --tls-key); clients must trust it, "
        "e.g. through SSL_CERT_FILE",
    )
    parser.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    return parser


def _tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ValueError("--tls-cert and --tls-key go together")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot load the TLS certificate or key: {exc}") from exc
    return context


def main(
    argv: list[str],
    *,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
    prog: str = PROG,
) -> int:
    """Run the sandbox until SIGINT/SIGTERM (or ``stop`` is set); 0 on a clean stop. ``prog``
    is the command's name in usage and errors."""
    out = out or sys.stdout
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.speed <= 0:
        print("error: --speed must be positive", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    try:
        sandbox = Sandbox(
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            speed=args.speed,
            seed=args.seed,
            tls=_tls_context(args.tls_cert, args.tls_key),
        )
        files = [s for path in args.scenario_file for s in load_scenario_file(path)]
        for scenario in files:
            sandbox.register_scenario(scenario)
        sandbox.default_scenario = args.default_scenario
        for name in args.scenario:
            sandbox.scenario(name)
        sandbox.start()
    except (ScenarioError, KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    previous = _install_signal_handlers(stop)
    try:
        print(f"Sandbox API: {sandbox.url}", file=out, flush=True)
        print(f"API key: {sandbox.api_key}", file=out, flush=True)
        for name in [*args.scenario, *(s.name for s in files)]:
            print(f"Run {sandbox.create_run(name)} ({name})", file=out, flush=True)
        stop.wait()
    finally:
        sandbox.close()
        _restore_signal_handlers(previous)
    return 0


_Handler = Callable[[int, FrameType | None], Any] | int | None


def _install_signal_handlers(stop: threading.Event) -> dict[int, _Handler]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, _Handler] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, on_signal)
    return previous


def _restore_signal_handlers(previous: dict[int, _Handler]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
