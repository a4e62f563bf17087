"""A baseline is matched on the date its caller gives (the job's date in UTC), never on the
machine's local date."""

from __future__ import annotations

from datetime import date

import pytest

from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.verdict import decide

OUTCOME = RunOutcome(run_id="0b1c2d3e-0000-4000-8000-000000000001", stop=StopReason.TIMEOUT)
BASELINE = Baseline((Entry(title="Old", expires=date(2026, 3, 1), line=2),), "b.json")


def test_a_baseline_without_a_date_is_refused() -> None:
    with pytest.raises(TypeError, match="today"):
        decide([OUTCOME], Policy(), baseline=BASELINE)


@pytest.mark.parametrize(("today", "expired"), [(date(2026, 3, 1), 0), (date(2026, 3, 2), 1)])
def test_entries_expire_by_the_date_given(today: date, expired: int) -> None:
    verdict = decide([OUTCOME], Policy(), baseline=BASELINE, today=today)
    assert verdict.baseline is not None
    assert len(verdict.baseline.expired) == expired


def test_without_a_baseline_no_date_is_needed() -> None:
    assert decide([OUTCOME], Policy()).baseline is None
