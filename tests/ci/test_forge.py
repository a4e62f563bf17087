"""The code host's client against the fake GitHub and GitLab over real HTTP: what the server says
is quoted with its secrets out before it is cut (a token at any offset around the cut never
reaches a warning or the log, whole or in part), an answer is bounded by what it parses to and
not only by its bytes, a listing page is read down to what the search needs, and a failure is
said in words."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from testerarmy_wait.ci import sticky
from testerarmy_wait.ci.forge import (
    MAX_BODY_BYTES,
    MAX_JSON_VALUES,
    SAID_CHARS,
    ForgeApi,
    ForgeError,
    Unreadable,
    json_values,
    keeping,
    parse,
)
from testerarmy_wait.ci.github import GitHubReporter
from testerarmy_wait.ci.gitlab import GitLabReporter
from testerarmy_wait.redaction import MIN_PREFIX_CHARS, Redactor
from testerarmy_wait.report.comment import Existing, comment_key
from tests.ci.test_review import PR, REPO, github_env, gitlab_env, run_tell
from tests.fakes.forge import FakeForge
from tests.report.factories import checkout_verdict

GITHUB_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
GITLAB_TOKEN = "glpat-Xq7bK2mN9pR4sT6vW8yZ"
OFFSETS = range(SAID_CHARS + 51)  # the token before, across and after the cut
COMMENTS = f"repos/{REPO}/issues/{PR}/comments"
NOTES = "projects/1234/merge_requests/7/notes"
THREAD = sticky.Thread(COMMENTS, COMMENTS + "/{id}", "PATCH", "user", "login")


def leaked(secret: str, text: str) -> str | None:
    """The part of ``secret`` found in ``text``: the whole of it, or any ``MIN_PREFIX_CHARS``
    of it in a row (among them a prefix left at a cut)."""
    if secret in text:
        return secret
    for start in range(len(secret) - MIN_PREFIX_CHARS + 1):
        if secret[start : start + MIN_PREFIX_CHARS] in text:
            return secret[start : start + MIN_PREFIX_CHARS]
    return None


def echoed(offset: int, token: str) -> str:
    """What a server says when it quotes the token ``offset`` characters in."""
    return "." * offset + token + " was refused; see the documentation for the scopes it needs"


def setup(forge: FakeForge, platform: str) -> tuple[str, str, dict[str, str], str]:
    """The token, base URL, headers and listing path of ``platform`` on the fake."""
    if platform == "github":
        token = forge.state.github_token = GITHUB_TOKEN
        return token, forge.github_url, {"Authorization": f"Bearer {token}"}, COMMENTS
    token = forge.state.gitlab_token = GITLAB_TOKEN
    return token, forge.gitlab_url, {"PRIVATE-TOKEN": token}, NOTES


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_a_token_the_server_quotes_never_reaches_an_error_whole_or_cut(
    forge: FakeForge, platform: str
) -> None:
    token, url, headers, path = setup(forge, platform)

    async def errors() -> list[str]:
        found: list[str] = []
        async with ForgeApi(url, headers, redactor=Redactor([token])) as api:
            for offset in OFFSETS:
                forge.fail_next("GET", f"{path}$", 422, message=echoed(offset, token))
                with pytest.raises(ForgeError) as error:
                    await api.call("GET", path)
                found.append(str(error.value))
        return found

    messages = asyncio.run(errors())
    assert len(messages) == len(OFFSETS)
    for offset, message in zip(OFFSETS, messages, strict=True):
        assert leaked(token, message) is None, (offset, message)
        assert message.startswith(f"GET {path}: HTTP 422 (")
        assert len(message.split(" (", 1)[1]) <= SAID_CHARS + 1
    whole = [m for m in messages if not m.endswith("…)")]
    # Redacted first, then cut: the message is measured with the token already "***".
    assert len(whole) == SAID_CHARS - len(echoed(0, "***")) + 1


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_a_quoted_token_never_reaches_the_warning_or_the_log(
    forge: FakeForge, tmp_path: Path, platform: str
) -> None:
    """The whole way: the server quotes the token where the cut falls, the step warns, the
    reporter prints the warning (knowing no secret: the step's own redaction is enough)."""
    token, _url, _headers, path = setup(forge, platform)
    env = github_env(forge, tmp_path) if platform == "github" else gitlab_env(forge)
    for offset in range(SAID_CHARS - len(token) - 2, SAID_CHARS + 2):
        forge.fail_next("POST", f"{path}$", 422, message=echoed(offset, token))
        done, warnings = run_tell(env, checkout_verdict())
        [warning] = warnings
        assert (done, leaked(token, warning)) == ([], None), (offset, warning)
        for make in (GitHubReporter, GitLabReporter):
            log = io.StringIO()
            reporter = make(log, Redactor())
            reporter.begin([])
            reporter.warning(warning)
            assert leaked(token, log.getvalue()) is None, (offset, log.getvalue())


def test_an_oversized_answer_is_said_in_words(forge: FakeForge) -> None:
    bomb = gzip.compress(b"[" + b"{}," * (MAX_BODY_BYTES // 3) + b"{}]")
    forge.answer_next("GET", "/comments$", bomb, headers={"Content-Encoding": "gzip"}, times=9)

    async def go() -> None:
        async with ForgeApi(forge.github_url, {}, redactor=Redactor()) as api:
            await api.call("GET", COMMENTS)

    with pytest.raises(ForgeError) as error:
        asyncio.run(go())
    assert str(error.value) == f"GET {COMMENTS}: an answer larger than 8 MiB; not read"
    assert len(forge.requests) == 1  # it would be as large again: not asked twice


def listing_page(pad: bytes, size: int = MAX_BODY_BYTES - 4096, entries: int = 100) -> bytes:
    """A page of ``entries`` comments padded with copies of ``pad`` to about ``size`` bytes."""
    copies = (size // entries - 100) // len(pad)
    comments = [
        b'{"id":%d,"body":"review","user":{"login":"u","type":"User"},"pad":[%s0]}'
        % (n + 1, pad * copies)
        for n in range(entries)
    ]
    return b"[" + b",".join(comments) + b"]"


def peak_mb(action: Callable[[], None]) -> float:
    """The most memory Python held while ``action`` ran, in MB."""
    tracemalloc.start()
    try:
        action()
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def test_a_listing_page_of_tiny_values_at_the_byte_cap_stays_small(forge: FakeForge) -> None:
    """8 MiB of empty objects, a few kilobytes gzipped, parsed to about 260 MB: the page is
    refused once its values are counted, before it is parsed."""
    page = listing_page(b"{},")
    assert MAX_BODY_BYTES - 8192 < len(page) <= MAX_BODY_BYTES
    forge.answer_next(
        "GET", "/comments$", gzip.compress(page), headers={"Content-Encoding": "gzip"}
    )
    del page

    async def go() -> None:
        async with ForgeApi(forge.github_url, {}, redactor=Redactor()) as api:
            await sticky.find(api, THREAD, "0" * 16, sticky.Author("u", "User"))

    def refused() -> None:
        with pytest.raises(ForgeError, match=r"more than 200,000 JSON values; not read$"):
            asyncio.run(go())

    assert peak_mb(refused) < 150


def test_a_page_just_under_the_value_cap_is_read_small(forge: FakeForge) -> None:
    """As many small objects and strings as the cap lets through, padding a page at the byte
    cap with text: read, and kept down to what the search needs."""
    key = comment_key("k")
    mine = f"<!-- testerarmy-wait comment key={key} state={'2' * 16} -->".encode()
    page = listing_page(b'{"k":"ab"},' * 60 + b'"' + b"x" * 40_000 + b'",', entries=40)
    page = page.replace(b'"body":"review"', b'"body":"' + mine + b'"', 1)
    assert json_values(page) <= MAX_JSON_VALUES
    assert len(page) > MAX_BODY_BYTES // 2
    forge.answer_next(
        "GET", "/comments$", gzip.compress(page), headers={"Content-Encoding": "gzip"}
    )
    del page
    found: list[sticky.Found] = []

    async def go() -> None:
        async with ForgeApi(forge.github_url, {}, redactor=Redactor()) as api:
            found.append(await sticky.find(api, THREAD, key, sticky.Author("u", "User")))

    assert peak_mb(lambda: asyncio.run(go())) < 150
    assert found == [sticky.Found(Existing("1", "2" * 16))]


def test_pages_of_long_comments_are_read_down_to_what_the_search_needs(forge: FakeForge) -> None:
    """Two full pages of the longest comments GitHub keeps (an emoji in each, so Python holds
    each one at four bytes a character) before ours on the third: found, and no page's text
    is held beyond its own reading."""
    key = comment_key("k")
    body = "😀" + "x" * 65_000
    forge.seed_comments(REPO, PR, [body] * 200)
    marker = f"<!-- testerarmy-wait comment key={key} state={'1' * 16} -->\nours"
    [ours] = forge.seed_comments(REPO, PR, [marker], author="me", author_type="Bot")
    found: list[sticky.Found] = []

    async def go() -> None:
        headers = {"Authorization": f"Bearer {forge.state.github_token}"}
        async with ForgeApi(forge.github_url, headers, redactor=Redactor()) as api:
            found.append(await sticky.find(api, THREAD, key, sticky.Author("me", "Bot")))

    assert peak_mb(lambda: asyncio.run(go())) < 150
    assert found == [sticky.Found(Existing(str(ours), "1" * 16))]
    assert 100 * len(json.dumps(body)) > 6_000_000  # a page's bytes


def test_an_answer_is_bounded_by_the_values_it_parses_to() -> None:
    assert json_values(b'[{"a":"x,y\\",:[{{", "b":[1,2]}]') == 8
    assert json_values(b'["a","b","c","d"]', limit=2) == 3  # counting stops past the limit
    assert parse(b"") is None
    assert parse(b"[" + b"0," * (MAX_JSON_VALUES - 2) + b"0]") is not None
    with pytest.raises(Unreadable, match="more than 200,000 JSON values"):
        parse(b"[" + b"0," * MAX_JSON_VALUES + b"0]")
    with pytest.raises(Unreadable, match="more than 200,000 JSON values"):
        parse(b"[" + b'"",' * MAX_JSON_VALUES + b'""]')
    with pytest.raises(Unreadable, match="nested too deeply"):
        parse(b"[" * 100_000)
    with pytest.raises(Unreadable, match="not JSON"):
        parse(b"<html>")
    with pytest.raises(Unreadable, match="not UTF-8 JSON"):  # its bytes would fool the count
        parse(json.dumps(["\u2c22"] * 10).encode("utf-16-le"))
    slim = parse(
        b'{"message": "mm", "id": 1, "errors": [{"message": "x"}], "doc": {"message": "dd"}}',
        keeping({"message": 1, "doc": None}),
    )
    assert slim == {"message": "m", "doc": {"message": "d"}}
