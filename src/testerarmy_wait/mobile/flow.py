"""The job with a mobile build: upload it (zipped first when it is an ``.app``), start the runs
with that app, wait and judge, then delete the upload, on every path (pass, failure,
timeout, cancel within the 5 s cancel budget, error). An app the step was handed
(``app-id``) is used as it is and never deleted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from testerarmy_wait.errors import ApiError, UsageError
from testerarmy_wait.mobile.app_file import MobileBuild, upload_file
from testerarmy_wait.mobile.upload import upload_app
from testerarmy_wait.policy import ExitCode
from testerarmy_wait.start_request import with_app
from testerarmy_wait.uploaded import UploadedApp
from testerarmy_wait.verdict import Verdict, failed_before_waiting, not_started, usage_error
from testerarmy_wait.waiting import CANCEL_TIMEOUT_S

if TYPE_CHECKING:
    from testerarmy_wait.client import TesterArmyClient
    from testerarmy_wait.network import Route
    from testerarmy_wait.policy import Policy
    from testerarmy_wait.redaction import Redactor
    from testerarmy_wait.signals import StopSignals
    from testerarmy_wait.start_request import StartRequest

Clock = Callable[[], float]
Transfer = Callable[[int, int, float], None]  # bytes sent, total, seconds


async def _upload(
    route: Route | None,
    build: MobileBuild,
    client: TesterArmyClient,
    *,
    redactor: Redactor,
    deadline: float,
    clock: Clock,
    on_note: Callable[[str], None],
    on_transfer: Transfer | None,
) -> UploadedApp:
    assert build.app is not None  # the caller checked
    project = build.project_id
    if project is None and build.owner is not None:  # the test's or the group's project
        project = await client.project_of(*build.owner)
        on_note(f"uploading to project {project}, the {build.owner[0]}'s")
    if project is None:
        raise ApiError("no project to upload the app to")
    with upload_file(build.app, build.temp_dir) as file:
        return await upload_app(
            client,
            project,
            file,
            remove_after=build.remove_after,
            redactor=redactor,
            deadline=deadline,
            clock=clock,
            route=route,
            progress=on_transfer,
        )


async def _delete(
    client: TesterArmyClient, app: UploadedApp, *, interrupted: bool, redactor: Redactor
) -> str:
    """One line saying what became of the upload."""
    budget = CANCEL_TIMEOUT_S if interrupted else 2 * CANCEL_TIMEOUT_S
    try:
        async with asyncio.timeout(budget):
            gone = await client.delete_app(app.project_id, app.app_id, timeout_s=budget)
    except (ApiError, TimeoutError) as error:
        said = str(error) or f"no answer in {budget:g} s"
        return redactor.message(f"could not delete app {app.app_id}: {said}")
    return f"deleted app {app.app_id}" if gone else f"app {app.app_id} was already gone"


async def _finished_upload(
    uploading: asyncio.Task[UploadedApp],
    stop: asyncio.Event,
    policy: Policy,
    signals: StopSignals,
    redactor: Redactor,
) -> UploadedApp | Verdict:
    """The upload, or the verdict when it failed or a signal came first."""
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({uploading, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not uploading.done():
        uploading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await uploading
        return not_started(
            "the job was interrupted while the app was uploaded; no run was started",
            policy,
            interrupted_by=signals.first or "SIGINT",
        )
    try:
        return uploading.result()
    except UsageError as error:
        return usage_error(redactor.message(str(error)), policy)
    except ApiError as error:
        message = redactor.message(f"the app was not uploaded: {error}; no run was started")
        return failed_before_waiting(message, ExitCode.API_ERROR, policy)


async def with_the_app(
    build: MobileBuild,
    start: StartRequest,
    client: TesterArmyClient,
    judged: Callable[[StartRequest], Awaitable[Verdict]],
    *,
    policy: Policy,
    route: Route | None,
    redactor: Redactor,
    signals: StopSignals,
    stop: asyncio.Event,
    deadline: float,
    clock: Clock = time.monotonic,
    on_note: Callable[[str], None] = lambda _note: None,
    on_transfer: Transfer | None = None,
) -> Verdict:
    """Upload (or take) the app, have ``judged`` start, wait and judge with it, delete it."""
    if build.app is None:
        return await judged(with_app(start, str(build.app_id), None))
    uploading = asyncio.create_task(
        _upload(
            route,
            build,
            client,
            redactor=redactor,
            deadline=deadline,
            clock=clock,
            on_note=on_note,
            on_transfer=on_transfer,
        )
    )
    uploaded = await _finished_upload(uploading, stop, policy, signals, redactor)
    if isinstance(uploaded, Verdict):
        return uploaded
    on_note(uploaded.describe())
    try:
        verdict = await judged(with_app(start, uploaded.app_id, uploaded.platform))
    except BaseException:
        if build.delete:
            with contextlib.suppress(Exception):
                await _delete(client, uploaded, interrupted=True, redactor=redactor)
        raise
    if build.delete:
        after = await _delete(
            client, uploaded, interrupted=signals.first is not None, redactor=redactor
        )
    else:
        after = f"kept app {uploaded.app_id} (delete-app: false)"
    return replace(verdict, app=uploaded, notes=(uploaded.describe(), *verdict.notes, after))
