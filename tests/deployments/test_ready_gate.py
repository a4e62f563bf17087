"""The readiness gate, on a virtual clock: probes until the deployment answers, pauses that
grow and never pass the deadline, redirects, bounded reads, and nothing of ours sent."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from testerarmy_wait.preview import ReadyCheck
from testerarmy_wait.ready_gate import (
    MAX_PROBE_BYTES,
    Readiness,
    pauses,
    wait_until_ready,
)

URL = "https://preview.example/app"


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def run(
    check: ReadyCheck,
    handler: Callable[[httpx.Request], httpx.Response],
    time: VirtualTime,
    *,
    deadline: float = 10_000.0,
) -> Readiness:
    return asyncio.run(
        wait_until_ready(
            check,
            deadline=deadline,
            clock=time.clock,
            sleep=time.sleep,
            transport=httpx.MockTransport(handler),
            jitter=lambda d: d,  # the top of each pause: the schedule is exact
        )
    )


def answering(*statuses: int) -> tuple[Callable[[httpx.Request], httpx.Response], list[Any]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        return httpx.Response(status, text="ok" if status < 400 else "starting")

    return handler, seen


def test_ready_at_once_is_one_probe_and_no_pause() -> None:
    time = VirtualTime()
    handler, seen = answering(200)
    result = run(ReadyCheck(URL), handler, time)
    assert (result.ready, result.probes, result.last, time.slept) == (True, 1, "200", [])
    assert result.describe(ReadyCheck(URL)).endswith("answered 200 at the first probe (0.0s)")
    assert len(seen) == 1


def test_503s_then_200_pause_1_2_4_seconds_and_say_how_long_it_took() -> None:
    time = VirtualTime()
    handler, _seen = answering(503, 502, 404, 200)
    result = run(ReadyCheck(URL), handler, time)
    assert result.ready
    assert result.probes == 4
    assert time.slept == [1.0, 2.0, 4.0]
    assert "after 4 probes (7.0s)" in result.describe(ReadyCheck(URL))


def test_pauses_grow_to_15_seconds_and_stay_there() -> None:
    schedule = pauses(lambda d: d)
    assert [next(schedule) for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]
    jittered = pauses()
    for top in (1.0, 2.0, 4.0, 8.0, 15.0):
        assert top / 2 <= next(jittered) <= top


def test_never_ready_ends_at_ready_timeout_with_the_last_status() -> None:
    time = VirtualTime()
    handler, _seen = answering(503)
    check = ReadyCheck(URL, timeout_s=300.0)
    result = run(check, handler, time)
    assert not result.ready
    assert time.now == pytest.approx(300.0)
    assert sum(time.slept) == pytest.approx(300.0)  # the last pause is cut to the timeout
    assert result.describe(check) == (
        f"the deployment at {URL} did not answer 2xx/3xx in 5m: last 503"
    )


def test_the_jobs_deadline_comes_before_ready_timeout() -> None:
    time = VirtualTime()
    handler, _seen = answering(503)
    result = run(ReadyCheck(URL, timeout_s=300.0), handler, time, deadline=20.0)
    assert not result.ready
    assert time.now == pytest.approx(20.0)


def test_accepted_statuses_are_the_users() -> None:
    time = VirtualTime()
    handler, _seen = answering(302, 401, 204)
    check = ReadyCheck(URL, accept=((204, 204),))
    result = run(check, handler, time)
    assert (result.ready, result.probes, result.last) == (True, 3, "204")


def test_no_connection_is_said_and_retried() -> None:
    time = VirtualTime()
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    result = run(ReadyCheck(URL), handler, time)
    assert (result.ready, result.probes) == (True, 3)
    failing = run(
        ReadyCheck(URL, timeout_s=5.0),
        lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r)),
        VirtualTime(),
    )
    assert failing.last == "no connection"


def test_redirects_are_followed_and_the_header_stays_on_its_host() -> None:
    time = VirtualTime()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "preview.example":
            return httpx.Response(307, headers={"location": "https://login.example/sso"})
        return httpx.Response(200)

    check = ReadyCheck(URL, header=("x-bypass", "s3cr3t"))
    result = run(check, handler, time)
    assert result.ready
    assert [r.url.host for r in seen] == ["preview.example", "login.example"]
    assert seen[0].headers["x-bypass"] == "s3cr3t"
    assert "x-bypass" not in seen[1].headers
    for request in seen:
        assert "authorization" not in request.headers
        assert "sk_" not in str(request.headers)


def test_a_redirect_to_a_metadata_address_is_not_followed() -> None:
    time = VirtualTime()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "http://169.254.169.254/latest/"})

    result = run(ReadyCheck(URL, timeout_s=3.0), handler, time)
    assert not result.ready
    assert all(r.url.host == "preview.example" for r in seen)
    assert result.last is not None
    assert "redirect the gate does not follow" in result.last


def test_a_redirect_loop_is_cut() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "/again"})

    result = run(ReadyCheck(URL, timeout_s=2.0), handler, VirtualTime())
    assert result.last == "more than 5 redirects"


def test_an_endless_body_is_read_only_up_to_the_cap() -> None:
    given: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        while True:
            given.append(1)
            yield b"x" * 4096

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    result = run(ReadyCheck(URL), handler, VirtualTime())
    assert result.ready
    assert len(given) * 4096 <= MAX_PROBE_BYTES + 4096


def test_a_stop_ends_the_gate_between_probes() -> None:
    time = VirtualTime()
    stop = asyncio.Event()

    async def sleep(seconds: float) -> None:
        stop.set()
        await time.sleep(seconds)

    async def go() -> Readiness:
        return await wait_until_ready(
            ReadyCheck(URL),
            deadline=1000.0,
            clock=time.clock,
            sleep=sleep,
            stop=stop,
            transport=httpx.MockTransport(lambda r: httpx.Response(503)),
        )

    result = asyncio.run(go())
    assert (result.ready, result.stopped, result.probes) == (False, True, 1)


class _Warming(BaseHTTPRequestHandler):
    """A deployment that answers 503 to its first requests, then 200."""

    unready = 2
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        status = 503 if len(type(self).seen) <= type(self).unready else 200
        body = b"warming up" if status == 503 else b"<html>new build</html>"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


def test_over_real_http_a_warming_deployment_is_probed_until_it_answers() -> None:
    _Warming.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Warming)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        time = VirtualTime()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = asyncio.run(
            wait_until_ready(
                ReadyCheck(url, header=("x-bypass", "s3cr3t")),
                deadline=1000.0,
                clock=time.clock,
                sleep=time.sleep,
            )
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (result.ready, result.probes, result.last) == (True, 3, "200")
    assert len(time.slept) == 2
    assert all(h.get("x-bypass") == "s3cr3t" for h in _Warming.seen)
    assert not any("Authorization" in h for h in _Warming.seen)
