"""What every platform's reporter is given at the end, and the lines they all print."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from testerarmy_wait.report.escape import terminal_text
from testerarmy_wait.report.formatting import plural
from testerarmy_wait.report.values import safe_run_id

if TYPE_CHECKING:
    from testerarmy_wait.report.files import ReportPaths
    from testerarmy_wait.verdict import Verdict


@dataclass(frozen=True)
class Finished:
    """Everything a reporter needs once the wait is over."""

    verdict: Verdict
    paths: ReportPaths
    outputs: Mapping[str, str]


class TransferLog:
    """When a transfer's progress is worth a log line: every ``every_s`` seconds, and at its
    end."""

    def __init__(self, every_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s = every_s
        self._clock = clock
        self._last: float | None = None

    def due(self, sent: int, total: int) -> bool:
        now = self._clock()
        if sent >= total or self._last is None or now - self._last >= self.every_s:
            self._last = now
            return True
        return False


def transfer_line(sent: int, total: int, elapsed_s: float) -> str:
    """``uploading: 412.0 MB of 1.1 GB (37%), 48.2 MB/s, about 14 s left``."""
    from testerarmy_wait.uploaded import size_text

    share = sent * 100 // total if total else 100
    rate = sent / elapsed_s if elapsed_s > 0 else 0.0
    left = (total - sent) / rate if rate > 0 else None
    eta = f", about {left:.0f} s left" if left is not None and sent < total else ""
    return (
        f"uploading: {size_text(sent)} of {size_text(total)} ({share}%), {size_text(rate)}/s{eta}"
    )


def waiting_line(run_ids: Sequence[str]) -> str | None:
    if not run_ids:  # the runs are yet to be started, or the settings were refused
        return None
    shown = ", ".join(safe_run_id(r) for r in run_ids[:10])
    more = f" and {len(run_ids) - 10} more" if len(run_ids) > 10 else ""
    return f"Waiting for {plural(len(run_ids), 'tester.army run')}: {shown}{more}"


def reports_line(paths: ReportPaths) -> str:
    return terminal_text(
        f"Reports: {paths.json_relative} (JSON), {paths.junit_relative} (JUnit), "
        f"{paths.dotenv_relative} (dotenv)"
    )


def report_lines(paths: ReportPaths) -> list[str]:
    """Where the reports are, then one warning per report that could not be written."""
    return [reports_line(paths)] + [terminal_text(f"Warning: {e}") for e in paths.errors]


def write_results(stream: TextIO, text: str) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


def why(error: Exception) -> str:
    """One line on why writing something failed."""
    if isinstance(error, OSError):
        return str(error.strerror or error)
    return f"{type(error).__name__}: {terminal_text(str(error), limit=200)}"
