"""The build's limits and the upload URL, judged before anything is sent."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest

from testerarmy_wait.ci.shared import transfer_line
from testerarmy_wait.client import TesterArmyClient
from testerarmy_wait.errors import ApiError, UsageError
from testerarmy_wait.mobile.app_file import MAX_APP_BYTES, AppFile, judge_app_path
from testerarmy_wait.mobile.upload import upload_app
from testerarmy_wait.redaction import Redactor


def test_a_build_over_4_gib_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.ipa"
    with huge.open("wb") as out:  # sparse: nothing is written but the size
        out.truncate(MAX_APP_BYTES + 1)
    with pytest.raises(UsageError, match="larger than 4 GiB"):
        judge_app_path(str(huge))
    exactly = tmp_path / "limit.ipa"
    with exactly.open("wb") as out:
        out.truncate(MAX_APP_BYTES)
    assert judge_app_path(str(exactly)).size == MAX_APP_BYTES
    os.remove(huge)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"uploadUrl": "http://storage.example/k?sig=s3cr3tsig", "storageKey": "k"}, "not https"),
        ({"storageKey": "k"}, "begin the app upload"),
        ({"uploadUrl": "https://storage.example/k"}, "begin the app upload"),
    ],
)
def test_an_upload_url_that_is_not_https_or_missing_sends_nothing_to_storage(
    tmp_path: Path, answer: dict[str, str], says: str
) -> None:
    build = tmp_path / "shop.apk"
    build.write_bytes(b"PK" * 100)
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    async def go() -> None:
        async with TesterArmyClient(
            "https://api.example/api", "sk_test_key", transport=httpx.MockTransport(api)
        ) as client:
            await upload_app(
                client,
                "p-1",
                AppFile(build, build.name, False, 200),
                remove_after=None,
                redactor=Redactor(),
                deadline=float("inf"),
            )

    with pytest.raises(ApiError) as refused:
        asyncio.run(go())
    assert says in str(refused.value)
    assert [r.url.path for r in seen] == ["/api/v1/projects/p-1/mobile/upload"]
    assert json.loads(seen[0].content) == {"filename": "shop.apk", "fileSize": 200}


def test_progress_says_bytes_rate_and_time_left() -> None:
    line = transfer_line(400_000_000, 1_000_000_000, 8.0)
    assert line == "uploading: 400.0 MB of 1.0 GB (40%), 50.0 MB/s, about 12 s left"
    assert transfer_line(10, 10, 0.0).startswith("uploading: 10 B of 10 B (100%)")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_a_progress_line_every_5_s_and_one_at_the_end() -> None:
    from testerarmy_wait.ci.shared import TransferLog

    clock = Clock()
    log = TransferLog(clock=clock)
    said = []
    for second in range(0, 13):
        clock.now = float(second)
        said.append(log.due(second * 10, 1000))
    assert [n for n, due in enumerate(said) if due] == [0, 5, 10]
    assert log.due(1000, 1000)  # the end is always said


def test_a_tty_shows_a_live_bar_and_one_line_that_stays() -> None:
    import io

    from testerarmy_wait.ci.terminal import TerminalReporter

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    reporter = TerminalReporter(out, Redactor(), is_tty=True, color=False)
    reporter.transfer(250, 1000, 1.0)
    reporter.transfer(1000, 1000, 2.0)
    text = out.getvalue()
    assert "[#####...............] uploading: 250 B of 1.0 KB (25%), 250 B/s" in text
    assert text.endswith("\x1b[2Kuploading: 1.0 KB of 1.0 KB (100%), 500 B/s\n")
    piped = io.StringIO()
    TerminalReporter(piped, Redactor(), is_tty=False, color=False).transfer(250, 1000, 1.0)
    assert piped.getvalue() == "uploading: 250 B of 1.0 KB (25%), 250 B/s, about 3 s left\n"
