"""One comment per job on a pull (merge) request, the same on GitHub and GitLab: find it by
its marker across every page of the thread, then create, edit or leave it as the ``comment``
mode says. A comment deleted between the look and the edit is written anew."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from testerarmy_wait.ci.forge import ForgeApi, ForgeError
from testerarmy_wait.report.comment import Existing, decide, read_marker, verdict_state
from testerarmy_wait.verdict import Verdict

PAGE_SIZE: Final = 100
MAX_PAGES: Final = 50


@dataclass(frozen=True)
class Thread:
    """Where a code host keeps the comments of one pull (merge) request."""

    list_path: str  # GET: the comments, paged; POST: a new one
    edit_path: str  # with {id}: one comment
    edit_method: str  # PATCH on GitHub, PUT on GitLab
    extra_params: tuple[tuple[str, str], ...] = ()


async def find(api: ForgeApi, thread: Thread, key: str) -> Existing | None:
    """Our comment among the thread's comments (every page, up to ``MAX_PAGES``)."""
    for page in range(1, MAX_PAGES + 1):
        params = {**dict(thread.extra_params), "per_page": str(PAGE_SIZE), "page": str(page)}
        comments, _headers = await api.call("GET", thread.list_path, params=params, ok=(200,))
        if not isinstance(comments, list):
            return None
        for comment in comments:
            if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
                continue
            state = read_marker(comment["body"], key)
            if state is not None and comment.get("id") is not None:
                return Existing(str(comment["id"]), state)
        if len(comments) < PAGE_SIZE:
            return None
    return None


async def upsert(
    api: ForgeApi, thread: Thread, *, key: str, mode: str, verdict: Verdict, body: str
) -> str:
    """Create, edit or leave the comment: ``created``, ``updated`` or ``left``."""
    existing = await find(api, thread, key)
    action = decide(mode, fails=not verdict.passed, existing=existing, state=verdict_state(verdict))
    if action == "skip":
        return "left"
    if action == "update" and existing is not None:
        try:
            path = thread.edit_path.format(id=existing.id)
            await api.call(thread.edit_method, path, json={"body": body})
            return "updated"
        except ForgeError as error:
            if error.status != 404:  # deleted meanwhile: write a new one
                raise
    await api.call("POST", thread.list_path, json={"body": body}, idempotent=False)
    return "created"
