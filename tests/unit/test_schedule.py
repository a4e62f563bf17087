"""Back-off, Retry-After and the deadline: when the wait asks again."""

from __future__ import annotations

import email.utils
import itertools

import pytest

from testerarmy_wait.client import parse_retry_after
from testerarmy_wait.schedule import bounded, poll_wait, retry_delays, retry_wait


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
