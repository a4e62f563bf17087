"""Re-running only what failed, as pure decisions: the hidden state line and its reading, which
earlier state counts, what a re-run reuses and starts, and which reused runs still pass."""

from __future__ import annotations

from pathlib import Path

from testerarmy_wait.ci_context import CIContext, GitHubJob, GitLabJob
from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.rerun import (
    MAX_STATE_CHARS,
    AttemptKey,
    AttemptState,
    attempt_key,
    earlier_attempt,
    plan,
    read_state,
    start_key,
    state_line,
    state_of,
    verified,
)
from testerarmy_wait.start_request import StartRequest
from testerarmy_wait.verdict import RunVerdict, judge_run

T1, T2, T3 = (f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
R1, R2, R3 = (f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-0000000000a{n}" for n in (1, 2, 3))
GROUP = StartRequest("group", "99999999-0000-4000-8000-000000000009", {"platform": "web"})


def verdict(run_id: str, test_id: str | None, result: str = "PASS") -> RunVerdict:
    run = Run.model_validate(
        {
            "id": run_id,
            "status": "completed",
            "testId": test_id,
            "output": {"result": result, "featureName": "f", "issues": []},
        }
    )
    return judge_run(RunOutcome(run_id, StopReason.FINISHED, run=run), Policy())


def github(attempt: str, run_id: str = "31") -> CIContext:
    return CIContext("github", Path("."), github=GitHubJob(run_id=run_id, run_attempt=attempt))


KEY2 = AttemptKey("a" * 16, "2", True)


def test_a_state_line_reads_back_as_written_and_only_at_the_end_of_a_body() -> None:
    key = attempt_key(github("1"))
    assert key is not None
    assert key.is_rerun is False
    state = state_of([verdict(R1, T1), verdict(R2, T2, "FAILED")], key, start_key(GROUP))
    assert (state.passed, state.failed, state.complete) == (((T1, R1),), (T2,), True)
    line = state_line(state)
    assert line.startswith("<!-- ")
    assert line.endswith(" -->")
    assert "\n" not in line
    assert read_state(f"# verdict\n\ntext\n{line}") == state
    assert read_state(f"# verdict\n{line}\nsomething after it") is None  # not the last line
    assert read_state(line.replace(T1, "not-an-id")) is None


def test_a_test_failing_once_never_passed_and_a_run_naming_no_test_makes_it_incomplete() -> None:
    key = AttemptKey("a" * 16, "1", True)
    state = state_of([verdict(R1, T1), verdict(R2, T1, "FAILED")], key, "b" * 16)
    assert (state.passed, state.failed, state.complete) == ((), (T1,), True)
    assert state_of([verdict(R3, None)], key, "b" * 16).complete is False


def test_a_line_too_long_is_cut_and_says_it_is_incomplete() -> None:
    many = tuple((T1, R1) for _ in range(200))
    line = state_line(AttemptState("a" * 16, "1", "b" * 16, many, (), True))
    assert len(line) <= MAX_STATE_CHARS
    state = read_state(line)
    assert state is not None
    assert state.complete is False
    assert state.passed


def test_only_an_earlier_attempt_of_the_same_ci_run_and_start_counts() -> None:
    github_key = attempt_key(github("2"))
    assert github_key is not None
    assert github_key.is_rerun is True
    state = AttemptState(github_key.run, "1", "s" * 16, ((T1, R1),), (T2,), True)
    assert earlier_attempt(state, github_key, "s" * 16) == state
    assert earlier_attempt(state, github_key, "t" * 16) is None  # another start
    assert earlier_attempt(state, attempt_key(github("2", "32")) or KEY2, "s" * 16) is None
    later = AttemptState(github_key.run, "3", "s" * 16, (), (), True)
    assert earlier_attempt(later, github_key, "s" * 16) is None  # not an earlier one
    assert earlier_attempt(None, github_key, "s" * 16) is None
    gitlab = CIContext("gitlab", Path("."), gitlab=GitLabJob(pipeline_id="7", job_id="120"))
    gitlab_key = attempt_key(gitlab)
    assert gitlab_key is not None
    assert gitlab_key.is_rerun is None
    retried = AttemptState(gitlab_key.run, "118", "s" * 16, (), (T1,), True)
    assert earlier_attempt(retried, gitlab_key, "s" * 16) == retried
    same_job = AttemptState(gitlab_key.run, "120", "s" * 16, (), (T1,), True)
    assert earlier_attempt(same_job, gitlab_key, "s" * 16) is None
    assert attempt_key(CIContext("other", Path("."))) is None


def test_a_group_re_run_reuses_what_passed_and_starts_only_what_did_not() -> None:
    state = AttemptState("a" * 16, "1", "s" * 16, ((T1, R1),), (T2, T3), True)
    chosen = plan(GROUP, state)
    assert chosen.reuse == ((T1, R1),)
    assert chosen.requests is not None
    assert [(r.kind, r.target, r.body) for r in chosen.requests] == [
        ("test", T2, {"platform": "web"}),
        ("test", T3, {"platform": "web"}),
    ]
    incomplete = plan(GROUP, AttemptState("a" * 16, "1", "s" * 16, ((T1, R1),), (), False))
    assert (incomplete.reuse, incomplete.requests) == ((), None)


def test_a_test_re_run_starts_nothing_when_its_test_passed_and_everything_otherwise() -> None:
    test = StartRequest("test", T1, {})
    passed = plan(test, AttemptState("a" * 16, "1", "s" * 16, ((T1, R1),), (), True))
    assert (passed.reuse, passed.requests) == (((T1, R1),), ())
    failed = plan(test, AttemptState("a" * 16, "1", "s" * 16, (), (T1,), True))
    assert (failed.reuse, failed.requests) == ((), None)


def test_a_reused_run_counts_only_when_the_api_still_says_it_passed_that_test() -> None:
    claimed = [(T1, R1), (T2, R2), (T3, R3)]
    judged = [verdict(R1, T1), verdict(R2, T2, "FAILED"), verdict(R3, T1)]  # R3: another test
    kept, again = verified(claimed, judged)
    assert [run.run_id for run in kept] == [R1]
    assert again == [T2, T3]
    assert verified([(T1, R1)], []) == ([], [T1])  # not found at all


def test_an_attempt_that_is_not_plain_ascii_digits_names_no_key() -> None:
    for attempt in ("²", "", "1" * 21, "-1"):
        assert attempt_key(github(attempt)) is None
    assert attempt_key(github("3")) == AttemptKey(attempt_key(github("1")).run, "3", True)  # type: ignore[union-attr]


def test_a_state_line_glued_to_earlier_text_is_not_read() -> None:
    state = AttemptState("a" * 16, "1", "5" * 16, ((T1, R1),), (), True)
    glued = "x" * (MAX_STATE_CHARS * 2) + state_line(state)  # no line break before it
    assert read_state(glued) is None
    assert read_state("x" * (MAX_STATE_CHARS * 2) + "\n" + state_line(state)) == state
