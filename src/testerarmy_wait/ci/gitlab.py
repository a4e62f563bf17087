"""Everything GitLab CI: collapsible log sections (written to an injected stream), the
merge-request context, and the reporter that uses them."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Final, TextIO

from testerarmy_wait.ci.progress import ProgressDigest
from testerarmy_wait.ci.shared import (
    Finished,
    TransferLog,
    report_lines,
    transfer_line,
    waiting_line,
    write_results,
)
from testerarmy_wait.outcome import Progress
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.blocks import Block, report_blocks
from testerarmy_wait.report.escape import rendered, terminal_text

_NAME_BAD_RE: Final = re.compile(r"[^A-Za-z0-9_.-]+")


def section_name(name: str) -> str:
    """A section name GitLab accepts: ``[A-Za-z0-9_.-]``, never empty."""
    cleaned = _NAME_BAD_RE.sub("_", name).strip("_")[:64]
    return cleaned or "section"


def section_start(name: str, header: str, *, timestamp: int, collapsed: bool = True) -> str:
    options = "[collapsed=true]" if collapsed else ""
    return (
        f"\x1b[0Ksection_start:{timestamp}:{section_name(name)}{options}"
        f"\r\x1b[0K{terminal_text(header, limit=200)}\n"
    )


def section_end(name: str, *, timestamp: int) -> str:
    return f"\x1b[0Ksection_end:{timestamp}:{section_name(name)}\r\x1b[0K\n"


class Sections:
    """Opens and closes sections on ``stream``; the clock is injectable for tests."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.time) -> None:
        self.stream = stream
        self.clock = clock

    def start(self, name: str, header: str, *, collapsed: bool = True) -> None:
        self.stream.write(
            section_start(name, header, timestamp=int(self.clock()), collapsed=collapsed)
        )
        self.stream.flush()

    def end(self, name: str) -> None:
        self.stream.write(section_end(name, timestamp=int(self.clock())))
        self.stream.flush()

    @contextmanager
    def section(self, name: str, header: str, *, collapsed: bool = True) -> Iterator[None]:
        self.start(name, header, collapsed=collapsed)
        try:
            yield
        finally:
            self.end(name)


# ------------------------------------------------------------------ the reporter


class GitLabReporter:
    """GitLab CI: collapsible sections for the poll log and each run's details. GitLab has
    no runtime masking, so secrets are taken out of every line."""

    def __init__(self, stdout: TextIO, redactor: Redactor, *, color: bool = True) -> None:
        self.stream = stdout
        self.sections = Sections(stdout)
        self.color = color
        self._poll_open = False
        self._digest = ProgressDigest()
        self._redactor = redactor
        self._transfers = TransferLog()

    def _line(self, text: str) -> None:
        self._raw(terminal_text(text))

    def _raw(self, line: str) -> None:
        self.stream.write(rendered(self._redactor, line) + "\n")
        self.stream.flush()

    def begin(self, run_ids: Sequence[str]) -> None:
        if line := waiting_line(run_ids):
            self._line(line)

    def _open_poll_log(self) -> None:
        if not self._poll_open:
            self.sections.start("testerarmy_poll_log", "Poll log")
            self._poll_open = True

    def progress(self, event: Progress) -> None:
        for line in self._digest.lines(event):
            self._open_poll_log()
            self._line(line)

    def transfer(self, sent: int, total: int, elapsed_s: float) -> None:
        if self._transfers.due(sent, total):
            self.note(transfer_line(sent, total, elapsed_s))

    def note(self, message: str) -> None:
        self._line(message)

    def warning(self, message: str) -> None:
        self._line(f"Warning: {message}")

    def results(self, text: str) -> None:
        write_results(self.stream, rendered(self._redactor, text))

    def _print_block(self, block: Block) -> None:
        for line in block.lines:
            self._raw(line)
        if block.more is not None:
            self._line(block.more)

    def finish(self, finished: Finished) -> None:
        for line in self._digest.closing_lines():
            self._open_poll_log()
            self._line(line)
        if self._poll_open:
            self.sections.end("testerarmy_poll_log")
            self._poll_open = False
        for block in report_blocks(finished.verdict, color=self.color):
            if block.title is None:
                self._print_block(block)
                continue
            name = f"testerarmy_{block.key}"
            with self.sections.section(name, block.title, collapsed=block.folded):
                self._print_block(block)
        for line in report_lines(finished.paths):
            self._line(line)
