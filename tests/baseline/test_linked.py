"""Entries linked as wordings of one problem (``problem``): the baseline command links a
report it accepts as possibly an entry; the matcher does not set them against each other, and
once one matched, a look-alike gets none of the others."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from testerarmy_wait.baseline.file import dump_baseline, parse_baseline
from testerarmy_wait.baseline.matching import Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.baseline.writer import Reported, entry_for, merge
from testerarmy_wait.models import Issue
from testerarmy_wait.sandbox.rewordings import Problem, problem

TODAY = date(2026, 12, 1)


def report(of: Problem, wording: int) -> Issue:
    return Issue.model_validate(of.issue(wording))


def entry(of: Problem, wording: int, name: str | None = None) -> Entry:
    made = entry_for(
        Reported(None, "", report(of, wording)), scope="any", reason=None, expires=None
    )
    return replace(made, problem=name)


def test_two_linked_wordings_are_not_rivals_where_two_unlinked_ones_are() -> None:
    """Wordings 2 and 4 of "checkout hangs after paying" are less alike than the threshold;
    wording 0 is as alike to both. Unlinked they stand in each other's way; linked, it is
    known."""
    payment = problem("checkout-payment")
    for name, known in ((None, False), ("checkout-hangs", True)):
        baseline = Baseline((entry(payment, 2, name), entry(payment, 4, name)))
        found = Matcher(baseline, TODAY).match([report(payment, 0)], test_id=None, feature="")
        assert (0 in found.known) is known
        assert (0 in found.possible) is not known


def test_once_a_problem_is_found_a_look_alike_gets_none_of_its_other_wordings() -> None:
    """Two wordings of "invalid e-mail accepted", linked; the run reports it and a new
    problem of the same form. Unlinked, the new one is shown as possibly the wording the
    known report did not take; linked, it is plainly new."""
    known, new = problem("signup-email-validation"), problem("signup-email-error-text")
    run = [report(known, 2), report(new, 2)]
    for name, shown in ((None, True), ("email-accepted", False)):
        baseline = Baseline((entry(known, 0, name), entry(known, 1, name)))
        found = Matcher(baseline, TODAY).match(run, test_id=None, feature="")
        assert set(found.known) == {0}
        assert 1 not in found.known
        assert (1 in found.possible) is shown


def test_one_problem_reported_twice_matches_two_of_its_wordings() -> None:
    payment = problem("checkout-payment")
    baseline = Baseline((entry(payment, 1, "hangs"), entry(payment, 3, "hangs")))
    run = [report(payment, 1), report(payment, 3)]
    found = Matcher(baseline, TODAY).match(run, test_id=None, feature="")
    assert {i: n for i, (n, _match) in found.known.items()} == {0: 0, 1: 1}


def test_accepting_a_possibly_known_report_links_it_to_the_entry_and_writes_version_3() -> None:
    """The checkout page's three problems accepted in one wording, then a run reporting them
    in others: two are known, the payment problem only possibly; accepted, it becomes a
    second wording of the first, both named after the first's title."""
    page = [problem(key) for key in ("checkout-payment", "checkout-pay-button-contrast",
                                     "checkout-card-expiry")]  # fmt: skip
    first = merge(Baseline(()), [Reported(None, "", report(p, 1)) for p in page], today=TODAY)
    assert first.linked == 0
    assert json.loads(dump_baseline(first.entries))["version"] == 2
    run = [Reported(None, "", report(p, 4)) for p in page]
    second = merge(Baseline(tuple(first.entries)), run, today=TODAY)
    assert (second.added, second.linked, second.already_known) == (1, 1, 2)
    named = [e for e in second.entries if e.problem is not None]
    assert [e.title for e in named] == [page[0].issue(1)["name"], page[0].issue(4)["name"]]
    assert {e.problem for e in named} == {"checkout-hangs-after-paying-with-a-valid-card"}
    text = dump_baseline(second.entries)
    assert json.loads(text)["version"] == 3
    read = parse_baseline(text, "b.json")
    assert sorted(e.problem or "" for e in read.entries) == sorted(
        e.problem or "" for e in second.entries
    )


def test_a_name_is_cut_at_a_word_and_never_taken_twice() -> None:
    from testerarmy_wait.baseline.writer import _problem_name

    long = Entry(title="Payment form says the card is expired when it expires this month")
    assert _problem_name(long, []) == "payment-form-says-the-card-is-expired-when-it"
    taken = [replace(long, problem="payment-form-says-the-card-is-expired-when-it")]
    assert _problem_name(long, taken) == "payment-form-says-the-card-is-expired-when-it-2"
    assert _problem_name(Entry(title="¡¿!"), []) == "problem"
