"""PyPI's page (``docs/pypi.md``, the package's description) is short and must not drift from
the program: the flags it shows exist, its exit codes are the program's, and it points to the
full guide."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from testerarmy_wait.config import SETTINGS_BY_NAME
from testerarmy_wait.policy import ExitCode

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = ROOT / "docs" / "pypi.md"
OUR_FLAGS = {"--json", "--help", "--version"}


def text() -> str:
    return DESCRIPTION.read_text(encoding="utf-8")


def test_the_package_description_is_the_short_page() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["readme"] == "docs/pypi.md"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text()) * 10 < len(readme)
    assert "https://github.com/testerarmy-wait/testerarmy-wait#readme" in text()


def test_every_flag_it_shows_is_a_setting_or_one_of_the_commands_own() -> None:
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text()))
    assert {"--run-id", "--test-id", "--timeout", "--min-severity"} <= flags
    unknown = {f for f in flags if f not in OUR_FLAGS and f[2:] not in SETTINGS_BY_NAME}
    assert unknown == set()


def test_its_exit_codes_are_the_programs() -> None:
    rows = re.findall(r"^\| (\d+(?: / \d+)?) \|", text(), re.MULTILINE)
    codes = {int(code) for row in rows for code in row.split(" / ")}
    assert codes == {int(code) for code in ExitCode}
