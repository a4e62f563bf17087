"""A record of every request the sandbox received (never the Authorization value).

A request is recorded the moment it arrives (``answered`` false, no status yet) and completed
when it is answered, so a test can see a request the sandbox is still holding (a slow fault).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from .faults import Fault


@dataclass(frozen=True)
class Exchange:
    """One request and what the sandbox did with it."""

    method: str
    path: str  # as requested, e.g. /api/v1/runs/<id>
    query: dict[str, list[str]]
    status: int | None = None  # None: the connection was dropped without an answer
    response_bytes: int = 0  # length of the response body
    request_json: Any = None  # the parsed request body; None when empty or not JSON
    request_body: bytes = b""
    response_body: bytes = b""
    response_headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    fault: Fault | None = None
    authenticated: bool = False  # a known API key was presented
    received_at: float = 0.0  # wall-clock time (time.time()) the request line arrived
    answered: bool = True  # False while the sandbox is still working on (or holding) it

    @property
    def route(self) -> str:
        """The path relative to the base URL (``/v1/runs/<id>``)."""
        return self.path[len("/api") :] if self.path.startswith("/api/") else self.path

    def json(self) -> Any:
        """The response body parsed as JSON."""
        return json.loads(self.response_body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.response_headers if k.lower() == name.lower()), None)


class Recorder:
    def __init__(self) -> None:
        self._items: list[Exchange] = []
        self._lock = threading.Lock()

    def arrive(self, method: str, path: str, query: dict[str, list[str]], at: float) -> int:
        """Record a request that just arrived; returns its place, for :meth:`complete`."""
        pending = Exchange(method, path, query, received_at=at, answered=False)
        with self._lock:
            self._items.append(pending)
            return len(self._items) - 1

    def complete(self, index: int, exchange: Exchange) -> None:
        """Replace the arrival record at ``index`` with what the request turned into."""
        with self._lock:
            if index < len(self._items) and not self._items[index].answered:
                self._items[index] = exchange
            else:  # cleared in between: keep it anyway
                self._items.append(exchange)

    def snapshot(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
