"""The tester.army HTTP client: one ``httpx.AsyncClient``, answers parsed, errors typed.

No retries happen here (the wait owns the schedule and the deadline); every failure is
mapped onto ``ApiError`` with ``transient`` telling whether trying again can help.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from testerarmy_wait import __version__
from testerarmy_wait.models import (
    ApiErrorBody,
    GroupRunQueued,
    Run,
    TestRunQueued,
    WebhookAccepted,
)

M = TypeVar("M", bound=BaseModel)
USER_AGENT = f"testerarmy-wait/{__version__}"
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class ApiError(Exception):
    """A request that did not give a usable answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transient: bool = False,
        retry_after_s: float | None = None,
        reached_server: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.transient = transient
        self.retry_after_s = retry_after_s
        self.reached_server = reached_server  # False: the request surely had no effect

    @property
    def safe_to_repeat_post(self) -> bool:
        """A POST may be sent again only if the first surely started nothing."""
        return not self.reached_server or self.status == 429


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


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


def _server_message(response: httpx.Response) -> str:
    """The ``message`` of an error body, if the body is the documented shape."""
    try:
        body = ApiErrorBody.model_validate_json(response.content)
    except ValidationError:
        return ""
    return body.message or body.error


def error_from_response(response: httpx.Response, what: str) -> ApiError:
    status = response.status_code
    message = f"{what}: HTTP {status}, {_hint(status)}"
    server = _server_message(response)
    if server:
        message += f" (server said: {server[:300]})"
    return ApiError(
        message,
        status=status,
        transient=status in TRANSIENT_STATUSES,
        retry_after_s=parse_retry_after(response.headers.get("retry-after")),
    )


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
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=api_url.rstrip("/") + "/",
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=httpx.Timeout(request_timeout_s, connect=min(10.0, request_timeout_s)),
            transport=transport,
            follow_redirects=False,
        )
        self.requests = 0
        self._timeout_s = request_timeout_s

    async def __aenter__(self) -> TesterArmyClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> httpx.Response:
        self.requests += 1
        # httpx's timeouts bound each read; a server that trickles bytes would never trip
        # them, so the whole exchange is bounded as well.
        limit = max(0.1, self._timeout_s if timeout_s is None else timeout_s)
        try:
            async with asyncio.timeout(limit):
                response = await self._http.request(
                    method,
                    path.lstrip("/"),
                    json=json_body,
                    timeout=httpx.Timeout(limit, connect=min(10.0, limit)),
                )
        except TimeoutError as exc:
            raise ApiError(
                f"{what}: no complete answer within {limit:g} s", transient=True
            ) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ApiError(
                f"{what}: could not connect ({type(exc).__name__})",
                transient=True,
                reached_server=False,
            ) from exc
        except httpx.TimeoutException as exc:
            raise ApiError(
                f"{what}: no answer in time ({type(exc).__name__})", transient=True
            ) from exc
        except httpx.TransportError as exc:
            raise ApiError(
                f"{what}: connection failed ({type(exc).__name__})", transient=True
            ) from exc
        return response

    @staticmethod
    def _parse(response: httpx.Response, model: type[M], what: str) -> M:
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            raise ApiError(
                f"{what}: HTTP {response.status_code} with a body that is not JSON ({kind})",
                status=response.status_code,
                transient=True,
            ) from exc
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ApiError(
                f"{what}: the answer does not have the documented shape ({where}: {first['msg']})",
                status=response.status_code,
                transient=False,
            ) from exc

    async def get_run(self, run_id: str, *, timeout_s: float | None = None) -> Run:
        what = f"GET run {run_id}"
        response = await self._request(
            "GET", f"v1/runs/{_segment(run_id)}", what, timeout_s=timeout_s
        )
        if response.status_code != 200:
            raise error_from_response(response, what)
        run = self._parse(response, Run, what)
        if run.id.lower() != run_id.lower():
            raise ApiError(f"{what}: the answer is about another run", status=200)
        return run

    async def cancel_run(self, run_id: str, *, timeout_s: float | None = None) -> bool:
        """Ask to cancel; True if cancelled now, False if it had already finished (409)."""
        what = f"cancel run {run_id}"
        response = await self._request(
            "POST", f"v1/runs/{_segment(run_id)}/cancel", what, timeout_s=timeout_s
        )
        if response.status_code == 409:
            return False
        if response.status_code != 200:
            raise error_from_response(response, what)
        return True

    async def _trigger(self, path: str, what: str, body: Mapping[str, Any], model: type[M]) -> M:
        response = await self._request("POST", path, what, json_body=body)
        if response.status_code not in (200, 201, 202):
            raise error_from_response(response, what)
        return self._parse(response, model, what)

    async def trigger_test(self, test_id: str, body: Mapping[str, Any]) -> TestRunQueued:
        return await self._trigger(
            f"v1/tests/{_segment(test_id)}/runs", f"start test {test_id}", body, TestRunQueued
        )

    async def trigger_group(self, group_id: str, body: Mapping[str, Any]) -> GroupRunQueued:
        return await self._trigger(
            f"v1/groups/{_segment(group_id)}/runs", f"start group {group_id}", body, GroupRunQueued
        )

    async def trigger_pull_request(self, project_id: str, body: Mapping[str, Any]) -> TestRunQueued:
        return await self._trigger(
            f"v1/projects/{_segment(project_id)}/pull-request-runs",
            f"start a pull-request run of project {project_id}",
            body,
            TestRunQueued,
        )

    async def trigger_webhook(
        self, webhook_id: str, secret: str, body: Mapping[str, Any]
    ) -> WebhookAccepted:
        # The secret is part of the path; the message names only the webhook id.
        return await self._trigger(
            f"v1/groups/webhook/{_segment(webhook_id)}/{_segment(secret)}",
            f"call group webhook {webhook_id}",
            body,
            WebhookAccepted,
        )
