"""What the wait observed for each run: the last snapshot and why watching stopped."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from testerarmy_wait.models import Run


class StopReason(StrEnum):
    FINISHED = "finished"  # the run reached a terminal status
    TIMEOUT = "timeout"  # the deadline passed first
    API_ERROR = "api_error"  # the API refused, broke or answered nonsense
    INTERRUPTED = "interrupted"  # the job was cancelled (SIGINT/SIGTERM)
    # The server cancelled this run as it started the group (a duplicate, the quota); the
    # group's other runs went ahead.
    CANCELLED_AT_START = "cancelled_at_start"
    # The server cancelled every run of the batch it started: nothing ran at all.
    BATCH_CANCELLED = "batch_cancelled"


@dataclass(frozen=True)
class Trigger:
    """How this invocation started a run (absent for runs it was handed)."""

    kind: str  # "test", "group", "pull-request", "webhook"
    target: str  # the test/group/project id, or "webhook"
    parameters: tuple[tuple[str, str], ...] = ()
    batch_id: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    """How waiting for one run ended: why it stopped, the run as last read, the polls."""

    run_id: str
    stop: StopReason
    run: Run | None = None
    problem: str | None = None  # one sentence for API_ERROR / REJECTED / TIMEOUT details
    polls: int = 0
    trigger: Trigger | None = None
    cancel_requested: bool = False  # we asked the API to cancel it
    unknown_statuses: tuple[str, ...] = field(default=())
    #: A run of an earlier attempt of this CI job that passed, reused (``rerun-failed-only``).
    previous_attempt: bool = False


@dataclass(frozen=True)
class Progress:
    """One observation while waiting, for live status lines and the poll log."""

    run_id: str
    status: str  # last status seen, "unknown" before the first answer
    polls: int  # answers received for this run so far
    elapsed_s: float  # since the wait began
    note: str | None = None  # e.g. "HTTP 503, retrying in 2.0 s"; already plain text
    total: int = 1  # runs being watched in all
    expected: str | None = None  # what the test's history says, e.g. "usually ~3m 10s, ..."


# ------------------------------------------------------------------ handed from start to wait


@dataclass(frozen=True)
class Started:
    """What the start step hands to waiting: the runs, and any cancelled at once."""

    targets: list[tuple[str, Trigger | None]]  # runs to wait for; Trigger if started here
    cancelled_at_start: list[RunOutcome] = field(default_factory=list)  # by the server
    batch_id: str | None = None


@dataclass(frozen=True)
class Retried:
    """The last attempt of every run, and the earlier attempts of those retried."""

    outcomes: list[RunOutcome]
    earlier: dict[str, tuple[RunOutcome, ...]]  # last attempt's run id -> earlier attempts
    notes: list[str]
