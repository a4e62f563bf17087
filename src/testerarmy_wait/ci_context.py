"""What the CI job runs for, read from the platform's own context: GitHub's event file, GitLab's
``CI_MERGE_REQUEST_*`` variables. Pure reading: no reporter, no request, nothing written."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_event(env: Mapping[str, str]) -> dict[str, Any]:
    """GitHub's event file (``GITHUB_EVENT_PATH``) as a dict; empty when there is none or it
    cannot be read."""
    event_path = env.get("GITHUB_EVENT_PATH", "").strip()
    if not event_path:
        return {}
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def pull_request_from_event(env: Mapping[str, str]) -> dict[str, Any]:
    """Pull-request fields from GitHub's event file on ``pull_request`` events (empty when
    there is none, it cannot be read, or the event is not about a pull request)."""
    pr = read_event(env).get("pull_request")
    if not isinstance(pr, dict):
        return {}
    base = pr.get("base")
    head = pr.get("head")
    base = base if isinstance(base, dict) else {}
    head = head if isinstance(head, dict) else {}
    found = {
        "number": pr.get("number"),
        "title": pr.get("title"),
        "description": pr.get("body"),
        "baseBranch": base.get("ref"),
        "headBranch": head.get("ref"),
        "commitSha": head.get("sha"),
    }
    return {k: v for k, v in found.items() if v not in (None, "")}


def merge_request_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """Merge-request fields from GitLab's ``CI_MERGE_REQUEST_*`` variables (empty outside a
    merge-request pipeline)."""
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    if not iid:
        return {}
    found = {
        "number": int(iid) if iid.isascii() and iid.isdigit() else None,
        "title": env.get("CI_MERGE_REQUEST_TITLE"),
        "description": env.get("CI_MERGE_REQUEST_DESCRIPTION"),
        "baseBranch": env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        "headBranch": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
        "commitSha": env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA"),
    }
    return {k: v for k, v in found.items() if v not in (None, "")}


def pull_request_from_ci(env: Mapping[str, str]) -> dict[str, Any]:
    """The pull (merge) request the CI job runs for, from the platform's own context."""
    if env.get("GITHUB_EVENT_PATH", "").strip():
        return pull_request_from_event(env)
    return merge_request_from_env(env)
