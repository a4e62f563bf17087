"""Sending one request again after a transient failure, for every client that retries: the
start POST, the code host's API and the app upload.

``backoff.on_exception`` drives the attempts: it asks ``giveup`` after each failure, counts
the tries and keeps to ``max_time``. The pauses are backoff's ``expo`` with full jitter
(``schedule.retry_delays``), a server's ``Retry-After`` winning when it asks for longer, and
the retrying stops, rather than pause past the time left, as judged by the caller's clock.

backoff sleeps with ``asyncio.sleep`` and times ``max_time`` on the wall clock; neither can be
handed in. So backoff is given pauses of zero and the real pause is taken in its
``on_backoff`` handler with the caller's ``sleep``: a test's fake clock and sleep drive every
retry, and a real run sleeps exactly once per pause.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import backoff

from testerarmy_wait.errors import TesterArmyWaitError
from testerarmy_wait.schedule import RETRY_MAX_S, retry_delays, retry_wait

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]
#: Tries when the caller names no limit: time, not a count, ends the retrying.
UNLIMITED: Final = None


class OutOfTime(TesterArmyWaitError):
    """Retrying stopped because the next pause would end past the time left; ``last`` is the
    failure that would have been retried."""

    def __init__(self, last: Exception) -> None:
        super().__init__(str(last))
        self.last = last


@dataclass
class RetryPolicy:
    """How one request is retried.

    ``retryable`` says whether a failure may be sent again, ``retry_after_s`` what the server
    asked for (None: nothing), ``left`` the seconds left by the caller's clock."""

    retryable: Callable[[Exception], bool]
    left: Callable[[], float]
    sleep: Sleep
    retry_after_s: Callable[[Exception], float | None] = lambda _error: None
    max_tries: int | None = UNLIMITED
    max_pause_s: float = RETRY_MAX_S
    delays: Iterator[float] = field(default_factory=retry_delays)


def _no_pause() -> Generator[float, None, None]:
    """backoff's wait generator: the pause is taken by ``on_backoff`` with the caller's sleep."""
    while True:
        yield 0.0


@dataclass
class _Attempts:
    policy: RetryPolicy
    tries: int = 0
    pause_s: float = 0.0
    out_of_time: bool = False
    settled: bool = False  # the last failure was judged final here (not by backoff's clock)

    def give_up(self, error: Exception) -> bool:
        """backoff's ``giveup``: after each failure, before the pause."""
        self.settled = self._final(error)
        return self.settled

    def _final(self, error: Exception) -> bool:
        self.tries += 1
        policy = self.policy
        if not policy.retryable(error):
            return True
        if policy.max_tries is not None and self.tries >= policy.max_tries:
            return True
        pause = min(
            retry_wait(next(policy.delays), policy.retry_after_s(error)), policy.max_pause_s
        )
        if pause >= policy.left():
            self.out_of_time = True
            return True
        self.pause_s = pause
        return False

    async def pause(self, _details: Any) -> None:
        """backoff's ``on_backoff``: the pause ``give_up`` chose, with the caller's sleep."""
        await self.policy.sleep(self.pause_s)


async def retried(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    failures: type[Exception] | tuple[type[Exception], ...] = TesterArmyWaitError,
) -> T:
    """``attempt()``'s result, sending it again while ``policy`` allows after a failure of the
    kinds in ``failures``. The last failure is raised as it is when it may not be retried or
    the tries are used up; ``OutOfTime`` (holding it) when the time left is too short to
    pause for another try."""
    attempts = _Attempts(policy)
    driven = backoff.on_exception(
        _no_pause,
        failures,
        max_tries=policy.max_tries,
        max_time=max(0.0, policy.left()),
        giveup=attempts.give_up,
        on_backoff=attempts.pause,
        jitter=None,
        logger=None,  # its log lines would reach the job's log unredacted and unasked
    )(attempt)
    try:
        return await driven()
    except failures as error:
        if attempts.out_of_time or not attempts.settled:  # not settled: max_time ran out
            raise OutOfTime(error) from error
        raise
