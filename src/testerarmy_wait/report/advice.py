"""What a reader should check when a run could not be judged (plain text, our own words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from testerarmy_wait.outcome import StopReason
from testerarmy_wait.policy import ExitCode, Result
from testerarmy_wait.verdict import RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.baseline.matching import Match


def accept_command(run_id: str) -> str:
    """The command that accepts a run's issues into the baseline file."""
    return f"testerarmy-wait baseline --run-id {run_id}"


def possibly_known(match: Match, run_id: str) -> str:
    """A new issue that resembles a baseline entry: which one, why it is new all the same,
    and how to accept it if it is the same problem (plain text, the caller escapes it)."""
    entry = match.entry
    where = f"{entry.where}, " if entry.where else ""
    title = entry.title if len(entry.title) <= 160 else entry.title[:159] + "…"
    return (
        f"Possibly the known issue “{title}” ({where}{match.score:.2f} alike); new because "
        f"{match.doubt}. If it is the same problem, accept it: {accept_command(run_id)}"
    )


_KEY = "the API key (api-key input / TESTERARMY_API_KEY) is set and belongs to this project"


def _api(api_url: str | None) -> str:
    where = f" ({api_url})" if api_url else ""
    return f"the API URL{where} is right and reachable from the runner"


def run_advice(run: RunVerdict, *, api_url: str | None = None) -> list[str]:
    """Things to check for a run that did not reach a verdict on the app itself."""
    stop = run.outcome.stop if run.outcome is not None else None
    if run.result is Result.ERROR:
        if stop is StopReason.FINISHED and run.status == "failed":
            return [
                "This is not a verdict on your app: the tester.army worker broke before a "
                "normal finish. Retry the run.",
                "If it keeps failing, check the test's setup on tester.army (target URL "
                "reachable from tester.army, credentials, app build).",
            ]
        if stop is StopReason.FINISHED:
            return [
                "The run finished with an answer this version cannot judge; open it on "
                "tester.army and check for a newer testerarmy-wait.",
            ]
        if stop is StopReason.BATCH_CANCELLED:
            return [
                "Nothing ran: the server cancelled every run of the batch as it started "
                "them. Check on tester.army for runs of this group already under way, and "
                "the team's usage limits.",
            ]
        return [
            f"Check that {_KEY}.",
            f"Check that the run id {run.run_id} exists and was started in that project.",
            f"Check that {_api(api_url)}.",
        ]
    if run.result is Result.TIMEOUT:
        return [
            f"The run was still {run.status} when the deadline passed: raise timeout if "
            "runs usually take longer, or open the run on tester.army to see if it is stuck.",
            "tester.army may be queueing runs (usage limits, capacity).",
        ]
    if run.result is Result.CANCELLED:
        if stop is StopReason.INTERRUPTED:
            asked = (
                " The remote run was asked to cancel."
                if run.outcome is not None and run.outcome.cancel_requested
                else ""
            )
            return [f"The CI job was cancelled while waiting.{asked}"]
        if stop is StopReason.CANCELLED_AT_START:
            return [
                "The server cancelled the run as it was started (e.g. a newer run replaced it)."
            ]
        return ["Someone cancelled the run on tester.army before it finished."]
    return []


def verdict_advice(verdict: Verdict, *, api_url: str | None = None) -> list[str]:
    """Things to check when the whole invocation failed before or around the runs."""
    if verdict.problem is None:
        return []
    if verdict.exit_code is ExitCode.USAGE:
        return [
            "Nothing was requested from tester.army. Check the step's inputs: run-id "
            "(one UUID per run), api-key, api-url, timeout, fail-on, min-severity.",
        ]
    return [
        f"Check that {_KEY}.",
        "Check that the test, group or project id given to start the runs exists.",
        f"Check that {_api(api_url)}.",
    ]
