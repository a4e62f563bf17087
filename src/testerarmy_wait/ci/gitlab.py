"""GitLab CI log sections (collapsible), written to an injected stream."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final, TextIO

from testerarmy_wait.report.escape import terminal_text

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
