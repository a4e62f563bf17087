"""A small JSON client for the code host's API (GitHub or GitLab): the same rules as the
tester.army client (bounded bodies, Retry-After, back-off with jitter, no redirects, secrets
taken out of what the server says) and one time budget for everything it is asked to do.

What an answer parses to is bounded too, not only its bytes: at most ``MAX_JSON_VALUES`` values,
counted before parsing, and a caller that needs a few fields of each object keeps only those
(:func:`keeping`), so a page of a listing is small once read.

Nothing here can change the job's verdict: every failure is a ``ForgeError`` that the caller
turns into one warning.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from json import detect_encoding
from typing import Any, Final

import httpx

from testerarmy_wait import __version__
from testerarmy_wait.errors import RequestFailed, TesterArmyWaitError, retry_after_of
from testerarmy_wait.exchange import (
    BodyTooLarge,
    TooDeep,
    failure_of,
    loads,
    parse_retry_after,
    read_bounded,
)
from testerarmy_wait.network import Route
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.request_retry import OutOfTime, RetryPolicy, retried

MAX_BODY_BYTES: Final = 8 * 1024 * 1024
#: Values (object keys included) an answer may parse to: a GitHub comment with its author,
#: reactions and app has about 160, a page of 100 about 16,000. 200,000 empty objects take
#: about 15 MB; the 8 MiB a body may hold, about 200.
MAX_JSON_VALUES: Final = 200_000
#: Characters of the server's own message quoted in an error.
SAID_CHARS: Final = 200
RETRIED: Final = frozenset({429, 500, 502, 503, 504})
#: The whole comment step, every request and retry included.
DEFAULT_BUDGET_S: Final = 20.0
_JSON_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)

Hook = Callable[[list[tuple[str, Any]]], Any]


class ForgeError(RequestFailed):
    """A request to the code host that did not succeed (``transient``: worth sending again
    while the budget lasts)."""


class Unreadable(TesterArmyWaitError):
    """An answer that is not read; the message says why, in words."""


def json_values(body: bytes, limit: int = MAX_JSON_VALUES) -> int:
    """How many values (object keys included) ``body`` parses to at most, counted without
    parsing it: outside its strings, every value but the first follows a ``,``, ``:``, ``[`` or
    ``{``. Past ``limit`` strings the count stops there (and so does the work)."""
    skeleton, strings = _JSON_STRING.subn(b"", body, count=limit + 1)
    if strings > limit:
        return strings
    return 1 + sum(skeleton.count(mark) for mark in (b",", b":", b"[", b"{"))


def keeping(fields: Mapping[str, int | None]) -> Hook:
    """An ``object_pairs_hook`` keeping, of every object at any depth, only the keys named in
    ``fields``: strings cut to the characters given (None: whole), lists dropped."""

    def slim(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for name, value in pairs:
            if name not in fields or isinstance(value, list):
                continue
            limit = fields[name]
            kept[name] = value[:limit] if isinstance(value, str) and limit is not None else value
        return kept

    return slim


def parse(body: bytes, hook: Hook | None = None) -> Any:
    """An answer's JSON (None for an empty body), its objects made by ``hook``; ``Unreadable``
    when it is not UTF-8 JSON, is nested too deeply or holds more than ``MAX_JSON_VALUES``
    values."""
    if not body.strip():
        return None
    if detect_encoding(body) not in ("utf-8", "utf-8-sig"):  # what the count reads
        raise Unreadable("an answer that is not UTF-8 JSON")
    if json_values(body) > MAX_JSON_VALUES:
        raise Unreadable(f"an answer of more than {MAX_JSON_VALUES:,} JSON values; not read")
    try:
        return loads(body, object_pairs_hook=hook)
    except TooDeep:
        raise Unreadable("an answer nested too deeply") from None
    except ValueError:
        raise Unreadable("an answer that is not JSON") from None


def read_page(
    body: bytes, fields: Mapping[str, int | None], max_entries: int
) -> list[dict[str, Any]]:
    """One page of a listing: a JSON array of at most ``max_entries`` objects, each holding
    only ``fields`` (see :func:`keeping`); an entry that is not an object reads as an empty
    one (it still counts towards the page being full)."""
    page = parse(body, keeping(fields))
    if not isinstance(page, list):
        raise Unreadable("a page that is not a list")
    if len(page) > max_entries:
        raise Unreadable(f"a page of more than {max_entries} entries")
    return [entry if isinstance(entry, dict) else {} for entry in page]


class ForgeApi:
    """JSON requests to ``base_url`` with ``headers``, within ``budget_s`` in all."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        redactor: Redactor,
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
        self._redactor = redactor
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
        read: Callable[[bytes], Any] = parse,
    ) -> tuple[Any, httpx.Headers]:
        """The answer, as ``read`` makes it of the body, and its headers, of a successful
        request; transient failures are retried while the budget lasts (a request that is not
        ``idempotent`` only after a 429, which surely did nothing: a second comment is worse
        than none)."""
        what = f"{method} {path}"

        async def attempt() -> tuple[Any, httpx.Headers]:
            status, headers, body, failure = await self._once(method, path, json, params)
            if status in ok:
                try:
                    return read(body), headers
                except Unreadable as error:
                    raise ForgeError(f"{what}: {error}", status=status) from None
            raise ForgeError(
                failure or f"{what}: HTTP {status}{self._said(body)}",
                status=status,
                transient=status == 429 or (idempotent and (status in RETRIED or status is None)),
                retry_after_s=parse_retry_after(headers.get("retry-after")),
            )

        policy = RetryPolicy(
            retryable=lambda error: isinstance(error, ForgeError) and error.transient,
            retry_after_s=retry_after_of,
            left=self._left,
            sleep=self._sleep,
            max_pause_s=math.inf,  # the budget, not a cap, bounds a Retry-After
        )
        try:
            return await retried(attempt, policy, ForgeError)
        except OutOfTime as stopped:
            raise stopped.last from None

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
        except BodyTooLarge:  # it would be as large again: not asked twice
            mib = MAX_BODY_BYTES // (1024 * 1024)
            raise ForgeError(
                f"{method} {path}: an answer larger than {mib} MiB; not read"
            ) from None
        except Exception as error:  # never the job's problem
            named = failure_of(error, self._redactor)
            failure = named[0] if named else f"the request failed ({type(error).__name__})"
        return None, httpx.Headers(), b"", f"{method} {path}: {failure}"

    def _said(self, body: bytes) -> str:
        """The server's own message in an error answer, secrets out, then cut."""
        try:
            data = parse(body, keeping({"message": None}))
        except Unreadable:
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str) or not message.strip():
            return ""
        return f" ({self._redactor.cut(self._redactor.message(message.strip()), SAID_CHARS)})"
