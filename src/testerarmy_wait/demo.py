"""``testerarmy-wait demo``: a realistic run against the bundled sandbox, waited for
exactly as CI would wait for a real one."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from testerarmy_wait.policy import ExitCode
from testerarmy_wait.sandbox import start_sandbox

DEMO_SCENARIO = "checkout-flow"
# The checkout-flow scenario takes a few simulated minutes; at this speed about 5 s.
DEMO_SPEED = 40.0
_OWN_SETTINGS = ("INPUT_", "TESTERARMY_")


#: How the demo waits: the command's own ``run_wait(argv, env, stdout, stderr)``.
Wait = Callable[[Sequence[str], Mapping[str, str], TextIO, TextIO], int]


def main(
    argv: Sequence[str], env: Mapping[str, str], stdout: TextIO, stderr: TextIO, *, wait: Wait
) -> int:
    parser = argparse.ArgumentParser(
        prog="testerarmy-wait demo",
        description="Start the offline sandbox API, start a run on it and wait for it, "
        "writing the same summary, outputs and reports a CI job would.",
    )
    parser.add_argument("--scenario", default=DEMO_SCENARIO, help="sandbox scenario to run")
    parser.add_argument(
        "--speed",
        type=float,
        default=DEMO_SPEED,
        help="how much faster than real time the sandbox runs",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with the verdict's code instead of 0 when the demo worked",
    )
    args = parser.parse_args(list(argv))
    with start_sandbox(speed=args.speed) as sandbox:
        run_id = sandbox.create_run(args.scenario)
        stdout.write(
            f"Demo: the sandbox API is at {sandbox.url}; started run {run_id} "
            f"({args.scenario}).\n\n"
        )
        stdout.flush()
        demo_env = {k: v for k, v in env.items() if not k.startswith(_OWN_SETTINGS)}
        demo_env |= {
            "TESTERARMY_API_KEY": sandbox.api_key,
            "TESTERARMY_API_URL": sandbox.url,
            "TESTERARMY_RUN_ID": run_id,
            "TESTERARMY_POLL_INTERVAL": "0.5",
        }
        code = wait([], demo_env, stdout, stderr)
    if args.strict or code not in (ExitCode.OK, ExitCode.POLICY_FAILURE):
        return code
    stdout.write(
        f"\nDemo finished. A CI job would exit with code {code} here "
        f"({'pass' if code == 0 else 'blocking issues found'}); the demo exits 0.\n"
    )
    return 0
