from __future__ import annotations

from testerarmy_wait.report.blocks import (
    DETAILED_RUNS,
    LISTED_RUNS,
    report_blocks,
    run_lines,
    summary_line,
)
from testerarmy_wait.verdict import Verdict
from tests.report.factories import (
    CHECKOUT_ID,
    SIGNUP_ID,
    checkout_run_data,
    checkout_verdict,
    outcome,
    signup_run_data,
    verdict_of,
)


def many(count: int, *, failing_every: int) -> Verdict:
    """``count`` runs, every ``failing_every``-th one failing, the rest passing."""
    outcomes = []
    for n in range(count):
        data = checkout_run_data() if n % failing_every == 0 else signup_run_data()
        data["id"] = f"{n:08x}-0000-4000-8000-{n:012x}"
        outcomes.append(outcome(data))
    return verdict_of(*outcomes)


def test_few_runs_are_all_in_full_worst_first_and_a_passing_one_is_folded() -> None:
    headline, failed, passed = report_blocks(checkout_verdict(), color=False)
    assert (headline.key, headline.title, headline.folded) == ("headline", None, False)
    assert headline.lines[0] == "tester.army — FAILED: 2 blocking issues in 1 of 2 runs"
    assert (failed.key, failed.title, failed.folded) == (
        f"run_0_{CHECKOUT_ID[:8]}",
        f"Run {CHECKOUT_ID[:8]}: FAILED",
        False,
    )
    assert (passed.key, passed.title, passed.folded) == (
        f"run_1_{SIGNUP_ID[:8]}",
        f"Run {SIGNUP_ID[:8]}: PASS",
        True,
    )
    verdict = checkout_verdict()
    assert passed.lines == tuple(run_lines(verdict.runs_worst_first()[1], color=False))
    assert failed.more is None
    assert passed.more is None


def test_many_runs_show_those_needing_attention_in_full_then_one_line_each() -> None:
    verdict = many(30, failing_every=10)
    blocks = report_blocks(verdict, color=False)
    assert [b.key for b in blocks[1:4]] == [
        "run_0_00000000",
        "run_1_0000000a",
        "run_2_00000014",
    ]
    listed = blocks[-1]
    assert len(blocks) == 5
    assert (listed.key, listed.title, listed.folded, listed.more) == (
        "more_runs",
        "27 more runs",
        True,
        None,
    )
    runs = verdict.runs_worst_first()[3:]
    assert listed.lines == tuple(summary_line(run, color=False) for run in runs)


def test_runs_past_the_listed_ones_are_left_out_in_one_line() -> None:
    blocks = report_blocks(many(200, failing_every=5), color=False)
    detailed = [b for b in blocks if b.key.startswith("run_")]
    listed = blocks[-1]
    assert len(detailed) == DETAILED_RUNS
    assert len(listed.lines) == LISTED_RUNS
    assert listed.title == "180 more runs"
    assert listed.more == "…and 80 more runs: see the JSON report"
