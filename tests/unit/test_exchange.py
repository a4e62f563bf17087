"""What a failed exchange is called, the same for every client: whether the request may have
reached the server, and the exception's own words only with secrets taken out."""

from __future__ import annotations

import zlib

import httpx
import pytest

from testerarmy_wait.exchange import failure_of
from testerarmy_wait.redaction import Redactor

SECRET = "sk_live_0123456789abcdef"


@pytest.mark.parametrize(
    ("error", "text", "reached"),
    [
        (httpx.ConnectError("refused"), "could not connect (ConnectError)", False),
        (httpx.ConnectTimeout("slow"), "could not connect (ConnectTimeout)", False),
        (TimeoutError(), "no complete answer in time", True),
        (httpx.ReadTimeout("slow"), "no answer in time (ReadTimeout)", True),
        (httpx.RemoteProtocolError("bad"), "connection failed (RemoteProtocolError)", True),
        (ConnectionResetError(), "connection failed (ConnectionResetError)", True),
        (zlib.error("bad data"), "the answer could not be decoded (bad data)", True),
    ],
)
def test_each_failure_is_named_and_says_whether_the_request_may_have_done_something(
    error: BaseException, text: str, reached: bool
) -> None:
    assert failure_of(error, Redactor()) == (text, reached)


def test_a_timeout_names_the_time_it_was_given() -> None:
    assert failure_of(TimeoutError(), Redactor(), limit_s=30) == (
        "no complete answer within 30 s",
        True,
    )


def test_the_exceptions_own_words_are_redacted_and_cut() -> None:
    error = ValueError(f"a content encoding this client did not ask for: {SECRET}{'x' * 500}")
    named = failure_of(error, Redactor([SECRET]))
    assert named is not None
    assert SECRET not in named[0]
    assert len(named[0]) < 260


def test_anything_else_is_not_a_failure_of_the_exchange() -> None:
    assert failure_of(KeyError("x"), Redactor()) is None
