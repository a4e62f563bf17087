"""Telling the pull (merge) request: the comment or note, and the check run, on the platform
the job runs on. Only in a pull (merge) request pipeline, never with ``comment: off``, never
able to change the verdict (a failure is one warning), within its own time budget."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from testerarmy_wait.ci import github_api, gitlab_api
from testerarmy_wait.config import Settings
from testerarmy_wait.network import route_for
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.verdict import Verdict


def tell(
    settings: Settings,
    env: Mapping[str, str],
    verdict: Verdict,
    *,
    redactor: Redactor,
    run_url: str | None,
) -> tuple[list[str], list[str]]:
    """(what was done, warnings) after telling the review, if there is one to tell; nothing
    that goes wrong here escapes as more than one warning."""
    try:
        return _tell(settings, env, verdict, redactor=redactor, run_url=run_url)
    except Exception as error:  # never the job's problem
        message = redactor.message(f"{type(error).__name__}: {error}")
        return [], [f"could not tell the pull/merge request: {message}"]


def _tell(
    settings: Settings,
    env: Mapping[str, str],
    verdict: Verdict,
    *,
    redactor: Redactor,
    run_url: str | None,
) -> tuple[list[str], list[str]]:
    if settings.comment == "off":
        return [], []
    if env.get("GITHUB_ACTIONS") == "true":
        pr = github_api.pull_request_context(
            env, pr_number=settings.pr_number, comment_key=settings.comment_key
        )
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
                run_url=run_url,
                redactor=redactor,
                route=route_for(pr.api_url, env),
            )
        )
    if env.get("GITLAB_CI"):
        mr = gitlab_api.merge_request_context(env, comment_key=settings.comment_key)
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
                run_url=run_url,
                redactor=redactor,
                route=route_for(mr.api_url, env),
            )
        )
    return [], []
