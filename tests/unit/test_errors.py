"""One base for every error the program raises on purpose; an unreadable answer (not JSON, or
nested too deeply) is still an error of the request, never a crash."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from types import ModuleType

import httpx
import pytest

import testerarmy_wait
import testerarmy_wait_sandbox
from testerarmy_wait import errors
from testerarmy_wait.ci.forge import ForgeApi, ForgeError
from testerarmy_wait.client import ApiError, TesterArmyClient
from testerarmy_wait.redaction import Redactor

RUN_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
DEEP = b"[" * 100_000


def modules() -> list[ModuleType]:
    names = [
        m.name
        for package in (testerarmy_wait, testerarmy_wait_sandbox)
        for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        if not m.name.endswith("__main__")
    ]
    return [importlib.import_module(name) for name in names]


def test_every_error_class_derives_from_the_one_base() -> None:
    defined = [
        value
        for module in modules()
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
    ]
    assert len(defined) > 5
    assert [e for e in defined if not issubclass(e, errors.TesterArmyWaitError)] == []


def answer(status: int, body: bytes) -> ApiError:
    def handler(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, stream=httpx.ByteStream(body))

    async def go() -> None:
        transport = httpx.MockTransport(handler)
        async with TesterArmyClient("https://api.example/api", "sk_x", transport=transport) as c:
            await c.get_run(RUN_ID)

    with pytest.raises(ApiError) as caught:
        asyncio.run(go())
    return caught.value


@pytest.mark.parametrize(("body", "reason"), [(DEEP, "nested too deeply"), (b"<html>", "not JSON")])
def test_an_unreadable_answer_is_a_transient_api_error(body: bytes, reason: str) -> None:
    error = answer(200, body)
    assert error.transient
    assert f"with a body that is {reason}" in error.message


@pytest.mark.parametrize("body", [DEEP, b"<html>"])
def test_an_unreadable_error_body_is_left_unquoted(body: bytes) -> None:
    error = answer(503, body)
    assert error.status == 503
    assert "server said" not in error.message


@pytest.mark.parametrize(
    ("body", "said"), [(DEEP, "nested too deeply"), (b"<html>", "that is not JSON")]
)
def test_an_unreadable_forge_answer_is_a_forge_error(body: bytes, said: str) -> None:
    async def go() -> None:
        transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=body))
        async with ForgeApi(
            "https://forge.example/api", {}, redactor=Redactor(), transport=transport
        ) as api:
            await api.call("GET", "user")

    with pytest.raises(ForgeError) as caught:
        asyncio.run(go())
    assert str(caught.value) == f"GET user: an answer {said}"


@pytest.mark.parametrize("body", [DEEP, b"<html>"])
def test_an_unreadable_forge_error_body_is_left_unquoted(body: bytes) -> None:
    async def go() -> None:
        transport = httpx.MockTransport(lambda _request: httpx.Response(404, content=body))
        async with ForgeApi(
            "https://forge.example/api", {}, redactor=Redactor(), transport=transport
        ) as api:
            await api.call("GET", "user")

    with pytest.raises(ForgeError) as caught:
        asyncio.run(go())
    assert str(caught.value) == "GET user: HTTP 404"
