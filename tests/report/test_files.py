from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.files import write_reports
from testerarmy_wait.workspace import write_text_atomic
from tests.report.factories import checkout_verdict


def test_reports_are_written_under_the_report_dir_with_workspace_relative_paths(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "ws"
    paths = write_reports(
        checkout_verdict(),
        workspace / "testerarmy-reports",
        workspace=workspace,
        redactor=Redactor(),
    )
    assert paths.json_relative == "testerarmy-reports/testerarmy-wait.json"
    assert paths.junit_relative == "testerarmy-reports/testerarmy-wait.junit.xml"
    assert paths.dotenv_relative == "testerarmy-reports/testerarmy-wait.env"
    assert paths.json.is_absolute()
    assert json.loads(paths.json.read_text(encoding="utf-8"))["result"] == "FAILED"
    assert ET.parse(paths.junit).getroot().tag == "testsuites"
    assert paths.dotenv.read_text(encoding="utf-8").startswith("TESTERARMY_RESULT=FAILED\n")
    assert paths.errors == ()
    assert paths.for_summary() == {
        "json": "testerarmy-reports/testerarmy-wait.json",
        "junit": "testerarmy-reports/testerarmy-wait.junit.xml",
    }


def test_report_dir_outside_the_workspace_gives_absolute_paths(tmp_path: Path) -> None:
    paths = write_reports(
        checkout_verdict(),
        tmp_path / "out",
        workspace=tmp_path / "ws",
        redactor=Redactor(),
    )
    assert paths.json_relative == (tmp_path / "out" / "testerarmy-wait.json").resolve().as_posix()


def test_unwritable_report_dir_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    paths = write_reports(
        checkout_verdict(),
        blocker / "reports",
        workspace=tmp_path,
        redactor=Redactor(),
    )
    assert len(paths.errors) == 3
    assert "could not write" in paths.errors[0]


def test_atomic_write_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two ✓")
    assert target.read_text(encoding="utf-8") == "two ✓"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_write_cleans_up_when_writing_fails(tmp_path: Path) -> None:
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(tmp_path / "a.txt", "bad \ud800")
    assert list(tmp_path.iterdir()) == []
