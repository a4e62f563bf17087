"""``testerarmy-wait baseline``: accept the issues of a finished run, or of a JSON report
another job wrote, into the baseline file (merged, sorted, one entry per issue).

Exit codes: 0 written (or nothing to add), 2 bad arguments, report or baseline file,
4 the API could not give the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, TextIO

from testerarmy_wait.baseline.file import dump_baseline, read_baseline
from testerarmy_wait.baseline.model import Baseline
from testerarmy_wait.baseline.writer import Reported, Scope, from_report, from_run, merge
from testerarmy_wait.ci_context import CIContext, read_ci_context
from testerarmy_wait.config import BASELINE_DEFAULT_PATH
from testerarmy_wait.errors import TesterArmyWaitError, UsageError
from testerarmy_wait.policy import ExitCode
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.workspace import write_text_atomic

#: A JSON report of thousands of issues is far larger than a baseline.
MAX_REPORT_BYTES: Final = 64 * 1024 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="testerarmy-wait baseline",
        description="Accept today's issues: write (or merge into) the baseline file from a "
        "finished run or a testerarmy-wait JSON report. Existing entries, their reasons and "
        "expiry dates are kept; the file is sorted so that its diff reviews well.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-report", metavar="PATH", help="a testerarmy-wait JSON report")
    source.add_argument("--run-id", metavar="ID", help="a finished run (needs TESTERARMY_API_KEY)")
    parser.add_argument(
        "--file",
        default=BASELINE_DEFAULT_PATH,
        help=f"the baseline file to write (default {BASELINE_DEFAULT_PATH})",
    )
    parser.add_argument("--reason", help="why these issues are accepted, e.g. a ticket link")
    parser.add_argument("--expires", metavar="YYYY-MM-DD", help="when the new entries expire")
    parser.add_argument(
        "--scope",
        choices=("test", "feature", "any"),
        default="test",
        help="new entries apply to the run's test (default), its feature, or any test",
    )
    parser.add_argument(
        "--api-url", help="API base URL (default TESTERARMY_API_URL or tester.army)"
    )
    return parser


def _expiry(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--expires {text!r} is not a date (YYYY-MM-DD)") from None


def _read_report(path: Path) -> list[Reported]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_REPORT_BYTES + 1)
    except OSError as error:
        raise UsageError(f"--from-report {path}: cannot read it ({error.strerror})") from None
    if len(raw) > MAX_REPORT_BYTES:
        raise UsageError(f"--from-report {path}: larger than {MAX_REPORT_BYTES // 2**20} MiB")
    try:
        report = json.loads(raw)
    except ValueError as error:
        raise UsageError(f"--from-report {path}: not JSON ({error})") from None
    return from_report(report, str(path))


def _fetch_run(run_id: str, context: CIContext, args: argparse.Namespace) -> list[Reported]:
    """The run's issues, with the API key and URL read as the wait reads them (the action
    inputs, then the ``TESTERARMY_*`` variables; ``--api-url`` first)."""
    from testerarmy_wait.client import TesterArmyClient
    from testerarmy_wait.config import SETTINGS_BY_NAME
    from testerarmy_wait.network import route_for
    from testerarmy_wait.parsers import DEFAULT_API_URL, parse_uuid

    key = SETTINGS_BY_NAME["api-key"].read(args, context.settings_env)
    if not key:
        raise UsageError("--run-id needs the API key (the api-key input or TESTERARMY_API_KEY)")
    run_id = parse_uuid(run_id, "run-id")
    url = SETTINGS_BY_NAME["api-url"].read(args, context.settings_env) or DEFAULT_API_URL

    async def fetch() -> list[Reported]:
        async with TesterArmyClient(url, key, route=route_for(url, context.network_env)) as client:
            run = await client.get_run(run_id)
        if run.status != "completed":
            raise UsageError(f"run {run_id} is {run.status}; accept a completed run")
        return from_run(run)

    return asyncio.run(fetch())


def main(argv: Sequence[str], env: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> int:
    from testerarmy_wait.config import secrets_in

    args = _parser().parse_args(list(argv))
    context = read_ci_context(env)
    redactor = Redactor(secrets_in(context.settings_env, argv))
    try:
        expires = _expiry(args.expires)
        path = Path(args.file)
        existing = read_baseline(path, args.file) if path.exists() else Baseline((), args.file)
        if args.from_report is not None:
            reported = _read_report(Path(args.from_report))
        else:
            reported = _fetch_run(args.run_id, context, args)
        scope: Scope = args.scope
        merged = merge(
            existing,
            reported,
            today=datetime.now(UTC).date(),
            scope=scope,
            reason=args.reason,
            expires=expires,
        )
        text = redactor.text(dump_baseline(merged.entries))  # no key in a committed file
        write_text_atomic(path, text)
    except UsageError as error:
        stderr.write(f"testerarmy-wait baseline: {redactor.message(str(error))}\n")
        return int(ExitCode.USAGE)
    except (TesterArmyWaitError, OSError) as error:
        stderr.write(f"testerarmy-wait baseline: {redactor.message(str(error))}\n")
        return int(ExitCode.API_ERROR)
    unknown = (
        f"; {merged.unknown_severity} of unknown severity not accepted"
        if merged.unknown_severity
        else ""
    )
    stdout.write(
        f"{args.file}: {merged.added} new entries, {merged.kept} kept "
        f"({merged.already_known} of the {len(reported)} issues were already in it{unknown}).\n"
    )
    return int(ExitCode.OK)
