"""Back-off, Retry-After and the deadline: when the wait asks again."""

from __future__ import annotations

import email.utils
import itertools

import pytest

from testerarmy_wait.exchange import parse_retry_after
from testerarmy_wait.schedule import (
    MAX_GAP_FACTOR,
    MIN_GAP_S,
    Expectation,
    bounded,
    expectation_from,
    history_gap,
    poll_wait,
    retry_delays,
    retry_wait,
)


def test_retry_delays_grow_exponentially_to_a_cap() -> None:
    delays = list(itertools.islice(retry_delays(jitter=lambda d: d), 8))
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_retry_delays_are_jittered_within_the_envelope() -> None:
    for delay, cap in zip(retry_delays(), [1, 2, 4, 8, 16, 32, 60], strict=False):
        assert 0 <= delay <= cap


def test_retry_after_wins_when_longer() -> None:
    assert retry_wait(2.0, None) == 2.0
    assert retry_wait(2.0, 30.0) == 30.0
    assert retry_wait(8.0, 1.0) == 8.0


def test_poll_wait_spreads_by_ten_percent() -> None:
    assert poll_wait(10.0, jitter=lambda d: d) == pytest.approx(11.0)
    assert poll_wait(10.0, jitter=lambda d: -d) == pytest.approx(9.0)
    assert all(9.0 <= poll_wait(10.0) <= 11.0 for _ in range(100))


def test_never_sleep_past_the_deadline() -> None:
    assert bounded(30.0, now=100.0, deadline=110.0) == 10.0
    assert bounded(3.0, now=100.0, deadline=110.0) == 3.0
    assert bounded(3.0, now=120.0, deadline=110.0) == 0.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (" 0 ", 0.0), ("", None), (None, None), ("soon", None), ("-3", None)],
)
def test_retry_after_seconds_form(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_http_date_form() -> None:
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(42.0)
    past = email.utils.formatdate(now - 42, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0


# ------------------------------------------------------------------ history-aware gaps


def test_an_expectation_needs_enough_runs_that_agree() -> None:
    assert expectation_from([180.0] * 4) is None  # too few
    steady = expectation_from([170.0, 175.0, 180.0, 185.0, 190.0, 180.0])
    assert steady is not None
    assert steady.median_s == 180.0
    assert steady.describe() == "usually ~3m 00s, from 6 runs"
    assert expectation_from([30.0, 90.0, 180.0, 400.0, 900.0, 60.0]) is None  # too varied
    outliers = [180.0] * 18 + [1800.0, 3600.0]  # a steady middle, a wild tail
    assert expectation_from(outliers) is None
    assert expectation_from([float("nan"), -1.0, 0.0, 180.0, 180.0]) is None


def gaps(median: float, spread: float, interval: float = 10.0) -> list[tuple[float, float]]:
    """(elapsed, gap) of every poll of a run that never ends, over three medians."""
    expectation = Expectation(20, median, spread)
    elapsed, out = 0.0, []
    while elapsed < 3 * median:
        gap = history_gap(expectation, elapsed, interval)
        out.append((elapsed, gap))
        elapsed += gap
    return out


@pytest.mark.parametrize(("median", "spread"), [(180.0, 9.0), (180.0, 27.0), (600.0, 30.0)])
def test_history_gaps_are_long_far_from_the_end_and_short_near_it(
    median: float, spread: float
) -> None:
    window = (median - 2.5 * spread, median + 2.5 * spread)
    polls = gaps(median, spread)
    assert all(MIN_GAP_S <= gap <= MAX_GAP_FACTOR * 10.0 for _e, gap in polls)
    assert any(abs(e - window[0]) < 1e-6 for e, _g in polls)  # a poll lands on the window
    inside = [gap for e, gap in polls if window[0] <= e <= window[1]]
    assert inside
    assert max(inside) <= 10.0  # never slower than the interval where runs end
    assert min(inside) < 10.0  # and faster somewhere in it
    after = [gap for e, gap in polls if e > window[1]]
    assert set(after) == {10.0}  # past it, the history says nothing: the interval again


def test_early_gaps_grow_with_the_time_already_run() -> None:
    early = [gap for e, gap in gaps(600.0, 30.0) if e < 300]
    assert early[0] == 10.0  # a run that fails at once is seen as soon as without history
    assert early == sorted(early)


def test_a_run_with_history_costs_fewer_polls_than_the_interval_alone() -> None:
    for median, spread in [(180.0, 9.0), (600.0, 30.0), (600.0, 90.0)]:
        polls_until_median = [e for e, _g in gaps(median, spread) if e <= median]
        assert len(polls_until_median) < 0.8 * (1 + median / 10.0)
