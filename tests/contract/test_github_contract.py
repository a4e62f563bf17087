"""Every request the pull-request step makes, sent to Prism mocking GitHub's own OpenAPI
description (npm's ``@octokit/openapi``): none may be refused as invalid (Prism answers 422
with an ``sl-violations`` header when a request breaks the description).

Prism and the description are installed by ``scripts/ci-setup.sh``; without them these tests
are skipped (they fail when TESTERARMY_REQUIRE_HEAVY=1)."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from testerarmy_wait.ci import github_api, sticky
from testerarmy_wait.ci.forge import ForgeApi
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import Existing
from tests.container.engine import unavailable
from tests.pipelines.conftest import TOOLS_DIR
from tests.report.factories import checkout_verdict, huge_verdict

pytestmark = pytest.mark.contract

OPENAPI_VERSION_FILE = "node_modules/@octokit/openapi/generated/api.github.com.json"
STARTUP_S = 240.0


def description_path() -> Path:
    named = os.environ.get("TESTERARMY_GITHUB_OPENAPI")
    path = Path(named) if named else TOOLS_DIR / "npm" / OPENAPI_VERSION_FILE
    if not path.is_file():
        unavailable(f"GitHub's OpenAPI description (@octokit/openapi) is not at {path}")
    return path


def prism_command() -> str:
    found = shutil.which("prism") or shutil.which("prism", path=str(TOOLS_DIR / "bin"))
    if found is None:
        unavailable(f"no prism (@stoplight/prism-cli) on PATH nor in {TOOLS_DIR / 'bin'}")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec, command = description_path(), prism_command()
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [command, "mock", "--host", "127.0.0.1", "--port", str(port), str(spec)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while b"Prism is listening" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("prism mock did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Seen:
    method: str
    path: str
    status: int
    violations: str | None


class Recording(httpx.AsyncBaseTransport):
    """The real transport, keeping each request's answer and Prism's verdict on it."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[Seen] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.seen.append(
            Seen(
                request.method,
                request.url.path,
                response.status_code,
                response.headers.get("sl-violations"),
            )
        )
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def pull_request(prism: str) -> github_api.PullRequest:
    return github_api.PullRequest(
        api_url=prism,
        repository="octo/shop",
        number=5,
        head_sha="d" * 40,
        key_source="QA|qa|null",
        workflow_path=".github/workflows/qa.yml",
    )


def publish(prism: str, recording: Recording, **kwargs: Any) -> tuple[list[str], list[str]]:
    options: dict[str, Any] = {"mode": "always", "check_run": True, "verdict": checkout_verdict()}
    options.update(kwargs)
    return asyncio.run(
        github_api.publish(
            pull_request(prism),
            token="ghs_contract-test-token",
            redactor=Redactor(),
            route=None,
            api_factory=functools.partial(ForgeApi, transport=recording),
            **options,
        )
    )


def assert_all_valid(recording: Recording) -> None:
    assert recording.seen
    refused = [s for s in recording.seen if s.status == 422 or s.violations]
    assert refused == [], refused


def test_listing_creating_the_comment_and_a_check_run_conform(prism: str) -> None:
    recording = Recording()
    done, warnings = publish(prism, recording)
    assert warnings == []
    assert_all_valid(recording)
    calls = {(s.method, s.path) for s in recording.seen}
    assert ("GET", "/user") in calls
    assert ("GET", "/repos/octo/shop/issues/5/comments") in calls
    assert ("POST", "/repos/octo/shop/issues/5/comments") in calls
    assert ("POST", "/repos/octo/shop/check-runs") in calls
    assert done[0] == "pull request #5: comment created"


def test_editing_the_comment_conforms(prism: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def found(*_args: Any) -> sticky.Found:
        return sticky.Found(Existing("1", "0" * 16))

    monkeypatch.setattr(sticky, "find", found)
    recording = Recording()
    done, warnings = publish(prism, recording, check_run=False)
    assert (done, warnings) == (["pull request #5: comment updated"], [])
    assert_all_valid(recording)
    assert [(s.method, s.path) for s in recording.seen] == [
        ("GET", "/user"),
        ("PATCH", "/repos/octo/shop/issues/comments/1"),
    ]


def test_a_check_run_with_more_than_50_annotations_conforms_in_every_batch(prism: str) -> None:
    verdict = huge_verdict()
    recording = Recording()
    _done, warnings = publish(prism, recording, mode="off", verdict=verdict)
    assert warnings == []
    assert_all_valid(recording)
    updates = [s for s in recording.seen if s.method == "PATCH"]
    issues = sum(len(r.issues) for r in verdict.runs)
    assert len(updates) == -(-issues // 50) - 1
    assert all(s.path.startswith("/repos/octo/shop/check-runs/") for s in updates)


def test_prism_refuses_a_request_that_breaks_the_description(prism: str) -> None:
    """The check above can fail: a check run with an unknown conclusion is refused."""
    from testerarmy_wait.ci.forge import ForgeError

    async def post() -> None:
        async with ForgeApi(prism, {}, redactor=Redactor(), transport=recording) as api:
            await api.call(
                "POST",
                "repos/octo/shop/check-runs",
                json={"name": "x", "head_sha": "d" * 40, "conclusion": "green"},
                idempotent=False,
            )

    recording = Recording()
    with pytest.raises(ForgeError) as refused:
        asyncio.run(post())
    assert refused.value.status == 422
    assert recording.seen[0].status == 422


def test_looking_up_the_pull_request_of_a_commit_conforms(prism: str) -> None:
    """The lookup behind deployment_status events, against GitHub's own description; its
    example answer is read like any other (kept fields only, judged)."""
    from testerarmy_wait.ci.pull_lookup import pull_request_for_commit

    async def look() -> Any:
        headers = {"Authorization": "Bearer ghs_contract-test-token"}
        async with ForgeApi(prism, headers, redactor=Redactor(), transport=recording) as api:
            return await pull_request_for_commit(api, "octo/shop", "d" * 40)

    recording = Recording()
    found = asyncio.run(look())
    # Prism checks its own example answer too, and GitHub's example breaks the description
    # (requested_teams without "type"): only violations of the request count here.
    [seen] = recording.seen
    assert seen.status == 200
    assert '"location":["request"' not in (seen.violations or "").replace(" ", "")
    assert [(s.method, s.path) for s in recording.seen] == [
        ("GET", f"/repos/octo/shop/commits/{'d' * 40}/pulls")
    ]
    assert found.note  # Prism's example is one open pull request, or none: either is said
