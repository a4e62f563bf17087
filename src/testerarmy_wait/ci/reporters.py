"""How each platform is told: the ``Reporter`` protocol, and choosing one from the environment.

Each is born with the program's one redactor. The caller uses, in order: ``begin`` (masks
the redactor's secrets first on GitHub), ``note`` and ``progress`` while waiting, ``finish``
once with a :class:`Finished` (the verdict, the report paths and the step outputs),
``note``/``warning`` for what telling the pull request did, then ``results`` when ``--json``
asks for them. The reporters live with their platform's primitives: ``ci.github``,
``ci.gitlab``, ``ci.terminal``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TextIO

from testerarmy_wait.ci.github import GitHubReporter
from testerarmy_wait.ci.gitlab import GitLabReporter
from testerarmy_wait.ci.shared import Finished
from testerarmy_wait.ci.terminal import TerminalReporter
from testerarmy_wait.outcome import Progress
from testerarmy_wait.redaction import Redactor


class Reporter(Protocol):
    def begin(self, run_ids: Sequence[str]) -> None: ...

    def progress(self, event: Progress) -> None: ...

    def note(self, message: str) -> None: ...

    def warning(self, message: str) -> None:
        """Something that went wrong without changing the verdict (one line)."""
        ...

    def results(self, text: str) -> None:
        """Print the machine-readable results (``--json``) on stdout."""
        ...

    def finish(self, finished: Finished) -> None: ...


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def select_reporter(
    env: Mapping[str, str], stdout: TextIO, stderr: TextIO, redactor: Redactor
) -> Reporter:
    """GitHub when ``GITHUB_ACTIONS=true``, GitLab when ``GITLAB_CI`` is set, else a
    terminal (colour and a live line only on a TTY without ``NO_COLOR``/``TERM=dumb``)."""
    if env.get("GITHUB_ACTIONS") == "true":
        return GitHubReporter(env, stdout, redactor)
    if env.get("GITLAB_CI"):
        return GitLabReporter(env, stdout, redactor)
    tty = _isatty(stderr)
    color = tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
    return TerminalReporter(stderr, redactor, is_tty=tty, color=color, results_stream=stdout)


__all__ = [
    "Finished",
    "GitHubReporter",
    "GitLabReporter",
    "Reporter",
    "TerminalReporter",
    "select_reporter",
]
