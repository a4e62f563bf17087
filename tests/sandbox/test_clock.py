import time
from datetime import UTC, datetime

import pytest

from testerarmy_wait_sandbox import ManualClock, RealClock
from testerarmy_wait_sandbox.clock import isoformat


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(datetime(2025, 3, 1, tzinfo=UTC))
    start = clock.now()
    assert clock.now() == start
    assert clock.advance(600) == start + 600
    clock.set(datetime(2025, 3, 2, tzinfo=UTC))
    assert clock.now() == datetime(2025, 3, 2, tzinfo=UTC).timestamp()


def test_manual_clock_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)


def test_real_clock_runs_faster_by_its_speed() -> None:
    clock = RealClock(speed=2000, start=0.0)
    before = clock.now()
    time.sleep(0.05)
    assert clock.now() - before >= 0.05 * 2000 * 0.9


def test_real_clock_rejects_non_positive_speed() -> None:
    with pytest.raises(ValueError, match="positive"):
        RealClock(speed=0)


def test_isoformat_is_utc_with_milliseconds_and_z() -> None:
    assert isoformat(datetime(2025, 1, 15, 9, 30, 1, 500000, tzinfo=UTC).timestamp()) == (
        "2025-01-15T09:30:01.500Z"
    )
