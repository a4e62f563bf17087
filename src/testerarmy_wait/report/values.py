"""Machine-readable values shared by step outputs and the dotenv report.

No server text passes through here unchecked: a value that is not a plain token is
replaced by a fixed word, so consumers can paste these into shells and conditions.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from testerarmy_wait.verdict import Verdict

_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_STATUS_RE: Final = re.compile(r"[a-z_]{1,32}")


def duration_ms_text(verdict: Verdict) -> str:
    """The longest run's ``durationMs`` as an integer, or ``""`` when unknown."""
    value = verdict.duration_ms
    if value is None or not math.isfinite(value) or value < 0:
        return ""
    return str(round(value))


def safe_status(status: str) -> str:
    """A run status as a plain word (statuses are server text: unknown ones become ``other``)."""
    return status if _STATUS_RE.fullmatch(status) else "other"


def status_text(verdict: Verdict) -> str:
    """Every distinct status seen, sorted, comma-separated; ``unknown`` with no run."""
    statuses = sorted({safe_status(r.status) for r in verdict.runs})
    return ",".join(statuses) if statuses else "unknown"


def safe_run_id(run_id: str) -> str:
    """A run id as given when it is a plain token (ids from triggers are server text)."""
    return run_id if _TOKEN_RE.fullmatch(run_id) else "invalid"


def run_ids(verdict: Verdict) -> list[str]:
    return [safe_run_id(r) for r in verdict.run_ids]
