"""Watching many runs through the list endpoint: a few list requests per round instead of one
GET per run.

Each poll of a run whose project is known joins its project's round; when every unfinished run
of the project has joined (or a short gathering time has passed), the round lists the project's
``queued`` and ``running`` runs, newest first, 100 to a page. A run found there is answered from
the list. A run not found has finished (or the list missed it): it is asked about on its own,
which also gives its whole final answer. A failed listing sends every run of the round to its
own request, so errors are judged per run exactly as without the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError

if TYPE_CHECKING:
    from testerarmy_wait.models import Run


PAGE_SIZE: Final = 100
UNFINISHED: Final = ("queued", "running")
#: The least time left for asking about a run on its own after its round's listing.
MIN_REQUEST_S: Final = 1.0
_EXTRA_PAGES: Final = 2  # pages beyond ours, for other runs of the project under way


async def cancel_pending(pending: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel what is not done yet and wait until it has stopped."""
    futures = [f for f in pending if not f.done()]
    for future in futures:
        future.cancel()
    await asyncio.gather(*futures, return_exceptions=True)


@dataclass
class _Round:
    waiters: dict[str, asyncio.Future[Run | None]] = field(default_factory=dict)
    full: asyncio.Event = field(default_factory=asyncio.Event)


class ListFeed:
    """Answers ``get_run`` for many runs from per-project listings (see the module text)."""

    def __init__(
        self,
        client: TesterArmyClient,
        *,
        unfinished_in: Callable[[str], int],
        gather_s: float,
    ) -> None:
        self._client = client
        self._unfinished_in = unfinished_in
        self._gather_s = gather_s
        self._open: dict[str, _Round] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def get_run(self, run_id: str, project_id: str | None, *, timeout_s: float) -> Run:
        if project_id is None:  # not yet known: ask on its own (and learn it)
            return await self._client.get_run(run_id, timeout_s=timeout_s)
        round_ = self._open.get(project_id)
        if round_ is None:
            round_ = _Round()
            self._open[project_id] = round_
            task = asyncio.create_task(self._serve(project_id, round_, timeout_s))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        future: asyncio.Future[Run | None] = asyncio.get_running_loop().create_future()
        round_.waiters[run_id.lower()] = future
        if len(round_.waiters) >= self._unfinished_in(project_id):
            round_.full.set()
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout_s
        try:  # the round's listing takes no longer than one request would
            listed = await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            listed = None
        if listed is None:
            left = max(MIN_REQUEST_S, end - loop.time())
            return await self._client.get_run(run_id, timeout_s=left)
        return listed

    async def close(self) -> None:
        """Stop the listings still under way: no request after the wait."""
        await cancel_pending(self._tasks)

    async def _serve(self, project_id: str, round_: _Round, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(round_.full.wait(), self._gather_s)
        if self._open.get(project_id) is round_:
            del self._open[project_id]  # from now on, polls join the next round
        try:
            async with asyncio.timeout(timeout_s):
                listed = await self._list(project_id, set(round_.waiters), timeout_s)
        except (ApiError, TimeoutError):
            listed = {}  # every run of the round is asked about on its own
        for run_id, future in round_.waiters.items():
            if not future.done():
                future.set_result(listed.get(run_id))

    async def _list(self, project_id: str, wanted: set[str], timeout_s: float) -> dict[str, Run]:
        found: dict[str, Run] = {}
        pages = math.ceil(len(wanted) / PAGE_SIZE) + _EXTRA_PAGES
        for status in UNFINISHED:
            cursor: str | None = None
            for _ in range(pages):
                page = await self._client.list_runs(
                    project_id=project_id,
                    status=status,
                    limit=PAGE_SIZE,
                    cursor=cursor,
                    timeout_s=timeout_s,
                )
                for run in page.runs:
                    if run.id.lower() in wanted:
                        found[run.id.lower()] = run
                cursor = page.next_cursor
                if not cursor:
                    break
        return found
