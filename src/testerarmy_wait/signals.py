"""Turn SIGINT/SIGTERM into a stop request the wait can act on, instead of dying.

As PID 1 in a container, SIGTERM does nothing unless a handler is installed; the CI
runner sends SIGINT, then SIGTERM about 7.5 s later. The first signal asks the wait to
stop; later ones are remembered but never cut the clean-up (outputs, summary, reports)
short.
"""

from __future__ import annotations

import asyncio
import signal
from types import FrameType, TracebackType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Context manager that installs the handlers and exposes the first signal's name."""

    def __init__(self) -> None:
        self.first: str | None = None
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        for signum in HANDLED:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                break
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def attach(self, event: asyncio.Event) -> None:
        """Set ``event`` (from the running loop) when a signal arrives."""
        self._event = event
        self._loop = asyncio.get_running_loop()
        if self.first is not None:
            event.set()

    def detach(self) -> None:
        """Forget the loop (it is about to close); later signals are only remembered."""
        self._event = None
        self._loop = None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.first is None:
            self.first = signal.Signals(signum).name
        loop, event = self._loop, self._event
        if event is None or loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop closed between the check and the call
            return
