"""Re-running only what failed: on a re-run of the same CI job, the tests that passed in the
previous attempt are not started again; their passing runs are reported as passed in the
previous attempt, and only the rest start.

The previous attempt is told by a hidden line at the end of this job's pull (merge) request
comment, written by the token's own account (``AttemptState``): which CI run and attempt
wrote it, what was started, which tests passed in which run and which did not. A run named
there is reused only when the API, asked again, still says it passed that test
(``verified``). Pure: the line, its reading and the plan; the comment is read in
``ci.previous_attempt`` and the plan carried out in ``job``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from testerarmy_wait.ci_context import CIContext
from testerarmy_wait.ids import canonical_uuid
from testerarmy_wait.policy import Result
from testerarmy_wait.retrying import test_request
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.verdict import RunVerdict

#: The hidden line is kept short: past this, tests are left out and the state says so.
MAX_STATE_CHARS: Final = 4_000
_PREFIX: Final = "<!-- testerarmy-wait attempt "
_UUID: Final = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_STATE_RE: Final = re.compile(
    r"(?:\A|\n)<!-- testerarmy-wait attempt run=(?P<run>[0-9a-f]{16}) "
    r"attempt=(?P<attempt>[0-9]{1,20}) start=(?P<start>[0-9a-f]{16}) "
    r"complete=(?P<complete>[01]) "
    rf"passed=(?P<passed>(?:{_UUID}:{_UUID}(?:,{_UUID}:{_UUID})*)?) "
    rf"failed=(?P<failed>(?:{_UUID}(?:,{_UUID})*)?) -->\s*\Z"
)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


@dataclass(frozen=True)
class AttemptKey:
    """Which CI run this job belongs to and which attempt of it this is: GitHub's run id and
    run attempt (numbered: a re-run has a higher one), GitLab's pipeline id and job id (a
    retried job keeps the pipeline and gets a new job id)."""

    run: str  # a hash: the state line names no CI internals
    attempt: str
    numbered: bool

    @property
    def is_rerun(self) -> bool | None:
        """Whether this attempt is a re-run: known on GitHub, unknown (None) on GitLab."""
        return int(self.attempt) > 1 if self.numbered else None


def attempt_key(context: CIContext) -> AttemptKey | None:
    """This job's CI run and attempt, or None where the platform names none."""
    github, gitlab = context.github, context.gitlab
    if github is not None and github.run_id and _number(github.run_attempt):
        return AttemptKey(_hash("github|" + github.run_id), github.run_attempt, True)
    if gitlab is not None and gitlab.pipeline_id and _number(gitlab.job_id):
        return AttemptKey(_hash("gitlab|" + gitlab.pipeline_id), gitlab.job_id, False)
    return None


def _number(text: str) -> bool:
    """Whether ``text`` is an attempt as the state line writes it: 1 to 20 ASCII digits."""
    return 0 < len(text) <= 20 and text.isascii() and text.isdigit()


def start_key(request: StartRequest) -> str:
    """What was started, as far as a re-run must match it: the kind and the target."""
    return _hash(f"{request.kind}|{request.target}")


@dataclass(frozen=True)
class AttemptState:
    """What one attempt of the job left for the next."""

    run: str
    attempt: str
    start: str
    passed: tuple[tuple[str, str], ...]  # (test id, run id) of every test that passed
    failed: tuple[str, ...]  # test ids of the tests that did not
    complete: bool  # every run named its test and every test fits in the line


def state_of(runs: Sequence[RunVerdict], key: AttemptKey, start: str) -> AttemptState:
    """This attempt's state, from its runs' verdicts (a run that names no test makes the
    state incomplete: its test cannot be started alone)."""
    passed: dict[str, str] = {}
    failed: dict[str, None] = {}
    complete = True
    for run in runs:
        test_id = canonical_uuid(run.run.test_id if run.run is not None else None)
        run_id = canonical_uuid(run.run_id)
        if test_id is None or run_id is None:
            complete = False
        elif run.result is Result.PASS and not run.fails_policy:
            passed.setdefault(test_id, run_id)
        else:
            failed[test_id] = None
    for test_id in failed:  # one pass and one failure of a test: it did not pass
        passed.pop(test_id, None)
    return AttemptState(key.run, key.attempt, start, tuple(passed.items()), tuple(failed), complete)


def state_line(state: AttemptState) -> str:
    """The hidden line, cut to ``MAX_STATE_CHARS`` (what is left out makes it incomplete)."""
    passed, failed = list(state.passed), list(state.failed)
    complete = state.complete
    while True:
        line = (
            f"{_PREFIX}run={state.run} attempt={state.attempt} start={state.start} "
            f"complete={int(complete)} passed={','.join(f'{t}:{r}' for t, r in passed)} "
            f"failed={','.join(failed)} -->"
        )
        if len(line) <= MAX_STATE_CHARS:
            return line
        complete = False
        if failed:
            failed.pop()
        else:
            passed.pop()


def read_state(body: str) -> AttemptState | None:
    """The state on the last line of a comment ``body``, or None when there is none."""
    match = _STATE_RE.search(body, max(0, len(body) - MAX_STATE_CHARS - 16))
    if match is None:
        return None
    passed = tuple((pair[:36], pair[37:]) for pair in match["passed"].split(",") if pair)
    return AttemptState(
        run=match["run"],
        attempt=match["attempt"],
        start=match["start"],
        passed=passed,
        failed=tuple(t for t in match["failed"].split(",") if t),
        complete=match["complete"] == "1",
    )


def earlier_attempt(state: AttemptState | None, key: AttemptKey, start: str) -> AttemptState | None:
    """``state`` when it was left by an earlier attempt of this very CI run and start."""
    if state is None or state.run != key.run or state.start != start:
        return None
    if state.attempt == key.attempt:
        return None
    if key.numbered and int(state.attempt) >= int(key.attempt):
        return None
    return state


@dataclass(frozen=True)
class RerunPlan:
    """What a re-run does: the runs it reuses (to be verified), and what it starts: None to
    start as the settings say, else these requests (none at all when everything passed)."""

    reuse: tuple[tuple[str, str], ...]
    requests: tuple[StartRequest, ...] | None
    note: str


def _tests(count: int) -> str:
    return f"{count} test{'' if count == 1 else 's'}"


def plan(request: StartRequest, previous: AttemptState) -> RerunPlan:
    """Which of the previous attempt's passing runs to reuse and what to start instead."""
    if request.kind == "test":
        reuse = tuple(p for p in previous.passed if p[0] == request.target.lower())
        if not reuse:
            return RerunPlan((), None, "its test did not pass then: starting it again")
        return RerunPlan(reuse[:1], (), "its test passed then: not started again")
    if not previous.complete:
        return RerunPlan((), None, "its list of tests is incomplete: starting every test again")
    requests = tuple(test_request(request, test_id) for test_id in previous.failed)
    return RerunPlan(
        previous.passed,
        requests,
        f"{_tests(len(previous.passed))} passed then and are not started again; "
        f"starting the {_tests(len(requests))} that did not",
    )


def verified(
    claimed: Iterable[tuple[str, str]], judged: Sequence[RunVerdict]
) -> tuple[list[RunVerdict], list[str]]:
    """(the reused runs the API still says passed their test, the tests of those it does
    not): a run is reused only when it passes under today's policy and baseline and names
    the test the state says it ran."""
    by_run = {run.run_id.lower(): run for run in judged}
    kept: list[RunVerdict] = []
    again: list[str] = []
    for test_id, run_id in claimed:
        run = by_run.get(run_id)
        test = run.run.test_id if run is not None and run.run is not None else None
        if (
            run is not None
            and run.result is Result.PASS
            and not run.fails_policy
            and canonical_uuid(test) == test_id
        ):
            kept.append(run)
        else:
            again.append(test_id)
    return kept, again
