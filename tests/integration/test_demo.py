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


#: Dumps the files of every module loaded, once the demos given as arguments have run.
LOADED_FILES = """
import io, json, sys
from testerarmy_wait.cli import main
for flag in sys.argv[2:]:
    args = ["demo", "--speed", "2000", *flag.split()]
    main(args, {"PATH": "/usr/bin:/bin"}, io.StringIO(), io.StringIO())
files = [getattr(module, "__file__", None) or "" for module in list(sys.modules.values())]
open(sys.argv[1], "w", encoding="utf-8").write(json.dumps(files))
"""


def test_what_the_image_leaves_uncompiled_is_never_imported(tmp_path: Path) -> None:
    """The Dockerfile compiles everything but a few modules of pydantic's; plain, baseline,
    GitHub-style and mobile demos must not import them (they would be compiled on every start)."""
    import json
    import re
    import subprocess
    import sys

    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text("utf-8")
    [left_out] = re.findall(r"compileall .*?-x '([^']+)'", dockerfile, re.DOTALL)
    dump = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", LOADED_FILES, str(dump), "", "--baseline", "--mobile"],
        cwd=tmp_path,
        check=True,
        timeout=300,
    )
    files = json.loads(dump.read_text("utf-8"))
    assert any("/pydantic/" in name for name in files), "the demos no longer load pydantic"
    assert any(name.endswith("report/json_report.py") for name in files)
    assert [name for name in files if re.search(left_out, name)] == []
