"""One comment per job on a pull (merge) request, the same on GitHub and GitLab: find it by its
marker across every page of the thread, then create, edit or leave it as the ``comment`` mode
says. A comment deleted between the look and the edit is written anew.

Anyone who can comment can write the marker: a comment is ours only when the token's own
account wrote it. Other people's comments are never edited and their marker's state is never
read, whatever they say; those carrying this job's marker are named in the log.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from testerarmy_wait.ci.forge import ForgeApi, ForgeError, keeping, parse, read_page
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import Existing, decide, read_marker, verdict_state
from testerarmy_wait.report.escape import one_line
from testerarmy_wait.verdict import Verdict

PAGE_SIZE: Final = 100
MAX_PAGES: Final = 50
#: Of a comment's body only the start is read: the marker is on its first line.
MARKER_CHARS: Final = 128
#: Of a login, at most this many characters are read (GitHub's have 39, GitLab's 255); the
#: log shows fewer, cut again once the secrets are out.
LOGIN_CHARS: Final = 255
#: Characters of a login shown in the log, and how many logins are named there.
SHOWN_LOGIN_CHARS: Final = 60
NAMED_STRANGERS: Final = 3


class NoAccount(ForgeError):
    """Whom the token writes as could not be told: no comment is written or edited."""


@dataclass(frozen=True)
class Author:
    """An account on the code host: who wrote a comment, or whom the token writes as."""

    login: str  # GitHub's login, GitLab's username
    type: str | None = None  # GitHub's account type: "User", "Bot"
    id: str | None = None


@dataclass(frozen=True)
class Thread:
    """Where a code host keeps the comments of one pull (merge) request."""

    list_path: str  # GET: the comments, paged; POST: a new one
    edit_path: str  # with {id}: one comment
    edit_method: str  # PATCH on GitHub, PUT on GitLab
    author_field: str  # the comment's author: "user" on GitHub, "author" on GitLab
    login_field: str  # the author's name: "login" on GitHub, "username" on GitLab
    extra_params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Listed:
    """What is read of one comment: no more than the search needs."""

    id: str | None
    author: Author | None
    state: str | None  # the marker's state, when it carries this job's marker


@dataclass(frozen=True)
class Found:
    """Our comment, if any, and who else wrote a comment carrying our marker."""

    ours: Existing | None
    strangers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Upserted:
    """What was done (``created``, ``updated`` or ``left``), and who else wrote our marker."""

    done: str
    strangers: tuple[str, ...] = ()


def author_of(value: Any, login_field: str) -> Author | None:
    """The account a code host's user object names, or None when it names none."""
    if not isinstance(value, dict):
        return None
    login, kind, number = value.get(login_field), value.get("type"), value.get("id")
    if not isinstance(login, str) or not login:
        return None
    return Author(
        login=login,
        type=kind if isinstance(kind, str) else None,
        id=_id(number),
    )


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


def is_ours(author: Author | None, me: Author) -> bool:
    """Whether ``author`` is the token's own account: the same login, and the same account
    type and id wherever the token's are known."""
    if author is None or author.login.casefold() != me.login.casefold():
        return False
    if me.type is not None and author.type != me.type:
        return False
    return me.id is None or author.id == me.id


def account_fields(login_field: str) -> dict[str, int | None]:
    """What is read of a user object."""
    return {login_field: LOGIN_CHARS, "type": LOGIN_CHARS, "id": None}


def listed(entry: Mapping[str, Any], thread: Thread, key: str) -> Listed:
    """One comment of a page, as :func:`choose` reads it."""
    body = entry.get("body")
    return Listed(
        id=_id(entry.get("id")),
        author=author_of(entry.get(thread.author_field), thread.login_field),
        state=read_marker(body, key) if isinstance(body, str) else None,
    )


def read_listing(body: bytes, thread: Thread, key: str) -> list[Listed]:
    """One page of the thread, each comment read down to its id, author and marker state."""
    fields = {
        **account_fields(thread.login_field),
        "body": MARKER_CHARS,
        thread.author_field: LOGIN_CHARS,  # an object, kept as it was read; text, cut
    }
    return [listed(entry, thread, key) for entry in read_page(body, fields, PAGE_SIZE)]


def choose(page: Sequence[Listed], me: Author) -> Found:
    """Our comment on a page of the thread (the first we wrote with this job's marker), and
    the logins of others whose comments there carry the marker."""
    ours: Existing | None = None
    strangers: list[str] = []
    for comment in page:
        if comment.state is None:
            continue
        if is_ours(comment.author, me):
            if ours is None and comment.id is not None:
                ours = Existing(comment.id, comment.state)
        else:
            strangers.append(comment.author.login if comment.author else "an unnamed account")
    return Found(ours, tuple(strangers))


async def find(api: ForgeApi, thread: Thread, key: str, me: Author) -> Found:
    """Our comment among the thread's comments (every page, up to ``MAX_PAGES``); a page is
    read down to what :func:`choose` needs and let go before the next is asked for."""
    strangers: list[str] = []
    read = functools.partial(read_listing, thread=thread, key=key)
    for page in range(1, MAX_PAGES + 1):
        params = {**dict(thread.extra_params), "per_page": str(PAGE_SIZE), "page": str(page)}
        comments, _headers = await api.call(
            "GET", thread.list_path, params=params, ok=(200,), read=read
        )
        found, last = choose(comments, me), len(comments) < PAGE_SIZE
        del comments
        strangers += found.strangers
        if found.ours is not None or last:
            return Found(found.ours, tuple(dict.fromkeys(strangers)))
    return Found(None, tuple(dict.fromkeys(strangers)))


async def read_own(api: ForgeApi, thread: Thread, key: str, me: Author) -> str | None:
    """The whole text of the comment ``me`` wrote for this job, or None when there is none."""
    found = await find(api, thread, key, me)
    if found.ours is None:
        return None
    read = functools.partial(parse, hook=keeping({"body": None}))
    data, _headers = await api.call(
        "GET", thread.edit_path.format(id=found.ours.id), ok=(200,), read=read
    )
    body = data.get("body") if isinstance(data, dict) else None
    return body if isinstance(body, str) else None


def strangers_line(where: str, logins: Sequence[str], redactor: Redactor) -> str:
    """One line for the log: who else wrote a comment carrying this job's marker."""
    shown = [redactor.cut(one_line(login), SHOWN_LOGIN_CHARS) for login in logins]
    names = ", ".join(shown[:NAMED_STRANGERS])
    if len(shown) > NAMED_STRANGERS:
        names += f" and {len(shown) - NAMED_STRANGERS} more"
    one = len(shown) == 1
    return (
        f"{where}: {'a comment' if one else 'comments'} by {names} "
        f"{'carries' if one else 'carry'} this job's marker but {'was' if one else 'were'} not "
        "written by this token: left alone and not read"
    )


def done_lines(where: str, noun: str, mode: str, done: Upserted, redactor: Redactor) -> list[str]:
    """What was done, for the log: one line, and one more naming anyone else who wrote a
    comment carrying this job's marker."""
    left = done.done == "left"
    lines = [f"{where}: {noun} left as it is ({mode})" if left else f"{where}: {noun} {done.done}"]
    if done.strangers:
        lines.append(strangers_line(where, done.strangers, redactor))
    return lines


async def upsert(
    api: ForgeApi,
    thread: Thread,
    *,
    me: Author,
    key: str,
    mode: str,
    verdict: Verdict,
    body: str,
) -> Upserted:
    """Create, edit or leave the comment ``me`` wrote for this job."""
    found = await find(api, thread, key, me)
    existing = found.ours
    action = decide(mode, fails=not verdict.passed, existing=existing, state=verdict_state(verdict))
    if action == "skip":
        return Upserted("left", found.strangers)
    if action == "update" and existing is not None:
        try:
            path = thread.edit_path.format(id=existing.id)
            await api.call(thread.edit_method, path, json={"body": body})
            return Upserted("updated", found.strangers)
        except ForgeError as error:
            if error.status != 404:  # deleted meanwhile: write a new one
                raise
    await api.call("POST", thread.list_path, json={"body": body}, idempotent=False)
    return Upserted("created", found.strangers)
