"""``testerarmy-wait demo``: the plain demo and the one with a baseline, in-process."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from testerarmy_wait.cli import main


def demo(tmp_path: Path, *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(["demo", "--speed", "2000", *args], {"PATH": "/usr/bin:/bin"}, out, err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue() + err.getvalue()


def test_the_baseline_demo_shows_known_issues_passing_and_the_new_one_failing(
    tmp_path: Path,
) -> None:
    code, text = demo(tmp_path, "--baseline")
    assert code == 0
    assert "4 new entries" in text
    assert "FAILED: 1 blocking issue (4 known)" in text
    assert text.count("    known ") == 4
    assert "Download invoice button returns a 404 error" in text
    assert (tmp_path / "testerarmy-reports" / "testerarmy-wait.json").is_file()


@pytest.mark.parametrize("strict", [False, True])
def test_strict_demo_exits_with_the_verdicts_code(tmp_path: Path, strict: bool) -> None:
    code, _text = demo(tmp_path, "--baseline", *(["--strict"] if strict else []))
    assert code == (1 if strict else 0)


def test_the_mobile_demo_uploads_tests_and_deletes_a_build(tmp_path: Path) -> None:
    code, text = demo(tmp_path, "--mobile")
    assert code == 0, text
    assert "uploaded demo-shop.apk" in text
    assert "deleted app" in text
    assert "PASS" in text
    assert "Demo finished: the build was uploaded, tested and deleted." in text
