"""Choosing the pull request behind a commit (pure)."""

from __future__ import annotations

from typing import Any

from testerarmy_wait.ci.pull_lookup import choose

SHA = "c" * 40


def pr(
    number: Any, *, head: str = "f" * 40, state: str = "open", updated: str = ""
) -> dict[str, Any]:
    return {
        "number": number,
        "state": state,
        "title": f"PR {number}",
        "head": {"sha": head, "ref": f"branch-{number}"},
        "base": {"ref": "main"},
        "updated_at": updated,
    }


def test_the_pull_request_whose_head_is_the_commit_wins() -> None:
    found = choose([pr(1, updated="2026-12-01"), pr(2, head=SHA, updated="2026-01-01")], SHA)
    assert found.change is not None
    assert (found.change.number, found.change.head_branch) == (2, "branch-2")
    assert "its head is the commit among 2 open pull requests" in found.note


def test_else_the_most_recently_updated_one() -> None:
    found = choose(
        [pr(1, updated="2026-11-01T00:00:00Z"), pr(5, updated="2026-12-01T00:00:00Z")], SHA
    )
    assert found.change is not None
    assert found.change.number == 5
    assert "the most recently updated" in found.note


def test_closed_and_malformed_pull_requests_are_not_chosen() -> None:
    pulls = [pr(1, state="closed", head=SHA), pr(True), pr(-4), pr("9"), {"state": "open"}]
    found = choose(pulls, SHA)
    assert found.change is None
    assert found.note == f"no open pull request holds commit {SHA[:12]}"


def test_one_open_pull_request_is_said_without_a_count() -> None:
    found = choose([pr(8)], SHA)
    assert found.note == f"the commit {SHA[:12]} is on pull request #8 (the most recently updated)"
