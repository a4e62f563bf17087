"""Writing a baseline: merging keeps what is there, one entry per issue, stable output."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from testerarmy_wait.baseline.file import dump_baseline
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.baseline.writer import Reported, from_report, merge
from testerarmy_wait.errors import UsageError
from testerarmy_wait.models import Issue
from testerarmy_wait_sandbox.rewordings import KNOWN_SET, problem

TODAY = date(2026, 11, 29)
TEST = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"


def reported(wording: int, keys: tuple[str, ...] = KNOWN_SET) -> list[Reported]:
    return [
        Reported(TEST, "Account settings", Issue.model_validate(problem(k).issue(wording)))
        for k in keys
    ]


def test_a_new_baseline_has_one_entry_per_issue_scoped_to_the_test() -> None:
    merged = merge(Baseline((), "b.json"), reported(0), today=TODAY, reason="SHOP-1")
    assert (merged.added, merged.kept, merged.already_known) == (4, 0, 0)
    assert {e.test_id for e in merged.entries} == {TEST}
    assert {e.reason for e in merged.entries} == {"SHOP-1"}
    assert {e.page for e in merged.entries} == {"/settings/profile", "/orders/*"}


def test_merging_again_keeps_reasons_and_expiry_and_adds_only_what_is_new() -> None:
    existing = merge(
        Baseline((), "b.json"), reported(0), today=TODAY, reason="SHOP-1", expires=date(2027, 3, 1)
    ).entries
    text = dump_baseline(existing)
    again = merge(
        Baseline(tuple(existing), "b.json"),
        reported(1, (*KNOWN_SET, "order-invoice")),
        today=TODAY,
        reason="SHOP-2",
    )
    assert (again.added, again.kept, again.already_known) == (1, 4, 4)
    assert again.entries[:4] == existing
    assert [e.reason for e in again.entries] == ["SHOP-1"] * 4 + ["SHOP-2"]
    assert all(e.expires == date(2027, 3, 1) for e in again.entries[:4])
    assert dump_baseline(again.entries).count('"title"') == 5
    unchanged = merge(Baseline(tuple(existing), "b.json"), reported(1), today=TODAY)
    assert unchanged.added == 0
    assert dump_baseline(unchanged.entries) == text


@pytest.mark.parametrize(("scope", "field"), [("feature", "feature"), ("any", None)])
def test_scope_can_be_the_feature_or_any_test(scope: Any, field: str | None) -> None:
    [first, *_] = merge(Baseline((), "b.json"), reported(0), today=TODAY, scope=scope).entries
    assert first.test_id is None
    assert first.feature == ("Account settings" if field else None)


def test_an_issue_of_unknown_severity_is_never_accepted() -> None:
    raw = {**problem("order-total").issue(0), "severity": None}
    merged = merge(
        Baseline((), "b.json"),
        [Reported(TEST, "F", Issue.model_validate(raw))],
        today=TODAY,
    )
    assert (merged.added, merged.unknown_severity) == (0, 1)


def test_reports_that_are_not_ours_are_usage_errors() -> None:
    bad_reports: list[Any] = [
        [],
        {"schemaVersion": 2},
        {"schemaVersion": 1},
        {"schemaVersion": 1, "runs": [3]},
    ]
    for bad in bad_reports:
        with pytest.raises(UsageError, match="r.json"):
            from_report(bad, "r.json")
    with pytest.raises(UsageError, match=r"runs\[0\].issues\[0\] is not an issue"):
        from_report({"schemaVersion": 1, "runs": [{"issues": ["x"]}]}, "r.json")


def test_long_texts_are_cut_and_kept_on_one_line() -> None:
    raw = {**problem("order-total").issue(0), "name": "x " * 500, "description": "y\n" * 900}
    [entry] = merge(
        Baseline((), "b.json"), [Reported(None, "", Issue.model_validate(raw))], today=TODAY
    ).entries
    assert isinstance(entry, Entry)
    assert len(entry.title) <= 300
    assert entry.description is not None
    assert len(entry.description) <= 500
    assert "\n" not in entry.description
