"""Uploading a build: ``POST .../mobile/upload`` for a presigned URL, one ``PUT`` of the file
to it, ``POST .../mobile/upload/confirm``; and removing the app afterwards.

The presigned URL is a credential (its query string is the signature) on another host than
the API: it is taken out of everything written (the redactor learns it), and nothing of
ours goes there (no API key, no header but the length and type). The file is streamed from
disk in chunks with its ``Content-Length``, never read whole; a connection error or a 5xx is
retried with back-off within the deadline (the file read again from the start); a 4xx is one
clear error. Progress is reported as (bytes sent, total, seconds) to the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import httpx

from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError
from testerarmy_wait.mobile.app_file import AppFile
from testerarmy_wait.network import Route, is_loopback_host
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.request_retry import OutOfTime, RetryPolicy, retried
from testerarmy_wait.uploaded import UploadedApp

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[[int, int, float], None]

#: Bytes read from disk and handed to the socket at a time (a few MiB: fewer trips through
#: the event loop; memory stays bounded).
UPLOAD_CHUNK: Final = 4 * 1024 * 1024
#: Seconds without a byte moving before one attempt is given up.
STALL_TIMEOUT_S: Final = 60.0


def _check_upload_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host)):
        return url
    raise ApiError("the upload URL the API gave is not https; nothing was uploaded")


async def _chunks(
    path: Path, size: int, sent: list[int], tick: Callable[[], None]
) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        left = size
        while left > 0:
            chunk = handle.read(min(UPLOAD_CHUNK, left))
            if not chunk:
                raise ApiError(f"{path.name} shrank while it was uploaded")
            left -= len(chunk)
            sent[0] += len(chunk)
            tick()
            yield chunk


async def put_file(
    url: str,
    app: AppFile,
    *,
    deadline: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    route: Route | None = None,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """One ``PUT`` of ``app`` to the presigned ``url``, retried on connection errors and
    5xx within ``deadline``; ``ApiError`` when storage refuses it or time runs out."""
    began = clock()
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(app.size)}
    async with httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        verify=route.verify if route is not None else True,
        proxy=route.proxy if route is not None else None,
        timeout=httpx.Timeout(STALL_TIMEOUT_S, connect=10.0),
        transport=transport,
        headers={"User-Agent": ""},  # nothing of ours: not even who we are
    ) as storage:

        async def attempt() -> None:
            sent = [0]

            def tick(sent: list[int] = sent) -> None:
                if progress is not None:
                    progress(sent[0], app.size, clock() - began)

            try:
                response = await storage.put(
                    url, content=_chunks(app.path, app.size, sent, tick), headers=headers
                )
                status, problem = response.status_code, f"HTTP {response.status_code}"
            except httpx.TransportError as error:
                status, problem = None, f"no answer ({type(error).__name__})"
            if status is not None and 200 <= status < 300:
                return
            if status is not None and status < 500 and status != 429:
                expired = " (the URL may have expired)" if status in (401, 403) else ""
                raise ApiError(f"storage refused the upload: {problem}{expired}", status=status)
            raise ApiError(problem, status=status, transient=True)

        policy = RetryPolicy(
            retryable=lambda error: isinstance(error, ApiError) and error.transient,
            left=lambda: deadline - clock(),
            sleep=sleep,
        )
        try:
            await retried(attempt, policy, ApiError)
        except OutOfTime as stopped:
            raise ApiError(f"the upload did not finish in time: last {stopped.last}") from None


async def upload_app(
    client: TesterArmyClient,
    project_id: str,
    app: AppFile,
    *,
    remove_after: int | None,
    redactor: Redactor,
    deadline: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    route: Route | None = None,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> UploadedApp:
    """Upload ``app`` (a file, already zipped when it was a directory) to ``project_id``."""
    began = clock()
    about = {"filename": app.filename, "fileSize": app.size}
    if remove_after:
        about["removeAfter"] = remove_after
    ticket = await client.begin_upload(project_id, about)
    query = urlsplit(ticket.upload_url).query
    redactor.learn(ticket.upload_url, query, ticket.storage_key)
    url = _check_upload_url(ticket.upload_url)
    await put_file(
        url,
        app,
        deadline=deadline,
        clock=clock,
        sleep=sleep,
        route=route,
        progress=progress,
        transport=transport,
    )
    confirmed = await client.confirm_upload(project_id, {**about, "storageKey": ticket.storage_key})
    made = confirmed.app
    return UploadedApp(
        app_id=made.id,
        project_id=project_id,
        filename=app.filename,
        size=app.size,
        platform=made.platform,
        bundle_id=made.bundle_id,
        app_version=made.app_version,
        build_version=made.build_version,
        upload_s=clock() - began,
    )
