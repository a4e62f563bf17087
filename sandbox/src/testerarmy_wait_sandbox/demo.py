"""``testerarmy-wait demo``: a realistic run against the sandbox, waited for exactly as CI
would wait for a real one."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from testerarmy_wait.policy import ExitCode
from testerarmy_wait_sandbox import start_sandbox

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
        "--baseline",
        action="store_true",
        help="show a baseline: accept one run's issues, then wait for a later run that "
        "repeats them in other words beside a new one",
    )
    parser.add_argument(
        "--mobile",
        action="store_true",
        help="show a mobile build: make a small .apk, upload it, test it and delete it",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with the verdict's code instead of 0 when the demo worked",
    )
    args = parser.parse_args(list(argv))
    if args.baseline:
        return _with_baseline(args.speed, env, stdout, stderr, wait=wait, strict=args.strict)
    if args.mobile:
        return _with_mobile_build(args.speed, env, stdout, stderr, wait=wait, strict=args.strict)
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


def _with_mobile_build(
    speed: float,
    env: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    *,
    wait: Wait,
    strict: bool,
) -> int:
    """Upload a small stand-in .apk to the sandbox, test it, and delete it afterwards."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp, start_sandbox(speed=speed) as sandbox:
        build = Path(tmp) / "demo-shop.apk"
        build.write_bytes(b"PK\x03\x04" + b"demo android build " * 4096)
        project = "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d"
        test_id = sandbox.configure_test(scenario="passes", project_id=project).test_id
        stdout.write(
            f"Demo with a mobile build: the sandbox API is at {sandbox.url}; uploading "
            f"{build.name} to project {project} and testing it with test {test_id}.\n\n"
        )
        stdout.flush()
        own = {k: v for k, v in env.items() if not k.startswith(_OWN_SETTINGS)}
        demo_env = {
            **own,
            "TESTERARMY_API_KEY": sandbox.api_key,
            "TESTERARMY_API_URL": sandbox.url,
            "TESTERARMY_TEST_ID": test_id,
            "TESTERARMY_APP_PATH": str(build),
            "TESTERARMY_POLL_INTERVAL": "0.5",
        }
        code = wait([], demo_env, stdout, stderr)
    if strict or code != ExitCode.OK:
        return code
    stdout.write("\nDemo finished: the build was uploaded, tested and deleted.\n")
    return 0


def _with_baseline(
    speed: float,
    env: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    *,
    wait: Wait,
    strict: bool,
) -> int:
    """Accept the issues of a first run, then wait for a run with the same problems reworded
    and one new problem: only the new one fails."""
    from pathlib import Path

    from testerarmy_wait.baseline_command import main as accept
    from testerarmy_wait.ci_context import REPORT_DIR_NAME, read_ci_context

    # Beside the reports: a baseline is read only from inside the workspace.
    relative = Path(REPORT_DIR_NAME) / "demo-baseline.json"
    baseline = read_ci_context(env).workspace / relative
    baseline.unlink(missing_ok=True)  # a new sandbox: accept its issues afresh
    with start_sandbox(speed=speed) as sandbox:
        test_id = sandbox.configure_test(scenario="reworded-issues").test_id
        first = sandbox.create_run("reworded-issues", test_id)
        stdout.write(
            f"Demo with a baseline: the sandbox API is at {sandbox.url}.\n"
            f"1. Accept the issues of run {first} (a team would commit the file):\n"
        )
        stdout.flush()
        own = {k: v for k, v in env.items() if not k.startswith(_OWN_SETTINGS)}
        keys = {"TESTERARMY_API_KEY": sandbox.api_key, "TESTERARMY_API_URL": sandbox.url}
        _until_finished(sandbox, first)
        code = accept(
            ["--run-id", first, "--file", str(baseline), "--reason", "accepted in the demo"],
            {**own, **keys},
            stdout,
            stderr,
        )
        if code:
            return code
        later = sandbox.create_run("new-beside-known", test_id)
        stdout.write(
            f"\n2. A later run, {later}, reports the same problems in other words and one new "
            "problem. Only the new one fails:\n\n"
        )
        stdout.flush()
        demo_env = {
            **own,
            **keys,
            "TESTERARMY_RUN_ID": later,
            "TESTERARMY_POLL_INTERVAL": "0.5",
            "TESTERARMY_BASELINE": str(relative),
        }
        code = wait([], demo_env, stdout, stderr)
    if strict or code not in (ExitCode.OK, ExitCode.POLICY_FAILURE):
        return code
    stdout.write(
        "\nDemo finished: known issues are reported and never block; the new one fails the "
        f"job (exit code {code} in CI). The demo exits 0.\n"
    )
    return 0


def _until_finished(sandbox: Any, run_id: str) -> None:
    import time

    while sandbox.status(run_id) not in ("completed", "failed", "cancelled"):
        time.sleep(0.1)
