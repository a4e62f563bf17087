"""Finding the previous attempt of this CI job (``rerun-failed-only``): the hidden state at the
end of this job's own pull (merge) request comment, read before anything is started, within
its own small budget. Never fails the job: when the state cannot be read, every test starts
and one line says why (on GitHub, where a re-run is known to be one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Final

from testerarmy_wait.ci import github_api, gitlab_api
from testerarmy_wait.ci.forge import ForgeError
from testerarmy_wait.ci.review import merge_request_of, pull_request_of, rerun_key
from testerarmy_wait.ci_context import CIContext
from testerarmy_wait.config import Settings
from testerarmy_wait.network import route_for
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.rerun import AttemptKey, AttemptState, earlier_attempt, read_state, start_key

#: Seconds the look back may take in all (it is only ever a saving).
LOOK_BACK_BUDGET_S: Final = 20.0
Found = tuple[AttemptState | None, list[str]]  # (the previous attempt, lines for the log)


def _fetcher(
    settings: Settings, context: CIContext, redactor: Redactor
) -> Callable[[], Coroutine[Any, Any, str | None]] | str:
    """How to read this job's comment, or why it cannot be read."""
    if settings.comment == "off":
        return "comment is off, so no comment keeps the previous attempt's runs"
    if context.github is not None:
        pr = pull_request_of(settings, context)
        if pr is None:
            return "the job runs for no pull request, whose comment keeps them"
        if not settings.github_token:
            return "no github-token to read the pull request's comment"
        return lambda: github_api.own_comment(
            pr,
            token=settings.github_token or "",
            redactor=redactor,
            route=route_for(pr.api_url, context.network_env),
            budget_s=LOOK_BACK_BUDGET_S,
        )
    if context.gitlab is not None:
        mr = merge_request_of(settings, context)
        if mr is None:
            return "the pipeline runs for no merge request, whose note keeps them"
        if not settings.gitlab_token:
            return "no TESTERARMY_GITLAB_TOKEN to read the merge request's note"
        return lambda: gitlab_api.own_note(
            mr,
            token=settings.gitlab_token or "",
            redactor=redactor,
            route=route_for(mr.api_url, context.network_env),
            budget_s=LOOK_BACK_BUDGET_S,
        )
    return "this platform keeps no comment"


def _said(key: AttemptKey, why: str) -> list[str]:
    """The line for a look back that found nothing: only where a re-run is known to be one."""
    if not key.is_rerun:
        return []
    return [
        f"re-run of this job (attempt {key.attempt}): the previous attempt's runs could not "
        f"be found ({why}): starting every test"
    ]


def look_back(settings: Settings, context: CIContext, redactor: Redactor) -> Found:
    """The previous attempt of this job, when this is a re-run and its state can be read."""
    key = rerun_key(settings, context)
    if key is None or settings.start is None or key.is_rerun is False:
        return None, []  # nothing to look for (on GitHub: a first attempt)
    fetch = _fetcher(settings, context, redactor)
    if isinstance(fetch, str):
        return None, _said(key, fetch)
    try:
        body = asyncio.run(fetch())
    except ForgeError as error:
        return None, _said(key, f"the comment could not be read: {redactor.message(str(error))}")
    except Exception as error:  # only ever a saving: never the job's problem
        message = redactor.message(f"{type(error).__name__}: {error}")
        return None, _said(key, f"the comment could not be read: {message}")
    state = read_state(body) if body is not None else None
    previous = earlier_attempt(state, key, start_key(settings.start))
    if previous is None:
        why = "no comment of this job" if body is None else "its comment names none"
        return None, _said(key, why)
    return previous, []
