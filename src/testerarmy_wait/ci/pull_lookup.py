"""The pull request behind a commit, on GitHub: a ``deployment_status`` (or ``push``) event
carries none, so the open pull requests holding the commit are asked for
(``GET /repos/{owner}/{repo}/commits/{sha}/pulls``). Several: the one whose head is the
commit, else the most recently updated, and the log says which. A 403 or 404 (a token
without ``pull-requests: read``, a private fork) is one warning, never a failure.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from testerarmy_wait.ci.forge import ForgeApi, ForgeError, read_page
from testerarmy_wait.ci_context import DEPLOYMENT_EVENT, LOOKUP_EVENTS, ChangeRequest, CIContext
from testerarmy_wait.network import route_for
from testerarmy_wait.redaction import Redactor

if TYPE_CHECKING:
    from testerarmy_wait.inputs import Inputs

#: GitHub's largest page; a commit on more open pull requests than this is not expected.
PAGE: Final = 100
LOOKUP_BUDGET_S: Final = 10.0

_FIELDS: Final = {
    "number": None,
    "title": 500,
    "body": 5000,
    "state": 20,
    "head": None,
    "base": None,
    "ref": 255,
    "sha": 100,
    "updated_at": 40,
}


@dataclass(frozen=True)
class Found:
    """What the lookup found: the pull request (or None) and one line saying so."""

    change: ChangeRequest | None
    note: str


def _change(pr: dict[str, Any]) -> ChangeRequest | None:
    number = pr.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
        return None
    head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
    base = pr.get("base") if isinstance(pr.get("base"), dict) else {}

    def text(value: object) -> str | None:
        return value if isinstance(value, str) and value else None

    return ChangeRequest(
        number=number,
        title=text(pr.get("title")),
        description=text(pr.get("body")),
        base_branch=text(base.get("ref")) if isinstance(base, dict) else None,
        head_branch=text(head.get("ref")) if isinstance(head, dict) else None,
        commit_sha=text(head.get("sha")) if isinstance(head, dict) else None,
    )


def choose(pulls: list[dict[str, Any]], sha: str) -> Found:
    """The pull request to use among those holding ``sha`` (pure)."""
    open_ones = [p for p in pulls if p.get("state", "open") == "open" and _change(p) is not None]
    if not open_ones:
        return Found(None, f"no open pull request holds commit {sha[:12]}")
    heads = [
        p for p in open_ones if isinstance(p.get("head"), dict) and p["head"].get("sha") == sha
    ]
    if heads:
        chosen, why = heads[0], "its head is the commit"
    else:
        chosen = max(open_ones, key=lambda p: str(p.get("updated_at") or ""))
        why = "the most recently updated"
    change = _change(chosen)
    assert change is not None
    others = len(open_ones) - 1
    among = f" among {others + 1} open pull requests" if others else ""
    return Found(
        change, f"the commit {sha[:12]} is on pull request #{change.number} ({why}{among})"
    )


async def pull_request_for_commit(api: ForgeApi, repository: str, sha: str) -> Found:
    """The open pull request holding ``sha`` in ``repository`` (owner/name); ``ForgeError``
    when GitHub cannot say."""
    path = f"repos/{repository}/commits/{quote(sha, safe='')}/pulls"
    read = functools.partial(read_page, fields=_FIELDS, max_entries=PAGE)
    pulls, _headers = await api.call(
        "GET", path, params={"per_page": str(PAGE)}, ok=(200,), read=read
    )
    return choose(pulls, sha)


__all__ = ["LOOKUP_BUDGET_S", "ForgeError", "Found", "choose", "pull_request_for_commit"]


def _commit_of(context: CIContext, inputs: Inputs) -> str | None:
    """The commit whose pull request is wanted: the deployed one on ``deployment_status``,
    the pushed one on ``push``."""
    github = context.github
    if github is None:
        return None
    if inputs.commit_sha:
        return inputs.commit_sha
    if github.event_name == DEPLOYMENT_EVENT:
        deployment = github.event.get("deployment")
        sha = deployment.get("sha") if isinstance(deployment, Mapping) else None
        return sha.strip() if isinstance(sha, str) and sha.strip() else None
    return github.sha or None


def wanted(context: CIContext, inputs: Inputs) -> bool:
    """Whether this job needs the pull request of its commit and the event does not name
    one: a pull-request run to start, or a comment to write."""
    github = context.github
    return (
        github is not None
        and github.event_name in LOOKUP_EVENTS
        and context.change.number is None
        and inputs.pr_number is None
        and (inputs.project_id is not None or inputs.comment != "off" or inputs.check_run)
    )


def with_pull_request(
    context: CIContext, inputs: Inputs, redactor: Redactor
) -> tuple[CIContext, list[str], list[str]]:
    """The context with the pull request of its commit filled in, when it is wanted and
    GitHub can say; (context, notes, warnings). Never raises for GitHub's answers."""
    github, sha = context.github, _commit_of(context, inputs)
    if github is None or not wanted(context, inputs) or sha is None:
        return context, [], []
    if not inputs.github_token or "/" not in github.repository:
        return context, [], []
    headers = {
        "Authorization": f"Bearer {inputs.github_token}",
        "Accept": "application/vnd.github+json, application/json",
        "X-GitHub-Api-Version": "2022-11-28",
    }

    async def look() -> Found:
        route = route_for(github.api_url, context.network_env)
        async with ForgeApi(
            github.api_url, headers, redactor=redactor, budget_s=LOOKUP_BUDGET_S, route=route
        ) as api:
            return await pull_request_for_commit(api, github.repository, sha)

    try:
        found = asyncio.run(look())
    except ForgeError as error:
        hint = " (the token needs pull-requests: read)" if error.status in (403, 404) else ""
        message = redactor.message(str(error))
        return (
            context,
            [],
            [f"could not find the pull request of commit {sha[:12]}: {message}{hint}"],
        )
    if found.change is None:
        return context, [found.note], []
    change = replace(found.change, commit_sha=sha)  # what is tested is what was deployed
    return replace(context, change=change), [found.note], []
