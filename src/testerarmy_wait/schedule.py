"""When to ask again: poll intervals and retry back-off, bounded by the deadline.

Pure functions; the jitter source is passed in so tests can pin it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

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
