"""Telling the pull (merge) request: the comment or note, and the check run, on the platform
the job runs on. Only in a pull (merge) request pipeline, never with ``comment: off``, never
able to change the verdict (a failure is one warning), within its own time budget."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from testerarmy_wait.ci import github_api, gitlab_api
from testerarmy_wait.ci_context import CIContext
from testerarmy_wait.config import Settings
from testerarmy_wait.network import route_for
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.rerun import AttemptKey, attempt_key, start_key, state_line, state_of
from testerarmy_wait.verdict import Verdict

Told = tuple[list[str], list[str]]  # (what was done, warnings)


def safely(tell: Callable[[], Told], redactor: Redactor) -> Told:
    """``tell()``, with anything that goes wrong in it turned into one warning."""
    try:
        return tell()
    except Exception as error:  # never the job's problem
        message = redactor.message(f"{type(error).__name__}: {error}")
        return [], [f"could not tell the pull/merge request: {message}"]


def rerun_key(settings: Settings, context: CIContext) -> AttemptKey | None:
    """This job's CI run and attempt, when re-runs start only what failed: runs this step
    starts, ``rerun-failed-only``, on a platform that names its attempts."""
    if settings.start is None or not settings.inputs.rerun_failed_only:
        return None
    return attempt_key(context)


def hidden_state(settings: Settings, context: CIContext, verdict: Verdict) -> str | None:
    """The line the comment keeps for the next attempt of this job (``rerun-failed-only``)."""
    key = rerun_key(settings, context)
    if key is None or settings.start is None:
        return None
    return state_line(state_of(verdict.runs, key, start_key(settings.start)))


def pull_request_of(settings: Settings, context: CIContext) -> github_api.PullRequest | None:
    """The pull request this GitHub job tells, if any."""
    if context.github is None:
        return None
    return github_api.pull_request_context(
        context.github,
        context.change,
        pr_number=settings.pr_number,
        comment_key=settings.comment_key,
    )


def merge_request_of(settings: Settings, context: CIContext) -> gitlab_api.MergeRequest | None:
    """The merge request this GitLab job tells, if any."""
    if context.gitlab is None:
        return None
    return gitlab_api.merge_request_context(context.gitlab, comment_key=settings.comment_key)


def tell_github(
    settings: Settings, context: CIContext, verdict: Verdict, *, redactor: Redactor
) -> Told:
    """The comment (and check run) on the pull request this GitHub job runs for."""
    pr = None if settings.comment == "off" else pull_request_of(settings, context)
    if pr is None:
        return [], []
    if not settings.github_token:
        return [], [
            "no comment on the pull request: no github-token (the action passes the job's "
            "token by default; with `docker run` set TESTERARMY_GITHUB_TOKEN)"
        ]
    return asyncio.run(
        github_api.publish(
            pr,
            token=settings.github_token,
            mode=settings.comment,
            check_run=settings.check_run,
            verdict=verdict,
            redactor=redactor,
            route=route_for(pr.api_url, context.network_env),
            hidden=hidden_state(settings, context, verdict),
        )
    )


def tell_gitlab(
    settings: Settings, context: CIContext, verdict: Verdict, *, redactor: Redactor
) -> Told:
    """The note on the merge request of this GitLab merge-request pipeline."""
    mr = None if settings.comment == "off" else merge_request_of(settings, context)
    if mr is None:
        return [], []
    if not settings.gitlab_token:
        return [
            "no note on the merge request: set TESTERARMY_GITLAB_TOKEN (a masked variable "
            "holding a project access token with the api scope) to have one"
        ], []
    return asyncio.run(
        gitlab_api.publish(
            mr,
            token=settings.gitlab_token,
            mode=settings.comment,
            verdict=verdict,
            redactor=redactor,
            route=route_for(mr.api_url, context.network_env),
            hidden=hidden_state(settings, context, verdict),
        )
    )
