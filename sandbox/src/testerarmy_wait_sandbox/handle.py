"""``Sandbox``: the handle tests, the demo and the CLI use to run and script the sandbox."""

from __future__ import annotations

import contextlib
import copy
import random
import secrets
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar

from .api import SandboxApi, ScenarioLike
from .clock import Clock, RealClock
from .faults import FaultSet
from .recording import Exchange, Recorder
from .scenarios import JSONObject, Scenario
from .server import BASE_PATH, SandboxHTTPServer

DEFAULT_MAX_BODY_BYTES = 256 * 1024
P = ParamSpec("P")
R = TypeVar("R")


def _forwarded(method: Callable[Concatenate[SandboxApi, P], R]) -> Callable[Concatenate[Any, P], R]:
    """``Sandbox.x`` that calls ``SandboxApi.x`` on the sandbox's own API."""

    def forward(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return method(self._api, *args, **kwargs)

    forward.__name__ = method.__name__
    forward.__doc__ = method.__doc__
    return forward


def generate_api_key(seed: int | None = None) -> str:
    """``sk_sandbox_`` + 32 hex digits (reproducible with a seed)."""
    if seed is None:
        return f"sk_sandbox_{secrets.token_hex(16)}"
    return f"sk_sandbox_{random.Random(f'key:{seed}').getrandbits(128):032x}"  # noqa: S311


class Sandbox:
    """An offline tester.army API. See the package docstring for the whole API."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        speed: float = 1.0,
        clock: Clock | None = None,
        seed: int | None = None,
        default_scenario: ScenarioLike = "passes",
        history: int = 5,
        strict_ids: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else RealClock(speed)
        self.api_key = api_key or generate_api_key(seed)
        self.seed = seed
        self.faults = FaultSet()
        self._api = SandboxApi(
            self.clock,
            api_keys=[self.api_key],
            seed=seed,
            default_scenario=default_scenario,
            history=history,
            strict_ids=strict_ids,
        )
        self._api.resolve(default_scenario)
        self._recorder = Recorder()
        self._host = host
        self._port = port
        self._max_body_bytes = max_body_bytes
        self._tls = tls
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle -------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            return self
        server = SandboxHTTPServer(
            (self._host, self._port),
            self._api,
            self.faults,
            self._recorder,
            self._max_body_bytes,
            tls=self._tls,
        )
        self._server = server
        # An idle sandbox sleeps in select(); close() wakes it with a connection of its own.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 5.0}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (slow faults in progress are cut short). Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        for _ in range(200):  # until the loop has seen the request to stop
            _wake(server.server_address)
            stopper.join(timeout=0.05)
            if not stopper.is_alive():
                break
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def host(self) -> str:
        return self._require_server().server_address[0].__str__()

    @property
    def port(self) -> int:
        return int(self._require_server().server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321/api`` (``https`` when serving TLS)."""
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{self.port}{BASE_PATH}"

    def _require_server(self) -> SandboxHTTPServer:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return self._server

    # ---- runs -------------------------------------------------------------------------

    def create_run(
        self,
        scenario: ScenarioLike | None = None,
        test_id: str | None = None,
        *,
        project_id: str | None = None,
        type: str = "test",
        source: str | None = "api",
        input: JSONObject | None = None,
        platform: str | None = None,
        cancelled: bool = False,
    ) -> str:
        """Create a run now (queued) playing ``scenario`` (default: the default scenario);
        returns its id. A new ``test_id`` is configured with its history of past runs."""
        run = self._api.create_run(
            scenario,
            test_id=test_id,
            project_id=project_id,
            type=type,
            source=source,
            input=input,
            platform=platform,
            cancelled=cancelled,
        )
        return run.id

    def create_runs(
        self, count: int, scenario: ScenarioLike | None = None, **options: Any
    ) -> list[str]:
        """Create ``count`` runs at once (same options as ``create_run``); their ids."""
        return [self.create_run(scenario, **options) for _ in range(count)]

    def run(self, run_id: str) -> JSONObject:
        """The RunResponse JSON the API would answer now (KeyError if unknown): a copy, so that
        changing it changes no scenario (built-in scenarios are shared by every run)."""
        return copy.deepcopy(self._api.view(run_id))

    def status(self, run_id: str) -> str:
        """The run's current status."""
        return str(self.run(run_id)["status"])

    def run_ids(self, *, test_id: str | None = None) -> list[str]:
        """Ids of every run (history included), oldest first."""
        runs = sorted(self._api.store.all(), key=lambda r: (r.created_at, r.seq))
        return [r.id for r in runs if test_id is None or r.test_id == test_id]

    # ---- configuration ----------------------------------------------------------------

    @property
    def default_scenario(self) -> ScenarioLike:
        """What triggered tests, groups and projects play unless configured otherwise."""
        return self._api.default_scenario

    @default_scenario.setter
    def default_scenario(self, scenario: ScenarioLike) -> None:
        self._api.resolve(scenario)
        self._api.default_scenario = scenario

    def scenario(self, spec: ScenarioLike) -> Scenario:
        """Resolve a scenario name (registered or built-in), dict or Scenario (KeyError or
        ScenarioError when it cannot be played)."""
        return self._api.resolve(spec)

    def register_scenario(self, scenario: Scenario | Mapping[str, Any]) -> Scenario:
        """Make a scenario usable by name (e.g. from a scenario file)."""
        resolved = scenario if isinstance(scenario, Scenario) else Scenario.from_dict(scenario)
        self._api.register(resolved)
        return resolved

    # The configuration calls are SandboxApi's own, bound to this sandbox's API (same
    # signatures and documentation).
    configure_test = _forwarded(SandboxApi.configure_test)
    configure_group = _forwarded(SandboxApi.configure_group)
    configure_project = _forwarded(SandboxApi.configure_project)
    configure_webhook = _forwarded(SandboxApi.configure_webhook)

    def expire_uploads(self) -> None:
        """Every presigned upload URL answers 403 from now on (an upload that took too long)."""
        self._api.mobile.expired = True

    def mobile_digest(self, app_id: str) -> str | None:
        """The SHA-256 of the file uploaded as ``app_id`` (None: no such app)."""
        return self._api.mobile.digests.get(app_id)

    def add_api_key(self, key: str) -> None:
        """Accept another API key."""
        self._api.api_keys.add(key)

    # ---- what was asked ---------------------------------------------------------------

    @property
    def requests(self) -> list[Exchange]:
        """Every exchange so far, in order (a copy)."""
        return self._recorder.snapshot()

    def requests_for(self, method: str | None = None, path: str | None = None) -> list[Exchange]:
        """Exchanges with this method and path (relative to ``url``, e.g. ``/v1/runs``)."""
        return [
            e
            for e in self._recorder.snapshot()
            if (method is None or e.method == method.upper()) and (path is None or e.route == path)
        ]

    def clear_requests(self) -> None:
        self._recorder.clear()


def _wake(address: Any) -> None:
    """Connect once, so a server waiting in select() sees its shutdown at once."""
    host, port = address[0], address[1]
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        pass


@contextmanager
def start_sandbox(**options: Any) -> Iterator[Sandbox]:
    """``with start_sandbox(speed=50) as sb: ...`` -- keyword options as for ``Sandbox``."""
    sandbox = Sandbox(**options).start()
    try:
        yield sandbox
    finally:
        sandbox.close()
