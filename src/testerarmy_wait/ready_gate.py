"""The readiness gate: before runs start against a deployment, probe its URL until it answers
a status the user accepts (``ready-status``, default 200-399) or ``ready-timeout`` passes.

A deployment service says ``success`` seconds to minutes before DNS, certificates and cold
starts let the new build answer; runs started meanwhile test a 502 page. Each probe is a GET
with redirects followed (at most ``MAX_REDIRECTS``, never to a link-local or metadata host),
bounded in time and in bytes read (the body is not decompressed: only the status counts),
sent with no API key or token: only the optional ``ready-header``, and that only to the
URL's own host. Between probes the pause grows from 1 s to 15 s, jittered, and never runs
past the gate's deadline.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin, urlsplit

import httpx

from testerarmy_wait import __version__
from testerarmy_wait.errors import UsageError
from testerarmy_wait.parsers import DEFAULT_READY_STATUS, StatusRanges
from testerarmy_wait.preview import ReadyCheck, check_target_url

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

FIRST_PAUSE_S: Final = 1.0
LONGEST_PAUSE_S: Final = 15.0
PROBE_TIMEOUT_S: Final = 10.0
MAX_PROBE_BYTES: Final = 64 * 1024
MAX_REDIRECTS: Final = 5


def accepts(status: int, ranges: StatusRanges) -> bool:
    return any(low <= status <= high for low, high in ranges)


def ranges_text(ranges: StatusRanges) -> str:
    """``2xx/3xx`` for the default, else the ranges as written."""
    if ranges == DEFAULT_READY_STATUS:
        return "2xx/3xx"
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


def _seconds_text(seconds: float) -> str:
    whole = round(seconds)
    if whole >= 60 and whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{seconds:.1f}s"


@dataclass(frozen=True)
class Readiness:
    """How the gate ended."""

    ready: bool
    probes: int
    elapsed_s: float
    last: str | None  # the last status ("503") or what went wrong ("no connection")
    stopped: bool = False  # a signal ended the gate

    def describe(self, check: ReadyCheck) -> str:
        """One line for the log and the summary."""
        if self.ready:
            tries = f"after {self.probes} probes" if self.probes > 1 else "at the first probe"
            return (
                f"the deployment at {check.url} answered {self.last} {tries} "
                f"({_seconds_text(self.elapsed_s)})"
            )
        last = f": last {self.last}" if self.last else ""
        return (
            f"the deployment at {check.url} did not answer {ranges_text(check.accept)} in "
            f"{_seconds_text(check.timeout_s)}{last}"
        )


def pauses(jitter: Callable[[float], float] | None = None) -> Iterator[float]:
    """1, 2, 4, 8, 15, 15, ... seconds, each drawn from its upper half (never zero)."""
    draw = jitter or (lambda d: random.uniform(d / 2, d))  # noqa: S311 (not security)
    delay = FIRST_PAUSE_S
    while True:
        yield draw(delay)
        delay = min(LONGEST_PAUSE_S, delay * 2)


def _refused_host(url: str) -> str | None:
    """Why a redirect target may not be probed, or None."""
    try:
        check_target_url(url, "redirect")
    except UsageError as error:
        return str(error)
    return None


async def _probe_once(client: httpx.AsyncClient, check: ReadyCheck, timeout_s: float) -> str:
    """The final status of one GET (redirects followed by hand), or what went wrong."""
    url = check.url
    origin = urlsplit(url).netloc
    for _ in range(MAX_REDIRECTS + 1):
        headers = {}
        if check.header is not None and urlsplit(url).netloc == origin:
            headers[check.header[0]] = check.header[1]
        request = client.build_request("GET", url, headers=headers, timeout=timeout_s)
        response = await client.send(request, stream=True)
        try:
            read = 0
            if not response.is_stream_consumed:  # a body given whole is already read
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if read >= MAX_PROBE_BYTES:
                        break
        finally:
            await response.aclose()
        location = response.headers.get("location")
        if not (response.is_redirect and location):
            return str(response.status_code)
        url = urljoin(url, location)
        if (refused := _refused_host(url)) is not None:
            return f"a redirect the gate does not follow ({refused})"
    return f"more than {MAX_REDIRECTS} redirects"


def _problem(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(error, httpx.ConnectError):
        return "no connection"
    return f"{type(error).__name__}"


async def wait_until_ready(
    check: ReadyCheck,
    *,
    deadline: float,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    stop: asyncio.Event | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    jitter: Callable[[float], float] | None = None,
) -> Readiness:
    """Probe ``check.url`` until it answers an accepted status, ``check.timeout_s`` passes,
    the job's ``deadline`` (on ``clock``) comes, or ``stop`` is set."""
    began = clock()
    end = min(deadline, began + check.timeout_s)
    probes, last = 0, None
    route = check.route
    async with httpx.AsyncClient(
        headers={"User-Agent": f"testerarmy-wait/{__version__} (readiness probe)"},
        follow_redirects=False,
        trust_env=False,
        verify=route.verify if route is not None else True,
        proxy=route.proxy if route is not None else None,
        transport=transport,
    ) as client:
        schedule = pauses(jitter)
        while True:
            if stop is not None and stop.is_set():
                return Readiness(False, probes, clock() - began, last, stopped=True)
            probes += 1
            try:
                last = await _probe_once(
                    client, check, max(0.1, min(PROBE_TIMEOUT_S, end - clock()))
                )
            except httpx.HTTPError as error:
                last = _problem(error)
            if last.isdigit() and accepts(int(last), check.accept):
                return Readiness(True, probes, clock() - began, last)
            left = end - clock()
            if left <= 0:
                return Readiness(False, probes, clock() - began, last)
            await sleep(min(next(schedule), left))
