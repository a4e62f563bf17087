"""A small JSON client for the code host's API (GitHub or GitLab): the same rules as the
tester.army client (bounded bodies, Retry-After, back-off with jitter, no redirects, secrets
taken out of what the server says) and one time budget for everything it is asked to do.

Nothing here can change the job's verdict: every failure is a ``ForgeError`` that the caller
turns into one warning.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final

import httpx

from testerarmy_wait import __version__
from testerarmy_wait.client import loads, parse_retry_after, read_bounded
from testerarmy_wait.errors import TesterArmyWaitError
from testerarmy_wait.network import Route
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.schedule import retry_delays

MAX_BODY_BYTES: Final = 8 * 1024 * 1024
RETRIED: Final = frozenset({429, 500, 502, 503, 504})
#: The whole comment step, every request and retry included.
DEFAULT_BUDGET_S: Final = 20.0


class ForgeError(TesterArmyWaitError):
    """A request to the code host that did not succeed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ForgeApi:
    """JSON requests to ``base_url`` with ``headers``, within ``budget_s`` in all."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        secrets: Sequence[str] = (),
        budget_s: float = DEFAULT_BUDGET_S,
        route: Route | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        https = base_url.lower().startswith("https:")
        verify: Any = route.verify if route is not None else https
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers={"User-Agent": f"testerarmy-wait/{__version__}", **headers},
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            proxy=route.proxy if route is not None else None,
        )
        self._clock = clock
        self._sleep = sleep
        self._end = clock() + budget_s
        self._redactor = Redactor(secrets)
        self.requests = 0

    async def __aenter__(self) -> ForgeApi:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._http.aclose()

    def _left(self) -> float:
        return self._end - self._clock()

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        ok: Sequence[int] = (200, 201),
        idempotent: bool = True,
    ) -> tuple[Any, httpx.Headers]:
        """The JSON answer and headers of a successful request; transient failures are
        retried while the budget lasts (a request that is not ``idempotent`` only after a
        429, which surely did nothing: a second comment is worse than none)."""
        delays = retry_delays()
        what = f"{method} {path}"
        while True:
            status, headers, body, failure = await self._once(method, path, json, params)
            if status in ok:
                try:
                    return (loads(body) if body.strip() else None), headers
                except ValueError:
                    raise ForgeError(f"{what}: an answer that is not JSON", status=status) from None
            transient = status in RETRIED or status is None
            if not idempotent:
                transient = status == 429
            message = failure or f"{what}: HTTP {status}{self._said(body)}"
            wait = next(delays)
            after = parse_retry_after(headers.get("retry-after")) if headers is not None else None
            wait = max(wait, after or 0.0)
            if not transient or wait >= self._left():
                raise ForgeError(message, status=status)
            await self._sleep(wait)

    async def _once(
        self, method: str, path: str, json: Any, params: Mapping[str, str] | None
    ) -> tuple[int | None, httpx.Headers, bytes, str | None]:
        left = self._left()
        if left <= 0:
            raise ForgeError(f"{method} {path}: out of time for the comment step")
        self.requests += 1
        try:
            async with (
                asyncio.timeout(left),
                self._http.stream(
                    method, path.lstrip("/"), json=json, params=params, timeout=min(10.0, left)
                ) as response,
            ):
                body = await read_bounded(response, MAX_BODY_BYTES)
                return response.status_code, response.headers, body, None
        except TimeoutError:
            return None, httpx.Headers(), b"", f"{method} {path}: no answer in time"
        except (httpx.HTTPError, ValueError, OSError) as error:
            failure = f"{method} {path}: {type(error).__name__}"
            return None, httpx.Headers(), b"", failure
        except Exception as error:  # a body over the limit, say: never the job's problem
            return None, httpx.Headers(), b"", f"{method} {path}: {type(error).__name__}"

    def _said(self, body: bytes) -> str:
        try:
            data = loads(body)
        except ValueError:
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str) or not message.strip():
            return ""
        return f" ({self._redactor.message(message.strip()[:200])})"
