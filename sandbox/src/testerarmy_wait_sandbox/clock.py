"""Injectable clocks for the sandbox.

The sandbox never reads the wall clock directly: run timelines (queued, running,
terminal) are computed from ``clock.now()``, seconds since the Unix epoch in
*sandbox time*. ``RealClock`` follows real time, optionally faster; ``ManualClock``
only moves when a test tells it to.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol

#: Where a ``ManualClock`` starts unless told otherwise: a fixed instant, so
#: timestamps in tests are reproducible.
DEFAULT_MANUAL_START = datetime(2025, 1, 15, 9, 30, tzinfo=UTC).timestamp()


class Clock(Protocol):
    """Anything with ``now()`` returning sandbox time in epoch seconds."""

    def now(self) -> float: ...


class RealClock:
    """Real time, sped up by ``speed`` (2000: a 10-minute run takes 0.3 s)."""

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = time.time() if start is None else start
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._start + (time.monotonic() - self._mono0) * self.speed


class ManualClock:
    """A clock that stands still until ``advance()`` or ``set()`` is called."""

    def __init__(self, start: float | datetime = DEFAULT_MANUAL_START) -> None:
        self._lock = threading.Lock()
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (must not be negative); returns the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float | datetime) -> None:
        """Jump to an absolute instant."""
        with self._lock:
            self._now = when.timestamp() if isinstance(when, datetime) else float(when)


def isoformat(ts: float) -> str:
    """Epoch seconds -> RFC 3339 UTC with milliseconds, like ``2025-01-15T09:30:00.000Z``."""
    text = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
