"""Running Docker and the image the way the CI runners do, for the container tests."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests.ci.runner import parse_output_file as parse_github_output

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("TESTERARMY_BASE_IMAGE", "testerarmy-wait-base:bookworm")
IMAGE = os.environ.get("TESTERARMY_TEST_IMAGE", "testerarmy-wait:test")
REQUIRE_HEAVY = os.environ.get("TESTERARMY_REQUIRE_HEAVY") == "1"
BUILD_TIMEOUT = 900
RUN_TIMEOUT = 120


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when heavy tests are required."""
    if REQUIRE_HEAVY:
        pytest.fail(f"{reason} (TESTERARMY_REQUIRE_HEAVY=1; run scripts/ci-setup.sh)")
    pytest.skip(f"{reason}; run scripts/ci-setup.sh as root to enable the container tests")


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class ActionRun:
    """What a container step left behind, read the way the runner reads it."""

    code: int
    stdout: str
    stderr: str
    workspace: Path
    output_file: Path
    summary_file: Path

    @property
    def outputs(self) -> dict[str, str]:
        return parse_github_output(self.output_file.read_text("utf-8"))

    @property
    def summary(self) -> str:
        return self.summary_file.read_text("utf-8")


@dataclass
class GitHubStep:
    """The mounts and environment of a GitHub container action step, for one step."""

    image: str
    root: Path
    name: str

    def __post_init__(self) -> None:
        self.workspace = self.root / "workspace"
        self.file_commands = self.root / "file_commands"
        self.workspace.mkdir(parents=True)
        self.file_commands.mkdir(parents=True)
        suffix = uuid.uuid4()
        self.output_file = self.file_commands / f"set_output_{suffix}"
        self.summary_file = self.file_commands / f"step_summary_{suffix}"
        self.output_file.touch()
        self.summary_file.touch()

    def docker_args(self, inputs: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
        variables = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "HOME": "/github/home",
            "GITHUB_OUTPUT": f"/github/file_commands/{self.output_file.name}",
            "GITHUB_STEP_SUMMARY": f"/github/file_commands/{self.summary_file.name}",
            "GITHUB_WORKSPACE": "/github/workspace",
            **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
            **env,
        }
        args = [
            "run",
            "--name",
            self.name,
            "--network",
            "host",
            "--workdir",
            "/github/workspace",
            "-v",
            f"{self.workspace}:/github/workspace",
            "-v",
            f"{self.file_commands}:/github/file_commands",
        ]
        for key, value in variables.items():
            args += ["-e", f"{key}={value}"]
        return args

    def result(self, code: int, stdout: str, stderr: str) -> ActionRun:
        return ActionRun(
            code=code,
            stdout=stdout,
            stderr=stderr,
            workspace=self.workspace,
            output_file=self.output_file,
            summary_file=self.summary_file,
        )


RunAction = Callable[..., ActionRun]
