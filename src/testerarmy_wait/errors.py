"""The program's errors, under one base class (as httpx has ``httpx.HTTPError``).

- ``UsageError``: a setting is missing or invalid; nothing was requested (exit 2).
- ``RequestFailed``: a request to an HTTP API did not give a usable answer (``transient``
  says whether trying again can help); ``ApiError`` is one to tester.army, ``ci.forge``'s
  ``ForgeError`` one to the code host.
- ``NothingStarted``: the API answered a start request, but started nothing to wait for.
- ``StartStopped``: the deadline passed, or the job was interrupted, before the runs started.

Errors of one module only (``client.TooDeep``, ``ci.forge.ForgeError``, ...) are defined there,
on the same base.
"""

from __future__ import annotations


class TesterArmyWaitError(Exception):
    """Base of every error this program raises on purpose."""


class UsageError(TesterArmyWaitError):
    """A setting is missing or invalid; the message is one sentence naming it."""


class RequestFailed(TesterArmyWaitError):
    """A request to an HTTP API that did not give a usable answer: the HTTP ``status`` when
    one came, whether trying again can help (``transient``), the pause the server asked for
    (``retry_after_s``), and whether the request may have reached it (``reached_server``)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after_s: float | None = None,
        reached_server: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.transient = transient
        self.retry_after_s = retry_after_s
        self.reached_server = reached_server  # False: the request surely had no effect


def retry_after_of(error: Exception) -> float | None:
    """The pause a failed request's server asked for; None when it asked for none."""
    return error.retry_after_s if isinstance(error, RequestFailed) else None


class ApiError(RequestFailed):
    """A request to tester.army that did not give a usable answer."""

    @property
    def safe_to_repeat_post(self) -> bool:
        """A POST may be sent again only if the first surely started nothing."""
        return not self.reached_server or self.status == 429


class NothingStarted(TesterArmyWaitError):
    """The API answered a start request, but started nothing this step can wait for."""


class StartStopped(TesterArmyWaitError):
    """The deadline passed, or the job was interrupted, before the runs were started."""

    def __init__(self, message: str, *, interrupted: bool) -> None:
        super().__init__(message)
        self.interrupted = interrupted
