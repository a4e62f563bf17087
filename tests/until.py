"""Waiting in real time for something outside the test (a process, a sandbox run): always
with a generous deadline that fails the test, never a count of tries that lets it go on."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TERMINAL = ("completed", "failed", "cancelled")


def within(seconds: float, done: Callable[[], bool], what: str) -> None:
    """Wait until ``done()``, failing the test after ``seconds``."""
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            pytest.fail(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.005)


def until_finished(sandbox: Any, *run_ids: str, seconds: float = 60) -> None:
    """Wait until every run has reached a terminal status on ``sandbox``."""
    within(
        seconds,
        lambda: all(sandbox.status(r) in TERMINAL for r in run_ids),
        f"runs {', '.join(run_ids)} finishing",
    )


def catches(pid: int, signum: int) -> bool:
    """True once the process has a handler for ``signum`` (its SigCgt mask)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) & (1 << (signum - 1)))
