"""The sandbox and the demo are a package of their own: the waiter runs without it, and
asking for them without it installed is one clear line and the usage exit code."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import testerarmy_wait
import testerarmy_wait_sandbox
from testerarmy_wait.cli import SANDBOX_MISSING
from testerarmy_wait.policy import ExitCode

ROOT = Path(__file__).resolve().parents[2]

# Hides the sandbox as if only the waiter's package were installed.
WITHOUT_SANDBOX = (
    "import sys\n"
    "sys.modules['testerarmy_wait_sandbox'] = None\n"
    "from testerarmy_wait.command import main\n"
    "raise SystemExit(main())\n"
)


@pytest.mark.parametrize("command", ["demo", "sandbox"])
def test_without_the_sandbox_installed_demo_and_sandbox_say_how_to_get_it(
    command: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SANDBOX, command, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == ExitCode.USAGE
    assert done.stderr == f"testerarmy-wait: {command}: {SANDBOX_MISSING}\n"
    assert "pip install 'testerarmy-wait[sandbox]'" in done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_without_the_sandbox_the_waiter_still_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SANDBOX, "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"testerarmy-wait {testerarmy_wait.__version__}"


def test_the_waiters_package_ships_no_sandbox_and_offers_it_as_an_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = project["tool"]["setuptools"]["package-data"]["testerarmy_wait"]
    assert not [pattern for pattern in data if "sandbox" in pattern]
    assert not list((ROOT / "src" / "testerarmy_wait").glob("sandbox/**/*.py"))
    assert project["project"]["optional-dependencies"]["sandbox"] == [
        f"testerarmy-wait-sandbox=={testerarmy_wait.__version__}"
    ]
    sandbox = tomllib.loads((ROOT / "sandbox" / "pyproject.toml").read_text(encoding="utf-8"))
    assert sandbox["project"]["dependencies"] == [f"testerarmy-wait=={testerarmy_wait.__version__}"]
    assert testerarmy_wait_sandbox.__version__ == testerarmy_wait.__version__
