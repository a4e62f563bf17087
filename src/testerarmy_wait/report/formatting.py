"""Small shared wording for every report: durations, severities, result marks, run links."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from testerarmy_wait.policy import SEVERITY_NAMES, Result
from testerarmy_wait.report.escape import safe_url

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue


RESULT_EMOJI: Final = {
    Result.PASS: "✅",
    Result.FAILED: "❌",
    Result.SKIPPED: "⏭️",
    Result.ERROR: "⚠️",
    Result.CANCELLED: "🚫",
    Result.TIMEOUT: "⏱️",
    Result.STARTED: "🚀",
}
SEVERITY_EMOJI: Final = {5: "🔴", 4: "🟠", 3: "🟡", 2: "🔵", 1: "⚪"}
UNKNOWN_SEVERITY_EMOJI: Final = "❔"
_PLAIN_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]+")


def format_duration(ms: float | None) -> str:
    """``41.0 s`` under a minute, ``2m 14s`` under an hour, ``1h 05m`` beyond; ``–`` if unknown."""
    if ms is None or not math.isfinite(ms) or ms < 0:
        return "–"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    total = round(seconds)
    if total < 3600:
        return f"{total // 60}m {total % 60:02d}s"
    return f"{total // 3600}h {total % 3600 // 60:02d}m"


def severity_name(issue: Issue) -> str:
    """``5 · critical``; an unreadable severity is ``? · unknown`` (and counts as blocking)."""
    if issue.severity is None:
        return "? · unknown"
    name = SEVERITY_NAMES.get(issue.severity, "out of range")
    return f"{issue.severity} · {name}"


def severity_emoji(issue: Issue) -> str:
    if issue.severity is None:
        return UNKNOWN_SEVERITY_EMOJI
    return SEVERITY_EMOJI.get(issue.severity, UNKNOWN_SEVERITY_EMOJI)


def short_id(run_id: str) -> str:
    """The first eight characters of a run id, as shown in tables and log lines."""
    return run_id[:8]


def run_link(run_url: str | None, run_id: str) -> str | None:
    """The run's dashboard link from a ``{id}`` template, if it makes a safe http(s) URL."""
    if not run_url or "{id}" not in run_url:
        return None
    return safe_url(run_url.replace("{id}", quote(run_id, safe="")))


def is_plain_id(value: str) -> bool:
    """True for ids made only of letters, digits, ``-`` and ``_`` (safe anywhere)."""
    return bool(_PLAIN_ID_RE.fullmatch(value))


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    return f"{n} {noun}" if n == 1 else f"{n:,} {plural_form or noun + 's'}"
