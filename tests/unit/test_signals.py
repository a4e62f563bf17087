"""Signals become a stop request, and never crash the clean-up that follows."""

from __future__ import annotations

import asyncio
import os
import signal

from testerarmy_wait.signals import StopSignals


def test_first_signal_sets_the_stop_event_and_is_remembered() -> None:
    async def wait_for_stop(signals: StopSignals) -> bool:
        stop = asyncio.Event()
        signals.attach(stop)
        asyncio.get_running_loop().call_later(0.01, os.kill, os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), timeout=5)
        return stop.is_set()

    with StopSignals() as signals:
        assert asyncio.run(wait_for_stop(signals))
        os.kill(os.getpid(), signal.SIGINT)  # a second signal: remembered as the first one
    assert signals.first == "SIGTERM"


def test_signal_after_the_loop_closed_does_not_raise() -> None:
    async def attach_only(signals: StopSignals) -> None:
        signals.attach(asyncio.Event())

    with StopSignals() as signals:
        asyncio.run(attach_only(signals))  # the loop is closed now, still attached
        os.kill(os.getpid(), signal.SIGTERM)
    assert signals.first == "SIGTERM"


def test_handlers_are_restored_on_exit() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
