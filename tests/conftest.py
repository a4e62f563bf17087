"""Shared fixtures: the in-process tester.army sandbox.

- ``sandbox``: a started sandbox with a fast clock (2000x: a 10-minute run takes 0.3 s).
- ``manual_sandbox``: a started sandbox on a ``ManualClock`` (``.clock.advance(s)``).
- ``sandbox_factory(**options)``: start sandboxes with any ``Sandbox`` options
  (``clock=``, ``seed=``, ``strict_ids=`` ...); all are closed at teardown.
- ``sandbox_client``: an ``httpx.Client`` for ``sandbox`` with the Bearer key set.
- ``forge``: the fake GitHub and GitLab API of ``tests.fakes.forge``.

Every exchange a fixture sandbox served is checked against the API description
at teardown (``sandbox_conformance``) when ``../shared/api/testerarmy-openapi.json``
exists next to the repository.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from testerarmy_wait_sandbox import Exchange, ManualClock, Sandbox
from testerarmy_wait_sandbox.mobile import STORAGE_PREFIX
from tests.fakes.forge import FakeForge

SPEC_PATH = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "api" / "testerarmy-openapi.json"
)
FAST_SPEED = 2000.0
SPEC_HOST = "https://tester.army"


class ConformanceChecker:
    """Checks recorded sandbox exchanges against the OpenAPI description."""

    def __init__(self, spec_path: Path) -> None:
        from openapi_core import OpenAPI

        self.spec = json.loads(spec_path.read_text(encoding="utf-8"))
        self.openapi = OpenAPI.from_dict(self.spec)
        self._seen: set[str] = set()
        self.checked = 0

    def documented_statuses(self, exchange: Exchange) -> set[int] | None:
        """Response codes the description lists for this request; None: no such operation."""
        method = exchange.method.lower()
        candidates = [
            (template, item[method])
            for template, item in self.spec["paths"].items()
            if method in item and _matches(template, exchange.route)
        ]
        if not candidates:
            return None
        # the most literal template wins (/v1/groups/webhook/... over /v1/groups/{id}/...)
        _, operation = max(candidates, key=lambda c: c[0].count("/") - c[0].count("{"))
        return {int(code) for code in operation["responses"]}

    def problems(self, exchange: Exchange) -> list[str]:
        """What is wrong with one exchange (empty: it conforms or is a deliberate fault)."""
        if exchange.status is None or (exchange.fault and exchange.fault.breaks_contract):
            return []
        if exchange.path.startswith(STORAGE_PREFIX):  # a presigned upload: not the API
            return []
        key = hashlib.sha256(
            repr((exchange.method, exchange.path, exchange.status, exchange.query)).encode()
            + exchange.request_body
            + b"\0"
            + exchange.response_body
        ).hexdigest()
        if key in self._seen:
            return []
        self._seen.add(key)
        self.checked += 1
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        documented = self.documented_statuses(exchange)
        ok = 200 <= exchange.status < 300
        if documented is None or exchange.status not in documented:
            if ok:
                return [f"{where}: a success the description does not document"]
            return [f"{where}: {p}" for p in self._error_body_problems(exchange)]
        out: list[str] = []
        request = self._request(exchange, with_body=True)
        if ok and exchange.fault is None:
            try:
                self.openapi.validate_request(request)
            except Exception as exc:
                out.append(f"{where}: request: {_explain(exc)}")
        try:
            from openapi_core.testing import MockResponse

            self.openapi.validate_response(
                request,
                MockResponse(
                    exchange.response_body,
                    status_code=exchange.status,
                    content_type=exchange.content_type or "",
                ),
            )
        except Exception as exc:
            out.append(f"{where}: response: {_explain(exc)}")
        return out

    def check(self, exchanges: list[Exchange]) -> list[str]:
        return [p for e in exchanges for p in self.problems(e)]

    def _request(self, exchange: Exchange, *, with_body: bool) -> Any:
        from openapi_core.testing import MockRequest

        headers = {"Authorization": "Bearer sk_redacted"} if exchange.authenticated else {}
        return MockRequest(
            SPEC_HOST,
            exchange.method.lower(),
            exchange.path,
            args={k: v[-1] for k, v in exchange.query.items()},
            headers=headers,
            data=exchange.request_body if with_body and exchange.request_body else None,
            content_type="application/json",
        )

    def _error_body_problems(self, exchange: Exchange) -> list[str]:
        import jsonschema

        if exchange.status is not None and exchange.status < 400:
            return ["not an error status, yet undocumented"]
        try:
            body = exchange.json()
        except ValueError:
            return ["error body is not JSON"]
        try:
            jsonschema.validate(body, self.spec["components"]["schemas"]["ErrorResponse"])
        except jsonschema.ValidationError as exc:
            return [f"error body: {exc.message}"]
        return []


def _matches(template: str, route: str) -> bool:
    parts, actual = template.split("/"), route.split("/")
    if len(parts) != len(actual):
        return False
    return all(p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True))


def _explain(exc: BaseException) -> str:
    details = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        details.append(str(cause))
        for sub in getattr(cause, "schema_errors", []) or []:
            details.append(f"{list(sub.absolute_path)}: {sub.message}")
        cause = cause.__cause__
    return " | ".join(details)[:2000]


@pytest.fixture(scope="session")
def sandbox_conformance() -> ConformanceChecker | None:
    """The checker, or None when the API description is not next to the repository."""
    if not SPEC_PATH.is_file():
        return None
    return ConformanceChecker(SPEC_PATH)


@pytest.fixture
def sandbox_factory(
    sandbox_conformance: ConformanceChecker | None,
) -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with ``Sandbox`` options; fast clock unless ``clock``/``speed`` given."""
    made: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        if "clock" not in options:
            options.setdefault("speed", FAST_SPEED)
        sandbox = Sandbox(**options).start()
        made.append(sandbox)
        return sandbox

    yield make
    problems: list[str] = []
    for sandbox in made:
        sandbox.close()
        if sandbox_conformance is not None:
            problems.extend(sandbox_conformance.check(sandbox.requests))
    if problems:
        pytest.fail("sandbox traffic breaks the API description:\n" + "\n".join(problems))


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox on 127.0.0.1 (any free port) with a 2000x clock."""
    return sandbox_factory()


@pytest.fixture
def manual_sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox whose clock moves only with ``sandbox.clock.advance(seconds)``."""
    return sandbox_factory(clock=ManualClock())


@pytest.fixture
def sandbox_client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    """An httpx client for ``sandbox`` (base URL and Bearer key set)."""
    with httpx.Client(
        base_url=sandbox.url,
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
        timeout=10,
        verify=False,
    ) as client:
        yield client


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain httpx client (no base URL, no key) for requests made by hand."""
    with httpx.Client(timeout=10, verify=False) as client:
        yield client


@pytest.fixture
def forge() -> Iterator[FakeForge]:
    """The fake GitHub and GitLab API (``tests.fakes.forge``), started on 127.0.0.1."""
    with FakeForge() as fake:
        yield fake
