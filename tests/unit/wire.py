"""Deterministic waits for unit tests: a fake clock whose sleep only moves time, and a scripted
API behind ``httpx.MockTransport`` that answers from that clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from testerarmy_wait.client import TesterArmyClient

KEY = "sk_test_0123456789abcdef"
API = "https://api.example/api"


@dataclass
class FakeTime:
    """Virtual time for the code under test: ``clock`` reads it; ``sleep`` waits until it
    reaches the sleeper's wake-up time. Time moves only when every task is waiting for it:
    ``drive`` runs a coroutine and, each time the loop falls quiet, jumps to the earliest
    wake-up. Concurrent sleepers stay in step, as in real time, however long they sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    _sleepers: list[tuple[float, int, asyncio.Future[None]]] = field(default_factory=list)
    _count: int = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._count += 1
        self._sleepers.append((self.now + seconds, self._count, wake))
        await wake

    async def drive(self, main: Coroutine[Any, Any, T]) -> T:
        task = asyncio.ensure_future(main)
        while not task.done():
            for _ in range(_QUIET_ROUNDS):  # let every ready task run until all wait
                await asyncio.sleep(0)
                if task.done():
                    break
            live = [entry for entry in self._sleepers if not entry[2].done()]
            if task.done() or not live:
                if not live and not task.done():
                    await asyncio.sleep(0.001)  # waiting on something real (a gather window)
                self._sleepers = live
                continue
            live.sort(key=lambda entry: (entry[0], entry[1]))
            self.now = max(self.now, live[0][0])
            due = [entry for entry in live if entry[0] <= self.now]
            self._sleepers = [entry for entry in live if entry[0] > self.now]
            for _at, _n, wake in due:
                wake.set_result(None)
        return task.result()


_QUIET_ROUNDS = 200
T = TypeVar("T")


def wire(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response as it comes off the wire: the body not yet read."""
    data = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    return httpx.Response(status, stream=httpx.ByteStream(data), headers=headers)


def run_body(run_id: str, status: str, result: str = "PASS", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": run_id, "status": status, **extra}
    if status == "completed":
        body.setdefault(
            "output", {"featureName": "Checkout", "result": result, "issues": [], "steps": []}
        )
    return body


@dataclass
class ScriptedApi:
    """Answers each request with the next response its script gives for that request (a
    callable taking the request and the fake time), and records what was asked, when."""

    time: FakeTime
    answer: Callable[[httpx.Request, float], httpx.Response]
    asked: list[tuple[float, str, str]] = field(default_factory=list)
    latency_s: float = 0.0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append((self.time.now, request.method, request.url.path))
        self.time.now += self.latency_s
        return self.answer(request, self.time.now)

    def client(self, **options: Any) -> TesterArmyClient:
        return TesterArmyClient(API, KEY, transport=httpx.MockTransport(self), **options)

    @property
    def times(self) -> list[float]:
        """When each request was asked, relative to the first."""
        if not self.asked:
            return []
        first = self.asked[0][0]
        return [round(t - first, 6) for t, _m, _p in self.asked]


@dataclass(frozen=True)
class Reply:
    """A response to give: status, JSON body (or bytes), headers."""

    status: int
    body: Any = None
    headers: dict[str, str] | None = None

    def response(self) -> httpx.Response:
        return wire(self.status, self.body, self.headers)


def sequence(*replies: Reply) -> Callable[[httpx.Request, float], httpx.Response]:
    """An ``answer`` giving these replies in order, then repeating the last."""
    queue = list(replies)

    def answer(_request: httpx.Request, _now: float) -> httpx.Response:
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply.response()

    return answer
