"""The two tiers of a match: a confident match is known and never blocks; a weaker one, a worse
severity or a close rival leaves the issue new, shown as possibly the known issue with the
command that accepts it. Entries of version 2 (expected and actual behaviour, reproduction
steps, the test step) are placed by page, step or area; entries of version 1 match as then."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from testerarmy_wait.baseline.fingerprint import page_of, step_at
from testerarmy_wait.baseline.matching import THRESHOLD, Found, Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.baseline.writer import Reported, entry_for, merge
from testerarmy_wait.models import Issue, Run, Step
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import ExitCode, Policy, Result
from testerarmy_wait.report.blocks import run_lines
from testerarmy_wait.report.json_report import render_json
from testerarmy_wait.report.junit import render_junit
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import Verdict, decide
from tests.report.html_check import assert_safe, visible_text

TODAY = date(2026, 12, 2)
TEST = "5d0c1f7e-8a2b-4c3d-9e4f-0a1b2c3d4e5f"
RUN = "0b1c2d3e-0000-4000-8000-0000000000aa"
BANK = "https://bank.example.com"

NEGATIVE: dict[str, Any] = {
    "name": "Amount field accepts negative numbers",
    "description": "The transfer amount input takes -50 without any validation message.",
    "url": f"{BANK}/transfers/new",
    "expectedBehavior": "Negative amounts are rejected with a validation error.",
    "actualBehavior": "-50 is accepted and the form can be submitted.",
    "reproductionSteps": ["Open a new transfer", "Type -50 as the amount", "Press Continue"],
    "severity": 4,
}
NEGATIVE_AGAIN: dict[str, Any] = {
    "name": "Negative amount accepted by the transfer form",
    "description": "A minus amount such as -20 passes the amount field's validation.",
    "url": f"{BANK}/transfers/confirm/tr_88a1",
    "expectedBehavior": "Amounts below zero are rejected with a validation error.",
    "actualBehavior": "-20 is accepted and the transfer can be submitted.",
    "reproductionSteps": ["Open a new transfer", "Enter -20 as the amount", "Submit"],
    "severity": 4,
}
ROUNDED: dict[str, Any] = {
    "name": "Transfer amount silently rounded to whole euros",
    "description": "Entering 12.75 in the amount field results in a transfer of 13.00.",
    "url": f"{BANK}/transfers/new",
    "expectedBehavior": "The transfer is made for exactly the amount typed.",
    "actualBehavior": "The confirmation shows 13.00.",
    "reproductionSteps": ["Open a new transfer", "Type 12.75 as the amount", "Submit"],
    "severity": 4,
}
STEP = "Enter the amount"


def issue(raw: dict[str, Any], **fields: Any) -> Issue:
    return Issue.model_validate({**raw, **fields})


def accepted(raw: dict[str, Any], step: str | None = STEP, **fields: Any) -> Entry:
    """The entry ``testerarmy-wait baseline`` writes for the issue."""
    made = entry_for(
        Reported(TEST, "Transfers", issue(raw), step), scope="test", reason=None, expires=None
    )
    return Entry(**{**{f: getattr(made, f) for f in _FIELDS}, **fields})


_FIELDS = (
    *("title", "type", "description", "page", "test_id", "severity"),
    *("expected", "actual", "reproduction", "step"),
)


def found(
    entries: list[Entry], issues: list[Issue], steps: list[str | None] | None = None
) -> Found:
    matcher = Matcher(Baseline(tuple(entries), "b.json"), TODAY)
    return matcher.match(
        issues, test_id=TEST, feature="Transfers", steps=steps or [STEP] * len(issues)
    )


def test_a_reworded_report_on_another_page_of_the_same_step_is_known() -> None:
    result = found([accepted(NEGATIVE)], [issue(NEGATIVE_AGAIN)])
    assert page_of(NEGATIVE_AGAIN["url"]) == "/transfers/confirm/*"  # a prefixed id is an id
    [(n, match)] = result.known.values()
    assert n == 0
    assert match.known
    assert match.score >= THRESHOLD
    assert "step Enter the amount" in match.why
    assert result.possible == {}


def test_a_new_problem_beside_a_known_one_is_never_known() -> None:
    """Same page, same step, shared words: the rounding problem is not the negative one."""
    result = found([accepted(NEGATIVE)], [issue(ROUNDED)])
    assert result.known == {}
    for _n, match in result.possible.values():
        assert not match.known
        assert f"below the {THRESHOLD:.2f} of a known issue" in match.doubt


def test_a_worse_or_unreadable_severity_is_only_possibly_known() -> None:
    for reported, doubt in (
        (issue(NEGATIVE, severity=5), "severity 5 is worse than the 4 accepted"),
        (issue(NEGATIVE, severity=None), "its severity could not be read"),
    ):
        result = found([accepted(NEGATIVE)], [reported])
        assert result.known == {}
        [(_n, match)] = result.possible.values()
        assert match.doubt == doubt


def test_an_issue_alike_two_different_problems_is_only_possibly_known() -> None:
    """Two entries that share no word, and a report that says both: as alike to either, so
    no guess is made (six content words each, so the likenesses tie)."""
    freeze = {"name": "Freeze toggle ignored", "description": "Blocking the card has no effect."}
    limit = {"name": "Spending limit slider resets", "description": "The cap is undone."}
    where = {"url": f"{BANK}/cards/4410", "severity": 3}
    both = {
        "name": f"{freeze['name']}; {limit['name']}",
        "description": f"{freeze['description']} {limit['description']}",
        **where,
    }
    entries = [accepted({**freeze, **where}), accepted({**limit, **where})]
    result = found(entries, [issue(both)])
    assert result.known == {}
    [(_n, match)] = result.possible.values()
    assert match.doubt == "another entry or issue is nearly as alike (0.67)"


def test_two_wordings_of_one_problem_in_the_baseline_are_not_rivals() -> None:
    entries = [accepted(NEGATIVE), accepted(NEGATIVE_AGAIN)]
    result = found(entries, [issue(NEGATIVE_AGAIN, name="Negative transfer amount accepted")])
    assert len(result.known) == 1
    assert result.possible == {}


def test_a_look_alike_never_takes_a_second_wording_of_a_problem_already_found() -> None:
    """The baseline holds two wordings of every problem of the sandbox's sign-up page but
    one; the run reports all three. The new one (no live announcement of the e-mail error) is
    as alike to one wording of "invalid e-mail accepted" as anything (0.53), and that
    problem's own report took its other wording: it still stands as a rival, and the titles
    say two different things, so the new one stays new."""
    from testerarmy_wait_sandbox.rewordings import problem

    new, known = problem("signup-email-error-text"), problem("signup-email-validation")
    neighbour = problem("signup-password-hint")
    entries = [
        entry_for(Reported(None, "", Issue.model_validate(p.issue(n))), scope="test",
                  reason=None, expires=None)
        for p in (known, neighbour)
        for n in (0, 1)
    ]  # fmt: skip
    run = [Issue.model_validate(p.issue(2)) for p in (known, neighbour, new)]
    matcher = Matcher(Baseline(tuple(entries), "b.json"), TODAY)
    result = matcher.match(run, test_id=None, feature="")
    assert {i: n for i, (n, _match) in result.known.items()} == {0: 0}
    n, match = result.possible[2]
    assert entries[n].title == known.issue(1)["name"]
    assert match.doubt.startswith("the titles are 0.11 alike")


def test_a_new_problem_reported_alone_is_not_taken_for_a_known_look_alike() -> None:
    """Only "checkout hangs after paying" is known, in any of its five wordings; the run
    reports only "a card expiring this month is refused" (the known one fixed, say). Nothing
    stands as a rival, and the reports share 0.43-0.53 of their weighted words (card,
    payment, checkout, the steps); the titles share little, so it is only possibly known."""
    from testerarmy_wait_sandbox.rewordings import problem

    payment, expiry = problem("checkout-payment"), problem("checkout-card-expiry")
    run = [Issue.model_validate(expiry.issue(3))]
    for wording in range(5):
        known = entry_for(
            Reported(None, "", Issue.model_validate(payment.issue(wording))),
            scope="any",
            reason=None,
            expires=None,
        )
        result = Matcher(Baseline((known,), "b.json"), TODAY).match(run, test_id=None, feature="")
        assert result.known == {}
        [(_n, match)] = result.possible.values()
        assert match.score >= THRESHOLD
        assert match.doubt.startswith("the titles are 0.2")


def test_an_entry_elsewhere_in_the_app_is_not_compared() -> None:
    elsewhere = accepted(NEGATIVE, page="/cards/*", step="Open the card settings")
    assert found([elsewhere], [issue(NEGATIVE)]) == Found()


def test_a_version_1_entry_matches_as_then_and_is_completed_when_accepted_again() -> None:
    old = Entry(
        title=NEGATIVE["name"],
        description=NEGATIVE["description"],
        page="/transfers/new",
        test_id=TEST,
        severity=4,
        reason="BANK-1",
    )
    assert old.legacy
    reworded = issue(NEGATIVE, name="Amount field accepts negative values")
    [(_n, match)] = found([old], [reworded]).known.values()
    assert "at least 0.30" in match.why
    merged = merge(
        Baseline((old,), "b.json"), [Reported(TEST, "Transfers", reworded, STEP)], today=TODAY
    )
    [completed] = merged.entries
    assert merged.added == 0
    assert (completed.title, completed.reason) == (old.title, "BANK-1")
    assert completed.step == STEP
    assert completed.expected
    assert completed.reproduction
    assert not completed.legacy


def test_the_step_of_an_issue_is_the_one_running_at_its_time() -> None:
    steps = [
        Step.model_validate(
            {"stepIndex": 0, "title": "Sign in", "startedAtMs": 0, "completedAtMs": 9000}
        ),
        Step.model_validate(
            {"stepIndex": 1, "title": STEP, "startedAtMs": 9000, "completedAtMs": 20000}
        ),
        Step.model_validate(
            {"stepIndex": 2, "title": "", "startedAtMs": 20000, "completedAtMs": 30000}
        ),
    ]
    assert step_at(12000, steps) == STEP
    assert step_at(9000, steps) == "Sign in"  # the first that holds it
    assert step_at(25000, steps) is None  # a step without a title says nothing
    assert step_at(None, steps) is None
    assert step_at(99000, steps) is None


# ------------------------------------------------------------------ what the reports say


def judged() -> Verdict:
    run = Run.model_validate(
        {
            "id": RUN,
            "status": "completed",
            "testId": TEST,
            "output": {
                "featureName": "Transfers",
                "result": "FAILED",
                "issues": [dict(NEGATIVE, severity=5, tMs=12000)],
                "steps": [
                    {
                        "stepIndex": 0,
                        "title": STEP,
                        "status": "failed",
                        "startedAtMs": 9000,
                        "completedAtMs": 20000,
                    }
                ],
            },
        }
    )
    outcome = RunOutcome(run_id=run.id, stop=StopReason.FINISHED, run=run, polls=1)
    baseline = Baseline((accepted(NEGATIVE, line=4),), "qa/b.json")
    return decide([outcome], Policy(), baseline=baseline, today=TODAY)


def test_a_possibly_known_issue_still_fails_the_job() -> None:
    v = judged()
    assert (v.result, v.exit_code) == (Result.FAILED, ExitCode.POLICY_FAILURE)
    assert (v.blocking_issue_count, v.known_issue_count) == (1, 0)
    assert v.baseline is not None
    assert v.baseline.possible == 1
    assert v.baseline.no_longer_seen == ()  # the entry was seen, possibly


def test_every_report_shows_the_known_issue_it_may_be_and_how_to_accept_it() -> None:
    v = judged()
    command = f"testerarmy-wait baseline --run-id {RUN}"
    summary = render_summary(v)
    assert_safe(summary)
    text = visible_text(summary)
    assert "possibly known" in text
    assert f"Possibly the known issue “{NEGATIVE['name']}” (line 4, " in text
    assert "severity 5 is worse than the 4 accepted" in text
    assert command in text
    report = json.loads(render_json(v))
    maybe = report["runs"][0]["issues"][0]["possiblyKnown"]
    assert maybe["baselineEntry"]["line"] == 4
    assert maybe["accept"] == command
    assert maybe["newBecause"] == "severity 5 is worse than the 4 accepted"
    assert report["baseline"]["possiblyKnownCount"] == 1
    junit = ET.fromstring(render_junit(v))
    [failure] = [f for f in junit.iter("failure") if NEGATIVE["name"] in (f.text or "")]
    assert "Possibly the known issue" in (failure.text or "")
    assert command in (failure.text or "")
    lines = "\n".join(run_lines(v.runs[0], color=False))
    assert "Possibly the known issue" in lines
    assert command in lines
