"""The verdict written for a person at a terminal (or in ``docker logs``), and the live
status line. All server text goes through :func:`terminal_text`; the only escape
sequences printed are our own colours and line clearing, and only when asked for."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TextIO

from testerarmy_wait.ci.progress import ProgressDigest
from testerarmy_wait.ci.shared import (
    Finished,
    TransferLog,
    report_lines,
    transfer_line,
    waiting_line,
    write_results,
)
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.escape import cap, rendered, terminal_text
from testerarmy_wait.report.formatting import format_duration, plural, short_id

if TYPE_CHECKING:
    from testerarmy_wait.outcome import Progress
    from testerarmy_wait.verdict import Verdict


CLEAR_LINE: Final = "\r\x1b[2K"


def render_text(verdict: Verdict, *, color: bool) -> str:
    """The verdict for a person: the report's blocks as plain lines, untitled, unfolded."""
    from testerarmy_wait.report.blocks import report_blocks  # at the end only: starts faster

    lines: list[str] = []
    for block in report_blocks(verdict, color=color):
        lines += block.lines
        if block.more is not None:
            lines.append(f"  {block.more}")
    return "\n".join(lines) + "\n"


class StatusLine:
    """A live status line on a TTY (redrawn in place, at most ten times a second); on anything
    else, the lines a :class:`ProgressDigest` picks. ``write`` prints a normal line without
    breaking the status line. Each update costs the same whatever the number of runs."""

    REDRAW_EVERY_S: Final = 0.1

    def __init__(
        self,
        stream: TextIO,
        redactor: Redactor,
        *,
        is_tty: bool,
        width: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.is_tty = is_tty
        self.redactor = redactor
        self._width = width or (lambda: shutil.get_terminal_size((100, 20)).columns)
        self._clock = clock
        self._digest = ProgressDigest()
        self._runs: dict[str, Progress] = {}
        self._polls = 0
        self._elapsed_s = 0.0
        self._shown = False
        self._drawn_at = -1.0
        self._finished = False

    def _emit(self, text: str) -> None:
        self.stream.write(rendered(self.redactor, text))
        self.stream.flush()

    def clear(self) -> None:
        if self.is_tty and self._shown:
            self._emit(CLEAR_LINE)
            self._shown = False

    def write(self, line: str) -> None:
        self.clear()
        self._emit(terminal_text(line) + "\n")
        self._redraw(force=True)

    def finish(self) -> None:
        """Clear the status line for good and print what the digest held back."""
        self.clear()
        self._finished = True
        for line in self._digest.closing_lines():
            self._emit(line + "\n")

    def _line(self) -> str:
        shown = list(self._runs.values())[:6]
        states = " · ".join(
            f"{short_id(p.run_id)} {terminal_text(p.status, limit=20)}" for p in shown
        )
        if len(self._runs) > 6:
            states += f" · +{len(self._runs) - 6}"
        expected = shown[0].expected if len(self._runs) == 1 else None
        usually = f" ({expected})" if expected else ""
        text = (
            f"Waiting: {states}{usually} — {format_duration(self._elapsed_s * 1000)}, "
            f"{plural(self._polls, 'poll')}"
        )
        return cap(text, max(20, self._width() - 1))

    def _redraw(self, *, force: bool = False) -> None:
        if not (self.is_tty and self._runs) or self._finished:
            return
        now = self._clock()
        if not force and now - self._drawn_at < self.REDRAW_EVERY_S:
            return
        self._drawn_at = now
        self._emit(CLEAR_LINE + self._line())
        self._shown = True

    def transfer(self, sent: int, total: int, elapsed_s: float) -> None:
        """A live bar for an upload: ``[#########.........] 45% 412.0 MB of 912.0 MB ...``;
        at its end, one line that stays."""
        if sent >= total:
            self.write(transfer_line(sent, total, elapsed_s))
            return
        now = self._clock()
        if now - self._drawn_at < self.REDRAW_EVERY_S:
            return
        self._drawn_at = now
        filled = sent * 20 // total if total else 20
        bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        text = cap(bar + transfer_line(sent, total, elapsed_s), max(20, self._width() - 1))
        self._emit(CLEAR_LINE + text)
        self._shown = True

    def update(self, event: Progress) -> None:
        previous = self._runs.get(event.run_id)
        self._polls += event.polls - (previous.polls if previous is not None else 0)
        self._elapsed_s = max(self._elapsed_s, event.elapsed_s)
        self._runs[event.run_id] = event
        if self.is_tty:
            if event.note:
                self.write(f"{short_id(event.run_id)}: {event.note}")
            else:
                self._redraw()
            return
        for line in self._digest.lines(event):
            self._emit(terminal_text(line) + "\n")


class TerminalReporter:
    """A terminal or ``docker logs``: everything human goes to ``stream`` (stderr, so that
    ``--json`` output on stdout stays clean); a live status line only on a TTY."""

    def __init__(
        self,
        stream: TextIO,
        redactor: Redactor,
        *,
        is_tty: bool,
        color: bool,
        results_stream: TextIO | None = None,
    ) -> None:
        self.stream = stream
        self.results_stream = results_stream or stream
        self.color = color
        self.status = StatusLine(stream, redactor, is_tty=is_tty)
        self._redactor = redactor
        self._transfers = TransferLog()

    def results(self, text: str) -> None:
        write_results(self.results_stream, rendered(self._redactor, text))

    def begin(self, run_ids: Sequence[str]) -> None:
        if line := waiting_line(run_ids):
            self.status.write(line)

    def progress(self, event: Progress) -> None:
        self.status.update(event)

    def transfer(self, sent: int, total: int, elapsed_s: float) -> None:
        if self.status.is_tty:
            self.status.transfer(sent, total, elapsed_s)
        elif self._transfers.due(sent, total):
            self.status.write(transfer_line(sent, total, elapsed_s))

    def note(self, message: str) -> None:
        self.status.write(message)

    def warning(self, message: str) -> None:
        self.status.write(f"warning: {message}")

    def finish(self, finished: Finished) -> None:
        self.status.finish()
        text = render_text(finished.verdict, color=self.color)
        self.stream.write(rendered(self._redactor, text))
        for line in report_lines(finished.paths):
            self.stream.write(rendered(self._redactor, line) + "\n")
        self.stream.flush()


__all__ = ["CLEAR_LINE", "StatusLine", "TerminalReporter", "render_text"]
