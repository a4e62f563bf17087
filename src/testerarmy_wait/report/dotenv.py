"""The GitLab ``artifacts:reports:dotenv`` file.

GitLab's rules: ``KEY=VALUE`` lines, keys ``[A-Za-z0-9_]``, single-line values without
spaces or quotes, no comments, no empty lines, at most 5 KB and 20 variables. Values come
only from our own vocabulary and checked tokens (never server text) and are validated
against ``[A-Za-z0-9_.,:-]``. With many runs, ``TESTERARMY_RUN_IDS`` keeps as many ids as
fit and ``TESTERARMY_RUN_IDS_TRUNCATED`` says so; ``TESTERARMY_RUN_COUNT`` is always the
full count.
"""

from __future__ import annotations

import re
from typing import Final

from testerarmy_wait.report.values import duration_ms_text, run_ids, status_text
from testerarmy_wait.verdict import Verdict

MAX_BYTES: Final = 5 * 1024
_BUDGET: Final = 4 * 1024  # bytes for the whole file, with room to spare under 5 KB
_KEY_RE: Final = re.compile(r"[A-Za-z0-9_]+")
_VALUE_RE: Final = re.compile(r"[A-Za-z0-9_.,:-]*")


def _line(key: str, value: str) -> str:
    if not _KEY_RE.fullmatch(key):
        raise ValueError(f"invalid dotenv key {key!r}")
    if not _VALUE_RE.fullmatch(value):
        raise ValueError(f"invalid dotenv value for {key}")
    return f"{key}={value}\n"


def render_dotenv(verdict: Verdict) -> str:
    """The dotenv file's text."""
    ids = run_ids(verdict)
    fixed = {
        "TESTERARMY_RESULT": verdict.result.value,
        "TESTERARMY_STATUS": status_text(verdict),
        "TESTERARMY_EXIT_CODE": str(int(verdict.exit_code)),
        "TESTERARMY_DURATION_MS": duration_ms_text(verdict),
        "TESTERARMY_ISSUE_COUNT": str(verdict.issue_count),
        "TESTERARMY_BLOCKING_ISSUE_COUNT": str(verdict.blocking_issue_count),
        "TESTERARMY_KNOWN_ISSUE_COUNT": str(verdict.known_issue_count),
        "TESTERARMY_RUN_COUNT": str(len(ids)),
        "TESTERARMY_FLAKY_COUNT": str(verdict.flaky_count),
        "TESTERARMY_RUN_IDS_TRUNCATED": "false",
    }
    if len(status_text(verdict)) > 200:
        fixed["TESTERARMY_STATUS"] = "many"
    head = "".join(_line(k, v) for k, v in fixed.items())
    room = _BUDGET - len(head.encode()) - len("TESTERARMY_RUN_IDS=\n")
    kept: list[str] = []
    used = 0
    for run_id in ids:
        cost = len(run_id) + (1 if kept else 0)
        if used + cost > room:
            break
        kept.append(run_id)
        used += cost
    if len(kept) < len(ids):
        fixed["TESTERARMY_RUN_IDS_TRUNCATED"] = "true"
        head = "".join(_line(k, v) for k, v in fixed.items())
    return head + _line("TESTERARMY_RUN_IDS", ",".join(kept))
