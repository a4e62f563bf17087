"""When to ask again: poll intervals, history-aware gaps and retry back-off, bounded by the
deadline.

Pure functions; the jitter source is passed in so tests can pin it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import backoff

RETRY_BASE_S = 1.0
RETRY_MAX_S = 60.0
Jitter = Callable[[float], float]


def retry_delays(
    *, base_s: float = RETRY_BASE_S, max_s: float = RETRY_MAX_S, jitter: Jitter | None = None
) -> Iterator[float]:
    """Exponential back-off with full jitter: 1, 2, 4, ... seconds, each drawn from [0, d]."""
    draw = jitter if jitter is not None else backoff.full_jitter
    for delay in backoff.expo(base=2, factor=base_s, max_value=max_s):
        if delay is None:  # backoff's generators prime with None
            continue
        yield draw(float(delay))


def retry_wait(backoff_s: float, retry_after_s: float | None) -> float:
    """The server's ``Retry-After`` wins over our back-off when it asks for longer."""
    if retry_after_s is None:
        return backoff_s
    return max(backoff_s, retry_after_s)


def poll_wait(interval_s: float, jitter: Jitter | None = None) -> float:
    """The pause between two polls of a running run: the interval, +-10 % so that many
    jobs started together do not poll in lock-step."""
    spread = (jitter or (lambda d: random.uniform(-d, d)))(interval_s * 0.1)  # noqa: S311
    return max(0.0, interval_s + spread)


def bounded(delay_s: float, now: float, deadline: float) -> float:
    """Never sleep past the deadline."""
    return max(0.0, min(delay_s, deadline - now))


# ------------------------------------------------------------------ history-aware polling

#: A test needs this many recent completed runs before its history shapes the schedule.
MIN_HISTORY_RUNS: Final = 5
#: History spread (robust standard deviation over median) beyond which the schedule ignores
#: it: durations that vary this much predict nothing useful.
MAX_PREDICTABLE_SPREAD: Final = 0.25
#: The window where a run is expected to end: median +- this many spreads.
WINDOW_SPREADS: Final = 2.5
#: Polls with history spend about this share of what a fixed poller would ask.
REQUEST_BUDGET_SHARE: Final = 0.72
#: Gaps with history: never shorter than this, never longer than MAX_GAP_FACTOR x interval.
MIN_GAP_S: Final = 1.0
MAX_GAP_FACTOR: Final = 6.0
#: Before the window a gap is at most this share of the time already run (and at least the
#: interval), so a run that fails early is still seen about as soon as a fixed poller sees it.
EARLY_GAP_SHARE: Final = 0.75
# Mean density-weighted spacing constant: the integral of exp(-z^2/4) over a standard normal
# end time (about the square root of pi), used to turn a request budget into a spacing.
_SPACING_CONSTANT: Final = 1.77


@dataclass(frozen=True)
class Expectation:
    """How long a test's runs usually take, from its recent completed runs."""

    runs: int
    median_s: float
    spread_s: float  # a robust standard deviation (1.4826 x the median absolute deviation)

    def describe(self) -> str:
        """``usually ~3m 10s, from 20 runs``."""
        return f"usually ~{_short_duration(self.median_s)}, from {self.runs} runs"


def _short_duration(seconds: float) -> str:
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m {total % 60:02d}s"
    return f"{total // 3600}h {total % 3600 // 60:02d}m"


def expectation_from(durations_s: Sequence[float]) -> Expectation | None:
    """The expectation from past durations (seconds), or None when there are too few or they
    vary too much to predict anything."""
    clean = sorted(d for d in durations_s if math.isfinite(d) and d > 0)
    if len(clean) < MIN_HISTORY_RUNS:
        return None
    import statistics  # only with a history (it loads decimal and fractions)

    median = statistics.median(clean)
    mad = statistics.median(abs(d - median) for d in clean)
    spread = max(1.4826 * mad, 0.02 * median, 1.0)
    deviation = statistics.pstdev(clean)  # outliers show here, not in the median deviation
    if spread > MAX_PREDICTABLE_SPREAD * median or deviation > 2 * MAX_PREDICTABLE_SPREAD * median:
        return None
    return Expectation(len(clean), median, spread)


def history_gap(expectation: Expectation, elapsed_s: float, interval_s: float) -> float:
    """The pause before the next poll of a run that has been running ``elapsed_s``.

    Before the window where such runs end (median +- 2.5 spreads): pauses that grow with the
    time already run (``EARLY_GAP_SHARE`` of it, at least ``interval_s``, at most
    ``MAX_GAP_FACTOR`` x ``interval_s``), landing on the window's start. Inside it: short
    pauses, shortest at the median and widening as the chance of ending there falls, sized
    so that the whole run
    costs about ``REQUEST_BUDGET_SHARE`` of a fixed poller's requests; never longer than
    ``interval_s``, never shorter than ``MIN_GAP_S``. Past it the history says nothing more:
    ``interval_s``."""
    median, spread = expectation.median_s, expectation.spread_s
    window_start = median - WINDOW_SPREADS * spread
    if elapsed_s < window_start:
        return max(MIN_GAP_S, min(window_start - elapsed_s, _early_gap(elapsed_s, interval_s)))
    z = (elapsed_s - median) / spread
    if z > WINDOW_SPREADS:
        return interval_s
    before = _polls_before(window_start, interval_s)
    budget = REQUEST_BUDGET_SHARE * (1 + median / interval_s)
    alpha = _SPACING_CONSTANT / max(3.0, budget - before)
    return max(MIN_GAP_S, min(alpha * spread * math.exp(z * z / 4), interval_s))


def _early_gap(elapsed_s: float, interval_s: float) -> float:
    return min(MAX_GAP_FACTOR * interval_s, max(interval_s, EARLY_GAP_SHARE * elapsed_s))


def _polls_before(window_start: float, interval_s: float) -> int:
    """How many polls the growing gaps take to reach the window (the first one included)."""
    elapsed, polls = 0.0, 1
    while elapsed < window_start and polls < 1000:
        elapsed += _early_gap(elapsed, interval_s)
        polls += 1
    return polls
