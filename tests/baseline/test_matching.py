"""Matching issues to baseline entries, and what the verdict makes of it."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from testerarmy_wait.baseline.matching import Found, Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.models import Issue, Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import ExitCode, Policy, Result
from testerarmy_wait.verdict import decide
from testerarmy_wait_sandbox.rewordings import KNOWN_SET, problem

TODAY = date(2026, 11, 29)
TEST = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
OTHER_TEST = "a81b07d4-2c3e-4f5a-8b9c-0d1e2f3a4b5c"


def entry(key: str, wording: int = 0, **fields: Any) -> Entry:
    raw = problem(key).issue(wording)
    from testerarmy_wait.baseline.fingerprint import page_of

    defaults: dict[str, Any] = {
        "title": raw["name"],
        "description": raw["description"],
        "type": raw["type"],
        "page": page_of(raw["url"]),
        "severity": raw["severity"],
    }
    return Entry(**{**defaults, **fields})


def issue(key: str, wording: int, **fields: Any) -> Issue:
    return Issue.model_validate({**problem(key).issue(wording), **fields})


def found_in(entries: list[Entry], issues: list[Issue], **where: Any) -> Found:
    return Matcher(Baseline(tuple(entries), "b.json"), TODAY).match(
        issues,
        test_id=where.get("test_id"),
        feature=where.get("feature", ""),
        steps=where.get("steps", ()),
    )


def match(entries: list[Entry], issues: list[Issue], **where: Any) -> dict[int, int]:
    """Issue -> entry, known matches only."""
    return {i: n for i, (n, _m) in found_in(entries, issues, **where).known.items()}


def possible(entries: list[Entry], issues: list[Issue], **where: Any) -> dict[int, int]:
    """Issue -> entry, issues shown as possibly that entry (new all the same)."""
    return {i: n for i, (n, _m) in found_in(entries, issues, **where).possible.items()}


def test_reworded_reports_match_their_own_entries_one_to_one() -> None:
    entries = [entry(k, 0) for k in KNOWN_SET]
    issues = [issue(k, 3) for k in reversed(KNOWN_SET)]
    assert match(entries, issues) == {0: 3, 1: 2, 2: 1, 3: 0}


def test_a_new_problem_on_a_known_page_matches_nothing() -> None:
    entries = [entry(k, 0) for k in KNOWN_SET]
    issues = [issue("order-invoice", 1), issue("order-total", 4)]
    assert match(entries, issues) == {1: 3}


def test_one_entry_matches_one_issue_of_a_run() -> None:
    entries = [entry("order-total", 0)]
    issues = [issue("order-total", 1), issue("order-total", 3)]
    assert len(match(entries, issues)) == 1


def test_scope_test_id_feature_or_any() -> None:
    by_test = [entry("order-total", test_id=TEST)]
    by_feature = [entry("order-total", feature="Account  Settings")]
    anywhere = [entry("order-total")]
    reported = [issue("order-total", 1)]
    assert match(by_test, reported, test_id=TEST) == {0: 0}
    assert match(by_test, reported, test_id=OTHER_TEST) == {}
    assert match(by_test, reported) == {}
    assert match(by_feature, reported, feature="account settings") == {0: 0}
    assert match(by_feature, reported, feature="Checkout") == {}
    assert match(anywhere, reported, test_id=OTHER_TEST, feature="x") == {0: 0}


def test_type_page_and_severity_gate_the_match() -> None:
    reported = issue("order-total", 1)
    assert match([entry("order-total", type="warning")], [reported]) == {}
    assert match([entry("order-total", page="/cart")], [reported]) == {}
    assert match([entry("order-total", page=None)], [reported]) == {0: 0}  # any page
    assert match([entry("order-total", severity=3)], [reported]) == {}  # it got worse
    assert match([entry("order-total", severity=None)], [reported]) == {0: 0}
    unknown = issue("order-total", 1, severity=None)
    assert match([entry("order-total", severity=None)], [unknown]) == {}


def test_an_expired_entry_matches_nothing() -> None:
    reported = [issue("order-total", 1)]
    assert match([entry("order-total", expires=date(2026, 11, 28))], reported) == {}
    assert match([entry("order-total", expires=TODAY)], reported) == {0: 0}  # through the day


def test_matching_is_deterministic_whatever_the_order_of_entries() -> None:
    entries = [entry(k, w) for k in KNOWN_SET for w in (0, 1)]
    issues = [issue(k, 4) for k in KNOWN_SET]
    expected = {i: entries[n].title for i, n in match(entries, issues).items()}
    rng = random.Random(3)
    for _ in range(5):
        shuffled = entries[:]
        rng.shuffle(shuffled)
        got = {i: shuffled[n].title for i, n in match(shuffled, issues).items()}
        assert got == expected  # the same entry for every issue, whatever the order
    assert len(expected) == len(issues)
    for i, title in expected.items():
        assert problem(KNOWN_SET[i]).titles.index(title) in (0, 1)  # its own problem's entry


def test_each_match_says_which_entry_and_why() -> None:
    found = Matcher(Baseline((entry("order-total", line=7),), "b.json"), TODAY).match(
        [issue("order-total", 1)], test_id=None, feature=""
    )
    why = found.known[0][1].why
    assert "line 7" in why
    assert "page /orders/*" in why
    assert "alike (at least 0.30" in why  # an entry of version 1: titles compared as then
    assert "shipping" in why or "total" in why


# ------------------------------------------------------------------ the verdict


def run_of(issues: list[dict[str, Any]], *, result: str = "FAILED", test_id: str = TEST) -> Run:
    return Run.model_validate(
        {
            "id": "0b1c2d3e-0000-4000-8000-00000000000" + str(len(issues) % 10),
            "status": "completed",
            "testId": test_id,
            "output": {"featureName": "Account settings", "result": result, "issues": issues},
        }
    )


def judged(run: Run, entries: list[Entry], today: date = TODAY) -> Any:
    outcome = RunOutcome(run_id=run.id, stop=StopReason.FINISHED, run=run, polls=2)
    return decide([outcome], Policy(), baseline=Baseline(tuple(entries), "b.json"), today=today)


def test_known_issues_never_block_and_new_ones_still_do() -> None:
    entries = [entry(k, 0) for k in KNOWN_SET]
    known_only = judged(run_of([problem(k).issue(3) for k in KNOWN_SET]), entries)
    assert (known_only.result, known_only.exit_code) == (Result.PASS, ExitCode.OK)
    assert known_only.known_issue_count == 4
    assert known_only.blocking_issue_count == 0
    assert known_only.issue_count == 4
    assert "4 known" in known_only.headline
    assert "known (in the baseline)" in known_only.runs[0].reason

    with_new = judged(
        run_of([problem(k).issue(3) for k in KNOWN_SET] + [problem("order-invoice").issue(0)]),
        entries,
    )
    assert (with_new.result, with_new.exit_code) == (Result.FAILED, ExitCode.POLICY_FAILURE)
    assert with_new.blocking_issue_count == 1
    assert [i.name for i in with_new.runs[0].blocking_issues] == [
        problem("order-invoice").titles[0]
    ]
    assert with_new.headline == "FAILED: 1 blocking issue (4 known)"


def test_no_longer_seen_and_expired_entries_are_reported_never_failing() -> None:
    fixed = [k for k in KNOWN_SET if k != "profile-avatar"]
    entries = [entry(k, 0) for k in KNOWN_SET] + [
        entry("signup-password-hint", 0, expires=date(2026, 1, 1)),
        entry("dashboard-chart", 0, test_id=OTHER_TEST),  # another test: not judged here
    ]
    verdict = judged(run_of([problem(k).issue(4) for k in fixed]), entries)
    assert verdict.result is Result.PASS
    outcome = verdict.baseline
    assert outcome is not None
    assert [e.title for e in outcome.no_longer_seen] == [problem("profile-avatar").titles[0]]
    assert [e.title for e in outcome.expired] == [problem("signup-password-hint").titles[0]]
    assert (outcome.entries, outcome.known) == (6, 3)


def test_a_run_that_did_not_finish_makes_no_entry_no_longer_seen() -> None:
    run = Run.model_validate({"id": "0b1c2d3e-0000-4000-8000-000000000001", "status": "running"})
    outcome = RunOutcome(run_id=run.id, stop=StopReason.TIMEOUT, run=run, polls=9)
    verdict = decide(
        [outcome], Policy(), baseline=Baseline((entry("order-total"),), "b.json"), today=TODAY
    )
    assert verdict.result is Result.TIMEOUT
    assert verdict.baseline is not None
    assert verdict.baseline.no_longer_seen == ()
