"""The verdict on a GitHub pull request: one comment per job, edited in place, and an optional
check run carrying every issue as an annotation.

Runs after the reports are written. Never changes the verdict: any failure is one warning
that says what to check.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from testerarmy_wait.ci import sticky
from testerarmy_wait.ci.forge import ForgeApi, ForgeError, keeping, parse
from testerarmy_wait.ci_context import LOOKUP_EVENTS, ChangeRequest, GitHubJob
from testerarmy_wait.network import Route
from testerarmy_wait.policy import Result
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import comment_body, comment_key
from testerarmy_wait.report.escape import cap, one_line
from testerarmy_wait.report.formatting import severity_name, short_id
from testerarmy_wait.verdict import RunVerdict, Verdict

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue

PR_EVENTS: Final = ("pull_request", "pull_request_target")
#: Events that are about a pull request only when its number is given (``pr-number``).
PR_NUMBER_EVENTS: Final = ("issue_comment", "workflow_run")

ANNOTATIONS_PER_REQUEST: Final = 50  # GitHub's limit
CHECK_TEXT_MAX: Final = 60_000
#: Whom the job's ``GITHUB_TOKEN`` writes as; it may not ask ``GET /user`` (403).
ACTIONS_BOT: Final = sticky.Author("github-actions[bot]", type="Bot")


@dataclass(frozen=True)
class PullRequest:
    """Where the job's verdict goes on GitHub."""

    api_url: str
    repository: str  # owner/name
    number: int
    head_sha: str
    key_source: str  # workflow, job and matrix values, or the comment-key setting
    workflow_path: str  # where check-run annotations point


def pull_request_context(
    job: GitHubJob, change: ChangeRequest, *, pr_number: int | None, comment_key: str | None
) -> PullRequest | None:
    """The pull request this job runs for, or None outside one: ``pull_request`` and
    ``pull_request_target`` events, and ``issue_comment``/``workflow_run`` events when
    ``pr-number`` names it."""
    number: int | None = None
    if job.event_name in PR_EVENTS:
        number = pr_number or change.number
    elif job.event_name in PR_NUMBER_EVENTS and pr_number:
        number = pr_number
    elif job.event_name in LOOKUP_EVENTS:  # the pull request found for the commit, if any
        number = pr_number or change.number
    repository = job.repository
    if number is None or number < 1 or "/" not in repository:
        return None
    workflow_path = job.workflow_ref.split("@", 1)[0].removeprefix(repository + "/")
    key = comment_key or "|".join([job.workflow, job.job, job.matrix])
    return PullRequest(
        api_url=job.api_url,
        repository=repository,
        number=number,
        head_sha=change.commit_sha or job.sha,
        key_source=key,
        workflow_path=workflow_path or ".github",
    )


def _why(error: ForgeError, what: str) -> str:
    if error.status == 403:
        return (
            f"could not {what}: HTTP 403, the token may not write here. Pull requests from "
            "forks get a read-only token; elsewhere give the job `permissions: "
            "pull-requests: write` (and `checks: write` for check-run)"
        )
    if error.status == 401:
        return f"could not {what}: HTTP 401, check the github-token input"
    if error.status == 404:
        return f"could not {what}: HTTP 404, check the repository and the pull request number"
    return f"could not {what}: {error}"


def _thread(pr: PullRequest) -> sticky.Thread:
    return sticky.Thread(
        list_path=f"repos/{pr.repository}/issues/{pr.number}/comments",
        edit_path=f"repos/{pr.repository}/issues/comments/{{id}}",
        edit_method="PATCH",
        author_field="user",
        login_field="login",
    )


async def token_account(api: ForgeApi) -> sticky.Author:
    """Whom the token writes as: ``GET /user`` for a personal or app-user token. The job's
    ``GITHUB_TOKEN`` may not ask (403) and writes as github-actions[bot]. ``NoAccount`` when
    neither can be told."""
    read = functools.partial(parse, hook=keeping(sticky.account_fields("login")))
    try:
        data, _headers = await api.call("GET", "user", ok=(200,), read=read)
    except ForgeError as error:
        if error.status == 403:
            return ACTIONS_BOT
        raise sticky.NoAccount(str(error), status=error.status) from None
    account = sticky.author_of(data, "login")
    if account is None:
        raise sticky.NoAccount("GET user: an answer that names no account", status=200)
    return account


def _no_account(error: sticky.NoAccount, where: str) -> str:
    if error.status == 401:
        return _why(error, f"comment on {where}")
    return (
        f"could not comment on {where}: could not tell which account the token writes as "
        f"({error}), so no comment was written or edited"
    )


async def post_comment(
    api: ForgeApi,
    pr: PullRequest,
    *,
    me: sticky.Author,
    mode: str,
    verdict: Verdict,
    key: str,
    body: str,
    redactor: Redactor,
) -> list[str]:
    """Create, edit or leave the comment ``me`` wrote; what was done, one line each."""
    done = await sticky.upsert(
        api, _thread(pr), me=me, key=key, mode=mode, verdict=verdict, body=body
    )
    return sticky.done_lines(f"pull request #{pr.number}", "comment", mode, done, redactor)


def conclusion(verdict: Verdict) -> str:
    if verdict.result is Result.TIMEOUT:
        return "timed_out"
    if verdict.result is Result.CANCELLED:
        return "cancelled"
    if not verdict.passed:
        return "failure"
    return "neutral" if verdict.result in (Result.SKIPPED, Result.STARTED) else "success"


def _annotation(
    run: RunVerdict, issue: Issue, level: str, path: str, redactor: Redactor
) -> dict[str, Any]:
    where = f" at {one_line(issue.url, 300)}" if issue.url else ""
    title = f"{severity_name(issue)}: {one_line(issue.name) or 'unnamed'}"
    message = (
        f"{one_line(issue.description) or one_line(issue.name)}\n"
        f"{one_line(run.feature_name, 100) or 'run'} ({short_id(run.run_id)}){where}"
    )
    return {
        "path": path,
        "start_line": 1,
        "end_line": 1,
        "annotation_level": level,
        "title": cap(redactor.text(title), 255),
        "message": cap(redactor.text(message), 4000),
    }


def issue_annotations(verdict: Verdict, path: str, redactor: Redactor) -> list[dict[str, Any]]:
    """Every issue of every run, worst first, as a check-run annotation: blocking ones as
    failures, warnings and known ones (in the baseline) as notices, the rest as warnings."""
    out = []
    for run in verdict.runs_worst_first():
        blocking = "failure" if run.fails_policy else "warning"
        out += [_annotation(run, i, blocking, path, redactor) for i in run.blocking_issues]
        for issue in run.other_issues:
            level = "notice" if issue.is_warning else "warning"
            out.append(_annotation(run, issue, level, path, redactor))
        out += [_annotation(run, k.issue, "notice", path, redactor) for k in run.known_issues]
    return out


async def post_check_run(
    api: ForgeApi, pr: PullRequest, *, verdict: Verdict, text: str, redactor: Redactor
) -> str:
    """A completed check run, named after the features tested, every issue annotated (50 a
    request: the first with the check run, the rest in updates); ``text`` is its report."""
    features = sorted({r.feature_name for r in verdict.runs if r.feature_name})
    listed = ", ".join(one_line(f, 60) for f in features) or "QA"
    name = cap(redactor.text("tester.army: " + listed), 100)
    items = issue_annotations(verdict, pr.workflow_path, redactor)
    batches = [
        items[n : n + ANNOTATIONS_PER_REQUEST]
        for n in range(0, len(items), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    output = {
        "title": cap(one_line(verdict.headline), 255),
        "summary": cap(text, CHECK_TEXT_MAX),
    }
    created, _h = await api.call(
        "POST",
        f"repos/{pr.repository}/check-runs",
        json={
            "name": name,
            "head_sha": pr.head_sha,
            "status": "completed",
            "conclusion": conclusion(verdict),
            "output": {**output, "annotations": batches[0]},
        },
        idempotent=False,
    )
    check_id = created.get("id") if isinstance(created, dict) else None
    for batch in batches[1:]:
        if check_id is None:
            break
        await api.call(
            "PATCH",
            f"repos/{pr.repository}/check-runs/{check_id}",
            json={"output": {**output, "annotations": batch}},
        )
    return f"check run {name!r}: {conclusion(verdict)}, {len(items)} annotations"


def _headers(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json, application/json",
        "X-GitHub-Api-Version": "2022-11-28",
    }


async def own_comment(
    pr: PullRequest,
    *,
    token: str,
    redactor: Redactor,
    route: Route | None,
    budget_s: float,
    api_factory: Callable[..., ForgeApi] = ForgeApi,
) -> str | None:
    """The whole text of this job's comment on the pull request, when the token wrote one."""
    async with api_factory(
        pr.api_url, _headers(token), redactor=redactor, route=route, budget_s=budget_s
    ) as api:
        me = await token_account(api)
        return await sticky.read_own(api, _thread(pr), comment_key(pr.key_source), me)


async def publish(
    pr: PullRequest,
    *,
    token: str,
    mode: str,
    check_run: bool,
    verdict: Verdict,
    redactor: Redactor,
    route: Route | None,
    hidden: str | None = None,
    api_factory: Callable[..., ForgeApi] = ForgeApi,
) -> tuple[list[str], list[str]]:
    """Everything this job tells the pull request: (what was done, warnings); ``hidden`` is
    a line kept at the end of the comment for the next attempt of the job."""
    done: list[str] = []
    warnings: list[str] = []
    key = comment_key(pr.key_source)
    body = comment_body(verdict, key=key, redactor=redactor)
    text = body.split("\n", 1)[1]  # the comment without its marker, for the check run
    body = f"{body}\n{hidden}" if hidden else body
    async with api_factory(pr.api_url, _headers(token), redactor=redactor, route=route) as api:
        if mode != "off":
            where = f"pull request #{pr.number}"
            try:
                me = await token_account(api)
                done += await post_comment(
                    api,
                    pr,
                    me=me,
                    mode=mode,
                    verdict=verdict,
                    key=key,
                    body=body,
                    redactor=redactor,
                )
            except sticky.NoAccount as error:
                # Without the token's account no comment can be told from one someone else
                # wrote with our marker: edit none, and create none either (a new one on every
                # such job would leave the earlier verdicts standing beside it). One warning
                # says so; the job's result and summary carry the verdict all the same.
                warnings.append(_no_account(error, where))
            except ForgeError as error:
                warnings.append(_why(error, f"comment on {where}"))
        if check_run:
            try:
                done.append(
                    await post_check_run(api, pr, verdict=verdict, text=text, redactor=redactor)
                )
            except ForgeError as error:
                warnings.append(_why(error, "create the check run"))
    return done, warnings
