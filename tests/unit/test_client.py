"""The client over ``httpx.MockTransport``: bounded bodies, judged JSON, typed errors, secrets
taken out of what the server says before it is cut."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from testerarmy_wait.client import MAX_BODY_BYTES, ApiError, TesterArmyClient
from testerarmy_wait.exchange import TooDeep, loads, parse_retry_after
from testerarmy_wait.models import Run

RUN_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
KEY = "sk_test_0123456789abcdef"
RUN = b'{"id":"' + RUN_ID.encode() + b'","status":"completed","output":null}'


def client_for(
    handler: Callable[[httpx.Request], httpx.Response], **options: object
) -> TesterArmyClient:
    return TesterArmyClient(
        "https://api.example/api",
        KEY,
        transport=httpx.MockTransport(handler),
        **options,  # type: ignore[arg-type]
    )


def wire(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response as it comes off the wire: the body not yet read (nor decoded)."""
    return httpx.Response(status, stream=httpx.ByteStream(body), headers=headers)


def get_run(client: TesterArmyClient) -> Run:
    async def go() -> Run:
        async with client:
            return await client.get_run(RUN_ID)

    return asyncio.run(go())


class Stream(httpx.AsyncByteStream):
    def __init__(self, chunks: Callable[[], AsyncIterator[bytes]]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks():
            yield chunk


def test_a_gzip_answer_is_inflated() -> None:
    body = gzip.compress(RUN)
    client = client_for(lambda r: wire(200, body, {"Content-Encoding": "gzip"}))
    run = get_run(client)
    assert run.status == "completed"


def test_a_gzip_bomb_stops_at_the_limit() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(compressor.compress(bytes(1 << 20)) for _ in range(64)) + compressor.flush()
    client = client_for(
        lambda r: wire(200, bomb, {"Content-Encoding": "gzip"}),
        max_body_bytes=4 << 20,
    )
    with pytest.raises(ApiError, match="larger than 4 MiB") as caught:
        get_run(client)
    assert caught.value.transient


def test_an_endless_body_stops_at_the_limit() -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b" " * 65536

    client = client_for(
        lambda r: httpx.Response(200, stream=Stream(endless)), max_body_bytes=1 << 20
    )
    with pytest.raises(ApiError, match="larger than 1 MiB"):
        get_run(client)


def test_the_default_limit_is_generous_megabytes() -> None:
    assert 8 << 20 <= MAX_BODY_BYTES <= 64 << 20


def test_an_encoding_not_asked_for_is_an_unreadable_answer() -> None:
    client = client_for(lambda r: wire(200, RUN, {"Content-Encoding": "br"}))
    with pytest.raises(ApiError, match="could not be decoded") as caught:
        get_run(client)
    assert caught.value.transient


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"a": NaN, "b": Infinity, "c": -Infinity}', {"a": None, "b": None, "c": None}),
        (b'{"a": ' + b"9" * 400 + b"}", {"a": None}),
        (b'{"a": 12}', {"a": 12}),
    ],
)
def test_json_that_is_no_number_reads_as_unknown(text: bytes, expected: object) -> None:
    assert loads(text) == expected


def test_json_nested_too_deep_is_an_error_not_a_crash() -> None:
    with pytest.raises(TooDeep, match="nested too deeply"):
        loads(b"[" * 100_000)


def test_the_key_is_taken_out_of_an_error_message() -> None:
    body = b'{"error":"unauthorized","message":"invalid API key ' + KEY.encode() + b'"}'
    client = client_for(lambda r: wire(401, body))
    with pytest.raises(ApiError) as caught:
        get_run(client)
    assert KEY not in caught.value.message
    assert "invalid API key ***" in caught.value.message
    assert not caught.value.transient


def test_the_key_is_taken_out_of_every_string_of_a_run() -> None:
    run = (
        b'{"id":"'
        + RUN_ID.encode()
        + b'","status":"completed","output":{"featureName":"'
        + KEY.encode()
        + b'","result":"PASS","issues":[{"name":"x sk_test\\u005f0123456789abcdef"}]}}'
    )
    client = client_for(lambda r: wire(200, run))
    parsed = get_run(client)
    dumped = parsed.model_dump_json()
    assert KEY not in dumped
    assert dumped.count("***") == 2


@pytest.mark.parametrize(
    "header",
    ["Fri, 31 Dec 99999999999999999999 23:59:59 GMT", "soon", "Mon, 99 Foo 2026 99:99:99 GMT"],
)
def test_a_retry_after_that_cannot_be_read_is_ignored(header: str) -> None:
    assert parse_retry_after(header) is None


def test_a_huge_retry_after_is_capped() -> None:
    assert parse_retry_after("9" * 40) == 24 * 3600.0


@pytest.mark.parametrize(
    ("status", "transient", "hint"),
    [
        (400, False, "refused as invalid"),
        (401, False, "API key was refused"),
        (403, False, "may not access this"),
        (404, False, "not found"),
        (409, False, "conflicts"),
        (429, True, "rate or usage limit"),
        (500, True, "the server failed"),
        (503, True, "the server failed"),
    ],
)
def test_each_status_is_an_api_error_that_says_whether_to_retry(
    status: int, transient: bool, hint: str
) -> None:
    client = client_for(lambda r: wire(status, b'{"error":"e","message":"from the server"}'))
    with pytest.raises(ApiError) as caught:
        get_run(client)
    assert caught.value.status == status
    assert caught.value.transient is transient
    assert hint in caught.value.message
    assert "(server said: from the server)" in caught.value.message


@pytest.mark.parametrize(
    ("failure", "reached_server"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("cut"), True),
    ],
)
def test_transport_failures_are_transient_and_say_whether_the_server_saw_the_request(
    failure: httpx.TransportError, reached_server: bool
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(ApiError) as caught:
        get_run(client_for(fail))
    assert caught.value.transient
    assert caught.value.reached_server is reached_server
    assert caught.value.safe_to_repeat_post is (not reached_server)


def test_an_answer_of_the_wrong_shape_is_a_permanent_error() -> None:
    client = client_for(lambda r: wire(200, b'{"id": 5}'))
    with pytest.raises(ApiError, match="documented shape") as caught:
        get_run(client)
    assert not caught.value.transient


def test_a_body_that_is_not_json_is_a_transient_error() -> None:
    client = client_for(lambda r: wire(200, b"<html>oops</html>", {"Content-Type": "text/html"}))
    with pytest.raises(ApiError, match="not JSON") as caught:
        get_run(client)
    assert caught.value.transient


def test_requests_carry_the_key_and_never_follow_redirects() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return wire(302, b"", {"Location": "https://elsewhere.example/steal"})

    with pytest.raises(ApiError, match="HTTP 302"):
        get_run(client_for(answer))
    assert len(seen) == 1
    assert seen[0].headers["Authorization"] == f"Bearer {KEY}"
    assert str(seen[0].url) == f"https://api.example/api/v1/runs/{RUN_ID}"


def test_a_run_id_cannot_change_the_path_it_is_asked_at() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return wire(404, b"")

    async def go() -> None:
        async with client_for(answer) as client:
            with pytest.raises(ApiError):
                await client.get_run("../../admin")

    asyncio.run(go())
    assert seen == ["/api/v1/runs/%2E%2E%2F%2E%2E%2Fadmin"]


GITHUB_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"  # 40 characters
GITLAB_TOKEN = "glpat-Xq7bK2mN9pR4sT6vW8yZ"  # 26 characters


def answering(
    status: int, body: bytes, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: wire(status, body, headers)


def any_four_of(secret: str, text: str) -> bool:
    return any(secret[n : n + 4] in text for n in range(len(secret) - 3))


@pytest.mark.parametrize("secret", [GITHUB_TOKEN, GITLAB_TOKEN, KEY])
def test_what_the_server_says_is_cut_only_once_its_secrets_are_out(secret: str) -> None:
    """The server quotes a secret at every offset around the 300-character cut of its
    message: no part of it reaches the error."""
    for offset in range(351):
        said = "." * offset + secret + " is not valid for this project"
        body = json.dumps({"error": "unauthorized", "message": said}).encode()
        client = client_for(answering(401, body), secrets=[GITHUB_TOKEN, GITLAB_TOKEN])
        with pytest.raises(ApiError) as caught:
            get_run(client)
        message = caught.value.message
        assert not any_four_of(secret, message), (offset, message)
        quoted = message.split("(server said: ", 1)[1][:-1]
        assert len(quoted) <= 300


def test_an_encoding_header_is_quoted_with_its_secrets_out_then_cut() -> None:
    for offset in range(0, 260, 7):
        header = "x" * offset + GITHUB_TOKEN
        client = client_for(
            answering(200, RUN, {"Content-Encoding": header}), secrets=[GITHUB_TOKEN]
        )
        with pytest.raises(ApiError, match="could not be decoded") as caught:
            get_run(client)
        assert not any_four_of(GITHUB_TOKEN, caught.value.message), offset
