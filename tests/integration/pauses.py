"""The pauses a job asks for, recorded as it runs: a test judges how long the job meant to wait,
never how long the machine took."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from testerarmy_wait import job, starting
from testerarmy_wait.waiting import WaitOptions


@dataclass
class Pauses:
    """Seconds asked for, in order: between polls of a run, and between start requests."""

    polls: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)


def _recording(into: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        into.append(seconds)
        await asyncio.sleep(seconds)

    return sleep


def record_pauses(monkeypatch: pytest.MonkeyPatch) -> Pauses:
    """Record every pause the next in-process job asks for (each still taken in full)."""
    pauses = Pauses()
    monkeypatch.setattr(
        job, "WaitOptions", functools.partial(WaitOptions, sleep=_recording(pauses.polls))
    )
    monkeypatch.setattr(  # the job loads it from there when it starts runs
        starting,
        "start_runs",
        functools.partial(starting.start_runs, sleep=_recording(pauses.starts)),
    )
    return pauses
