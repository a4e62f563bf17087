"""Turn SIGINT/SIGTERM into a stop request the wait can act on, instead of dying.

As PID 1 in a container, SIGTERM does nothing unless a handler is installed; the CI
runner sends SIGINT, then SIGTERM about 7.5 s later. The first signal asks the wait to
stop; later ones are remembered but never cut the clean-up (outputs, summary, reports)
short.

This module imports nothing heavy, so the command's entry point installs the handlers before
httpx and pydantic load (:func:`install_for_process`): a signal in the first half-second is
remembered, not lost, and the job then ends ``CANCELLED`` with its outputs written.
"""

from __future__ import annotations

import signal
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

HANDLED = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Installs the handlers and exposes the first signal's name. As a context manager the
    previous handlers come back on exit (for tests and library use); the command keeps them
    until the process ends (:func:`install_for_process`)."""

    def __init__(self) -> None:
        self.first: str | None = None
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> StopSignals:
        for signum in HANDLED:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                break
        return self

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def __enter__(self) -> StopSignals:
        return self.install()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.restore()

    def attach(self, event: asyncio.Event) -> None:
        """Set ``event`` (from the running loop) when a signal arrives; at once if one did."""
        import asyncio

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


def install_for_process() -> StopSignals:
    """The command's handlers, installed first thing and kept until the process exits (a
    second SIGTERM during the clean-up must not kill it)."""
    return StopSignals().install()
