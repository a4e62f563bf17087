"""The tester.army HTTP client: one ``httpx.AsyncClient``, answers read within bounds, parsed,
secrets taken out, errors typed.

No retries happen here (the wait owns the schedule and the deadline); every failure is
mapped onto ``ApiError`` with ``transient`` telling whether trying again can help. Every
answer body is hostile until judged (``exchange``): at most ``max_body_bytes`` are read *and*
inflated, JSON may not smuggle ``NaN`` or numbers too long to be numbers, and nesting too deep
to parse is an unreadable answer.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import quote

import httpx

from testerarmy_wait import __version__
from testerarmy_wait.errors import ApiError
from testerarmy_wait.exchange import (
    BodyTooLarge,
    TooDeep,
    failure_of,
    loads,
    parse_retry_after,
    read_bounded,
)
from testerarmy_wait.network import Route, unused_tls_context
from testerarmy_wait.redaction import Redactor

if TYPE_CHECKING:
    from types import ModuleType

    from pydantic import BaseModel

    from testerarmy_wait.models import (
        AppConfirmed,
        BatchCancelled,
        GroupRunQueued,
        Owned,
        Run,
        RunList,
        TestRunQueued,
        UploadTicket,
        WebhookAccepted,
    )

__all__ = ["ApiError", "TesterArmyClient"]

M = TypeVar("M", bound="BaseModel")
USER_AGENT = f"testerarmy-wait/{__version__}"
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: A run answer is kilobytes; the largest real ones are a few megabytes.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024
#: Requests in flight at once; the rest wait for a slot (their time counts).
MAX_IN_FLIGHT: Final = 16


def _models() -> ModuleType:
    """The API models, imported on first use: pydantic is not needed to send the first
    request, and importing it takes longer than the request itself."""
    from testerarmy_wait import models

    return models


def _segment(value: str) -> str:
    """One path segment: ``/``, ``..`` and the like cannot change which URL is asked."""
    return quote(value, safe="").replace(".", "%2E")


def _hint(status: int) -> str:
    return {
        400: "the request was refused as invalid",
        401: "the API key was refused; check the api-key secret (keys start with sk_)",
        403: "the API key may not access this; check the key's team and project",
        404: "not found; check the id and that the key belongs to the same team",
        409: "the request conflicts with the current state",
        413: "the request body is too large",
        429: "rate or usage limit reached",
    }.get(status, "the server failed" if status >= 500 else "unexpected answer")


class Answer:
    """A response whose body was read within bounds."""

    def __init__(self, status: int, headers: httpx.Headers, body: bytes) -> None:
        self.status_code = status
        self.headers = headers
        self.content = body


class TesterArmyClient:
    """Typed calls to the few endpoints this program uses."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        request_timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        route: Route | None = None,
        secrets: Sequence[str] = (),
        max_body_bytes: int = MAX_BODY_BYTES,
        max_in_flight: int = MAX_IN_FLIGHT,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        https = api_url.lower().startswith("https:")
        chosen = route or Route(verify=True if https else unused_tls_context())
        self._http = httpx.AsyncClient(
            base_url=api_url.rstrip("/") + "/",
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": USER_AGENT,
            },
            timeout=httpx.Timeout(request_timeout_s, connect=min(10.0, request_timeout_s)),
            transport=transport,
            # As many connections as requests in flight: httpcore's pool work per request
            # grows with the number of connections it holds.
            limits=httpx.Limits(
                max_connections=max(1, max_in_flight),
                max_keepalive_connections=max(1, max_in_flight),
            ),
            follow_redirects=False,
            trust_env=False,
            verify=chosen.verify,
            proxy=chosen.proxy,
        )
        self.requests = 0
        self._timeout_s = request_timeout_s
        self._max_body_bytes = max_body_bytes
        self._slots = asyncio.Semaphore(max(1, max_in_flight))
        self._redactor = Redactor([api_key, *secrets])
        self._clock_offsets: list[float] = []
        self._wall_clock = wall_clock

    @property
    def redactor(self) -> Redactor:
        """Takes the key and the other secrets out of text."""
        return self._redactor

    async def __aenter__(self) -> TesterArmyClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _error(self, what: str, answer: Answer) -> ApiError:
        status = answer.status_code
        message = f"{what}: HTTP {status}, {_hint(status)}"
        server = self._server_message(answer)
        if server:
            message += f" (server said: {self._redactor.cut(server, 300)})"
        return ApiError(
            message,
            status=status,
            transient=status in TRANSIENT_STATUSES,
            retry_after_s=parse_retry_after(answer.headers.get("retry-after")),
        )

    def _server_message(self, answer: Answer) -> str:
        """The ``message`` of an error body, if the body is the documented shape."""
        try:
            body = _models().ApiErrorBody.model_validate(loads(answer.content))
        except (ValueError, TooDeep):  # pydantic's ValidationError is a ValueError too
            return ""
        return self._redactor.text(body.message or body.error)

    async def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> Answer:
        self.requests += 1
        # httpx's timeouts bound each read; a server that trickles bytes would never trip
        # them, so the whole exchange (and the wait for a free slot) is bounded as well.
        limit = max(0.1, self._timeout_s if timeout_s is None else timeout_s)
        try:
            async with (
                asyncio.timeout(limit),
                self._slots,
                self._http.stream(
                    method,
                    path.lstrip("/"),
                    json=json_body,
                    timeout=httpx.Timeout(limit, connect=min(10.0, limit)),
                ) as response,
            ):
                body = await read_bounded(response, self._max_body_bytes)
                self._note_server_time(response.headers.get("date"))
                return Answer(response.status_code, response.headers, body)
        except BodyTooLarge as exc:
            raise ApiError(
                f"{what}: the answer is larger than {self._max_body_bytes // (1024 * 1024)} MiB;"
                " treated as unreadable",
                transient=True,
            ) from exc
        except (
            TimeoutError,
            ValueError,
            zlib.error,
            httpx.DecodingError,
            httpx.TransportError,
        ) as exc:
            failure = failure_of(exc, self._redactor, limit_s=limit)
            if failure is None:  # pragma: no cover - every caught kind is named
                raise
            text, reached = failure
            raise ApiError(f"{what}: {text}", transient=True, reached_server=reached) from exc

    def _note_server_time(self, date: str | None) -> None:
        """Learn how the server's clock stands to ours, from the ``Date`` header."""
        if not date or len(self._clock_offsets) >= 32:
            return
        try:
            when = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        if when.tzinfo is None:
            return
        offset = when.timestamp() - self._wall_clock()
        if abs(offset) < 7 * 24 * 3600:  # a clock a week off is not believed
            self._clock_offsets.append(offset)

    def server_now(self) -> float:
        """The server's current time as a Unix timestamp (our clock, corrected by the median
        offset the ``Date`` headers showed; ours alone before any answer)."""
        if not self._clock_offsets:
            return self._wall_clock()
        ordered = sorted(self._clock_offsets)
        return self._wall_clock() + ordered[len(ordered) // 2]

    def _parse(self, answer: Answer, model: type[M], what: str) -> M:
        try:
            data = loads(answer.content)
        except (ValueError, UnicodeDecodeError, TooDeep) as exc:
            kind = answer.headers.get("content-type", "no content type").split(";")[0]
            reason = "nested too deeply" if isinstance(exc, TooDeep) else "not JSON"
            raise ApiError(
                f"{what}: HTTP {answer.status_code} with a body that is {reason} "
                f"({self._redactor.cut(kind, 60)})",
                status=answer.status_code,
                transient=True,
            ) from exc
        if self._redactor.may_hold_a_secret(answer.content):
            data = self._redactor.deep(data)
        try:
            return model.model_validate(data)
        except ValueError as exc:  # a pydantic ValidationError
            errors = getattr(exc, "errors", None)
            first = errors()[0] if callable(errors) else {"loc": (), "msg": str(exc)}
            where = self._redactor.cut(".".join(str(p) for p in first["loc"]), 100) or "body"
            raise ApiError(
                f"{what}: the answer does not have the documented shape "
                f"({where}: {self._redactor.cut(str(first['msg']), 200)})",
                status=answer.status_code,
                transient=False,
            ) from exc

    async def get_run(self, run_id: str, *, timeout_s: float | None = None) -> Run:
        what = f"GET run {run_id}"
        answer = await self._request(
            "GET", f"v1/runs/{_segment(run_id)}", what, timeout_s=timeout_s
        )
        if answer.status_code != 200:
            raise self._error(what, answer)
        run: Run = self._parse(answer, _models().Run, what)
        if run.id.lower() != run_id.lower():
            raise ApiError(f"{what}: the answer is about another run", status=200)
        return run

    async def list_runs(
        self,
        *,
        test_id: str | None = None,
        project_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
        timeout_s: float | None = None,
    ) -> RunList:
        """One page of ``GET /v1/runs``, newest first."""
        query = {
            "testId": test_id,
            "projectId": project_id,
            "status": status,
            "limit": str(max(1, min(100, limit))),
            "cursor": cursor,
        }
        params = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items() if v)
        what = f"list runs ({params})"
        answer = await self._request("GET", f"v1/runs?{params}", what, timeout_s=timeout_s)
        if answer.status_code != 200:
            raise self._error(what, answer)
        page: RunList = self._parse(answer, _models().RunList, what)
        return page

    async def cancel_batch(
        self, batch_id: str, *, timeout_s: float | None = None
    ) -> BatchCancelled:
        """Ask to cancel every queued or running run of a batch, in one request."""
        what = f"cancel batch {batch_id}"
        answer = await self._request(
            "POST", f"v1/batches/{_segment(batch_id)}/cancel", what, timeout_s=timeout_s
        )
        if answer.status_code != 200:
            raise self._error(what, answer)
        done: BatchCancelled = self._parse(answer, _models().BatchCancelled, what)
        return done

    async def cancel_run(self, run_id: str, *, timeout_s: float | None = None) -> bool:
        """Ask to cancel; True if cancelled now, False if it had already finished (409)."""
        what = f"cancel run {run_id}"
        answer = await self._request(
            "POST", f"v1/runs/{_segment(run_id)}/cancel", what, timeout_s=timeout_s
        )
        if answer.status_code == 409:
            return False
        if answer.status_code != 200:
            raise self._error(what, answer)
        return True

    async def _trigger(self, path: str, what: str, body: Mapping[str, Any], model: type[M]) -> M:
        answer = await self._request("POST", path, what, json_body=body)
        if answer.status_code not in (200, 201, 202):
            raise self._error(what, answer)
        return self._parse(answer, model, what)

    async def project_of(self, kind: str, owner_id: str) -> str:
        """The project a test (``kind`` "test") or a group ("group") belongs to."""
        what = f"look up the project of {kind} {owner_id}"
        path = f"v1/{kind}s/{_segment(owner_id)}"
        answer = await self._request("GET", path, what)
        if answer.status_code != 200:
            raise self._error(what, answer)
        owned: Owned = self._parse(answer, _models().Owned, what)
        return owned.project_id

    async def begin_upload(self, project_id: str, body: Mapping[str, Any]) -> UploadTicket:
        return await self._trigger(
            f"v1/projects/{_segment(project_id)}/mobile/upload",
            f"begin the app upload to project {project_id}",
            body,
            _models().UploadTicket,
        )

    async def confirm_upload(self, project_id: str, body: Mapping[str, Any]) -> AppConfirmed:
        return await self._trigger(
            f"v1/projects/{_segment(project_id)}/mobile/upload/confirm",
            f"confirm the app upload to project {project_id}",
            body,
            _models().AppConfirmed,
        )

    async def delete_app(
        self, project_id: str, app_id: str, *, timeout_s: float | None = None
    ) -> bool:
        """Remove an uploaded app; False when it was already gone (404)."""
        what = f"delete app {app_id}"
        path = f"v1/projects/{_segment(project_id)}/mobile/{_segment(app_id)}"
        answer = await self._request("DELETE", path, what, timeout_s=timeout_s)
        if answer.status_code == 404:
            return False
        if answer.status_code != 200:
            raise self._error(what, answer)
        return True

    async def trigger_test(self, test_id: str, body: Mapping[str, Any]) -> TestRunQueued:
        return await self._trigger(
            f"v1/tests/{_segment(test_id)}/runs",
            f"start test {test_id}",
            body,
            _models().TestRunQueued,
        )

    async def trigger_group(self, group_id: str, body: Mapping[str, Any]) -> GroupRunQueued:
        return await self._trigger(
            f"v1/groups/{_segment(group_id)}/runs",
            f"start group {group_id}",
            body,
            _models().GroupRunQueued,
        )

    async def trigger_pull_request(self, project_id: str, body: Mapping[str, Any]) -> TestRunQueued:
        return await self._trigger(
            f"v1/projects/{_segment(project_id)}/pull-request-runs",
            f"start a pull-request run of project {project_id}",
            body,
            _models().TestRunQueued,
        )

    async def trigger_webhook(
        self, webhook_id: str, secret: str, body: Mapping[str, Any]
    ) -> WebhookAccepted:
        # The secret is part of the path; the message names only the webhook id.
        return await self._trigger(
            f"v1/groups/webhook/{_segment(webhook_id)}/{_segment(secret)}",
            f"call group webhook {webhook_id}",
            body,
            _models().WebhookAccepted,
        )
