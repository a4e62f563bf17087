"""How each platform is told: the ``Reporter`` protocol (``ci.platform`` picks one).

Each is born with the program's one redactor. The caller uses, in order: ``begin`` (masks
the redactor's secrets first on GitHub), ``note`` and ``progress`` while waiting, ``finish``
once with a :class:`Finished` (the verdict, the report paths and the step outputs),
``note``/``warning`` for what telling the pull request did, then ``results`` when ``--json``
asks for them. The reporters live with their platform's primitives: ``ci.github``,
``ci.gitlab``, ``ci.terminal``; only the platform's own is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from testerarmy_wait.ci.shared import Finished

if TYPE_CHECKING:
    from testerarmy_wait.outcome import Progress


class Reporter(Protocol):
    def begin(self, run_ids: Sequence[str]) -> None: ...

    def progress(self, event: Progress) -> None: ...

    def transfer(self, sent: int, total: int, elapsed_s: float) -> None:
        """How an upload goes: a line every few seconds in a log, a live bar on a TTY."""
        ...

    def note(self, message: str) -> None: ...

    def warning(self, message: str) -> None:
        """Something that went wrong without changing the verdict (one line)."""
        ...

    def results(self, text: str) -> None:
        """Print the machine-readable results (``--json``) on stdout."""
        ...

    def finish(self, finished: Finished) -> None: ...


__all__ = ["Finished", "Reporter"]
