"""One HTTP exchange, bounded, for every client that talks to a server (the tester.army API,
the code host's API, the app upload): the body read and inflated up to a byte cap, its JSON
parsed with numbers and nesting judged, a server's ``Retry-After`` read, and what a failed
exchange is called in a message. No client retries here: see ``request_retry``.
"""

from __future__ import annotations

import email.utils
import json
import time
import zlib
from collections.abc import Callable
from typing import Any, Final

import httpx

from testerarmy_wait.errors import TesterArmyWaitError
from testerarmy_wait.redaction import Redactor

#: ``Retry-After`` beyond this is taken as this (the deadline bounds every wait anyway).
MAX_RETRY_AFTER_S: Final = 24 * 3600.0
_INFLATE_STEP: Final = 1024 * 1024
_LONGEST_JSON_INTEGER: Final = 30  # digits; longer ones cannot be a count or an index
#: Characters of an exception's own words kept in a message.
_SAID_CHARS: Final = 200


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date. Anything
    unreadable (or a date whose year overflows) is ``None``; huge values are capped."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text[:12]) if len(text) <= 12 else MAX_RETRY_AFTER_S, MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            return None
        current = time.time() if now is None else now
        return min(max(0.0, when.timestamp() - current), MAX_RETRY_AFTER_S)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _json_constant(name: str) -> None:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON: read as unknown (null)."""
    return None


def _json_integer(text: str) -> int | None:
    """An integer literal; one too long to be a number of ours is unknown (null), and never
    reaches Python's limit on converting long digit strings."""
    return int(text) if len(text) <= _LONGEST_JSON_INTEGER else None


class TooDeep(TesterArmyWaitError):
    """JSON nested too deeply to parse."""


def loads(
    body: bytes, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None
) -> Any:
    """JSON text as Python values, judged: see ``_json_constant`` and ``_json_integer``; each
    object made by ``object_pairs_hook`` when given. Raises ``ValueError`` for text that is not
    JSON, ``TooDeep`` for nesting too deep to parse."""
    try:
        return json.loads(
            body,
            parse_constant=_json_constant,
            parse_int=_json_integer,
            object_pairs_hook=object_pairs_hook,
        )
    except RecursionError as error:
        raise TooDeep("nested too deeply") from error


class BodyTooLarge(TesterArmyWaitError):
    """An answer body over the limit: not read further."""


def _inflater(encoding: str) -> Any:
    """A zlib decompressor for ``Content-Encoding`` (None: identity); an unknown one is quoted
    as the server wrote it, so that a secret in it is still found."""
    name = encoding.lower()
    if name in ("", "identity"):
        return None
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=31)
    if name == "deflate":
        return zlib.decompressobj(wbits=47)  # zlib or gzip header, detected
    raise ValueError(f"a content encoding this client did not ask for: {encoding}")


async def read_bounded(response: httpx.Response, limit: int) -> bytes:
    """The body of a streamed ``response``, decoded, or ``BodyTooLarge`` once more than ``limit``
    bytes came over the wire or out of the decompressor (checked in 1 MiB steps, so a
    compression bomb never inflates past the limit)."""
    encodings = [e.strip() for e in response.headers.get("content-encoding", "").split(",")]
    inflaters = [i for i in (_inflater(e) for e in reversed(encodings)) if i is not None]
    if len(inflaters) > 1:
        raise ValueError("more than one content encoding")
    inflater = inflaters[0] if inflaters else None
    body = bytearray()
    wire = 0
    try:
        async for chunk in response.aiter_raw():
            wire += len(chunk)
            if wire > limit:
                raise BodyTooLarge
            if inflater is None:
                body += chunk
            else:
                _inflate(inflater, chunk, body, limit)
    except httpx.StreamConsumed:  # handed over already read (an in-process test transport)
        if len(response.content) > limit:
            raise BodyTooLarge from None
        return response.content
    return bytes(body)


def _inflate(inflater: Any, data: bytes, body: bytearray, limit: int) -> None:
    """Decompress ``data`` onto ``body`` in steps of at most 1 MiB, stopping past ``limit``."""
    while True:
        room = min(_INFLATE_STEP, limit + 1 - len(body))
        out = inflater.decompress(data, room)
        body += out
        if len(body) > limit:
            raise BodyTooLarge
        data = inflater.unconsumed_tail
        if not data and len(out) < room:
            return


def failure_of(
    error: BaseException, redactor: Redactor, *, limit_s: float | None = None
) -> tuple[str, bool] | None:
    """How a failed exchange is named in a message, and whether the request may have reached
    the server (False: it surely did nothing); None when ``error`` is no failure of the
    exchange. The exception's own words pass through ``redactor`` first."""
    name = type(error).__name__
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return f"could not connect ({name})", False
    if isinstance(error, TimeoutError):
        within = f"within {limit_s:g} s" if limit_s is not None else "in time"
        return f"no complete answer {within}", True
    if isinstance(error, httpx.TimeoutException):
        return f"no answer in time ({name})", True
    if isinstance(error, ValueError | zlib.error | httpx.DecodingError):
        said = redactor.cut(redactor.message(str(error)), _SAID_CHARS)
        return f"the answer could not be decoded ({said or name})", True
    if isinstance(error, httpx.TransportError | OSError):
        return f"connection failed ({name})", True
    return None
