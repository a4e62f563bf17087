"""The verdict on a GitLab merge request: one note per job, edited in place.

GitLab's ``CI_JOB_TOKEN`` cannot write notes: the note needs ``TESTERARMY_GITLAB_TOKEN`` (a
project access token with ``api`` scope, in a masked CI/CD variable). Never changes the
verdict: any failure is one warning that says what to check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from testerarmy_wait.ci import sticky
from testerarmy_wait.ci.forge import ForgeApi, ForgeError, keeping, parse
from testerarmy_wait.ci_context import GitLabJob
from testerarmy_wait.network import Route
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import comment_body, comment_key
from testerarmy_wait.verdict import Verdict


@dataclass(frozen=True)
class MergeRequest:
    """Where the job's verdict goes on GitLab."""

    api_url: str  # CI_API_V4_URL
    project: str  # CI_PROJECT_ID
    iid: int
    key_source: str


def merge_request_context(job: GitLabJob, *, comment_key: str | None) -> MergeRequest | None:
    """The merge request of a merge-request pipeline, or None in any other pipeline."""
    iid = job.merge_request_iid
    if iid is None or not (job.project_id and job.api_url):
        return None
    return MergeRequest(
        api_url=job.api_url,
        project=job.project_id,
        iid=iid,
        key_source=comment_key or job.job_name,
    )


def _thread(mr: MergeRequest) -> sticky.Thread:
    notes = f"projects/{quote(mr.project, safe='')}/merge_requests/{mr.iid}/notes"
    return sticky.Thread(
        list_path=notes,
        edit_path=notes + "/{id}",
        edit_method="PUT",
        author_field="author",
        login_field="username",
        extra_params=(("sort", "asc"),),
    )


async def token_account(api: ForgeApi) -> sticky.Author:
    """Whom the token writes as (``GET /user``); ``NoAccount`` when it cannot be told."""
    read = functools.partial(parse, hook=keeping(sticky.account_fields("username")))
    try:
        data, _headers = await api.call("GET", "user", ok=(200,), read=read)
    except ForgeError as error:
        raise sticky.NoAccount(str(error), status=error.status) from None
    account = sticky.author_of(data, "username")
    if account is None or account.id is None:
        raise sticky.NoAccount("GET user: an answer that names no account", status=200)
    return account


def _why(error: ForgeError, mr: MergeRequest) -> str:
    what = f"could not write a note on merge request !{mr.iid}"
    if error.status in (401, 403):
        return (
            f"{what}: HTTP {error.status}; TESTERARMY_GITLAB_TOKEN must be a project access token "
            "with the api scope (and at least the Reporter role)"
        )
    if isinstance(error, sticky.NoAccount):
        return (
            f"{what}: could not tell which account the token writes as ({error}), so none was "
            "written or edited"
        )
    if error.status == 404:
        return f"{what}: HTTP 404, check CI_PROJECT_ID and the token's project"
    return f"{what}: {error}"


async def own_note(
    mr: MergeRequest,
    *,
    token: str,
    redactor: Redactor,
    route: Route | None,
    budget_s: float,
    api_factory: Callable[..., ForgeApi] = ForgeApi,
) -> str | None:
    """The whole text of this job's note on the merge request, when the token wrote one."""
    async with api_factory(
        mr.api_url, {"PRIVATE-TOKEN": token}, redactor=redactor, route=route, budget_s=budget_s
    ) as api:
        me = await token_account(api)
        return await sticky.read_own(api, _thread(mr), comment_key(mr.key_source), me)


async def publish(
    mr: MergeRequest,
    *,
    token: str,
    mode: str,
    verdict: Verdict,
    redactor: Redactor,
    route: Route | None,
    hidden: str | None = None,
    api_factory: Callable[..., ForgeApi] = ForgeApi,
) -> tuple[list[str], list[str]]:
    """The note this job leaves on the merge request: (what was done, warnings); ``hidden``
    is a line kept at the end of the note for the next attempt of the job."""
    if mode == "off":
        return [], []
    key = comment_key(mr.key_source)
    body = comment_body(verdict, key=key, redactor=redactor)
    body = f"{body}\n{hidden}" if hidden else body
    where = f"merge request !{mr.iid}"
    async with api_factory(
        mr.api_url, {"PRIVATE-TOKEN": token}, redactor=redactor, route=route
    ) as api:
        try:
            # Without the token's account no note can be told from one someone else wrote with
            # our marker: edit none, and create none either (a new one on every such job would
            # leave the earlier verdicts standing beside it). One warning says so; the job's
            # result and reports carry the verdict all the same.
            me = await token_account(api)
            done = await sticky.upsert(
                api, _thread(mr), me=me, key=key, mode=mode, verdict=verdict, body=body
            )
        except ForgeError as error:
            return [], [_why(error, mr)]
    return sticky.done_lines(where, "note", mode, done, redactor), []
