"""The pull (merge) request comment: the job summary's own renderer with a smaller budget, a
hidden marker to find the comment again, and links to the job.

Pure: what the comment says, how it is recognised, and whether to create, edit or leave it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Final, Literal, get_args

from testerarmy_wait.policy import CommentMode
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.escape import md_link, rendered
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import Verdict

#: GitHub keeps at most 65,536 characters per comment (GitLab a million); a reader, far less.
COMMENT_MAX_BYTES: Final = 60_000
_MARKER_RE: Final = re.compile(
    r"^<!-- testerarmy-wait comment key=(?P<key>[0-9a-f]{16}) state=(?P<state>[0-9a-f]{16}) -->"
)
MODES: Final = get_args(CommentMode)
Action = Literal["create", "update", "skip"]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def comment_key(raw: str) -> str:
    """The marker's key: a hash of what tells this job apart (workflow, job, matrix values),
    so any text is safe in it and two jobs never share a comment by accident."""
    return _hash(raw)


def verdict_state(verdict: Verdict) -> str:
    """What ``on-change`` compares: the result and the blocking issues (not their wording
    order, not timings)."""
    blocking = sorted(
        f"{issue.severity}|{issue.type}|{issue.name}|{issue.url}"
        for run in verdict.runs
        for issue in run.blocking_issues
    )
    return _hash("\n".join([verdict.result.value, *blocking]))


@dataclass(frozen=True)
class Existing:
    """Our comment found on the pull request."""

    id: str
    state: str  # the verdict state it was written for


def read_marker(body: str, key: str) -> str | None:
    """The state recorded in ``body`` when it is this job's comment, else None."""
    match = _MARKER_RE.match(body)
    if match is None or match["key"] != key:
        return None
    return match["state"]


def decide(mode: str, *, fails: bool, existing: Existing | None, state: str) -> Action:
    """Whether to create, edit or leave the comment.

    ``always``: create or edit. ``on-failure``: create or edit when the result fails the
    policy; when it passes, edit an existing comment (so a red one never goes stale) but
    create none. ``on-change``: create, or edit only when the result or the blocking issues
    changed. ``off``: nothing."""
    if mode == "off":
        return "skip"
    if mode == "on-failure" and not fails:
        return "update" if existing is not None else "skip"
    if existing is None:
        return "create"
    if mode == "on-change" and existing.state == state:
        return "skip"
    return "update"


def comment_body(
    verdict: Verdict,
    *,
    key: str,
    max_bytes: int = COMMENT_MAX_BYTES,
    redactor: Redactor,
) -> str:
    """The comment: marker, the summary (within budget, secrets taken out by ``redactor``),
    and where the job is (the verdict's ``links.job_url``). The API URL is left out: a pull
    request may be read by more people than the job's log."""
    marker = f"<!-- testerarmy-wait comment key={key} state={verdict_state(verdict)} -->"
    job_url = verdict.links.job_url
    link = md_link("Job summary and reports", job_url) if job_url else ""
    footer = f"\n{link} · posted by testerarmy-wait\n" if link else ""
    room = max(1024, max_bytes - len(marker.encode()) - len(footer.encode()) - 2)
    shown = replace(verdict, links=replace(verdict.links, api_url=None))
    summary = rendered(redactor, render_summary(shown, max_bytes=room))
    return f"{marker}\n{summary.rstrip()}\n{footer}"
