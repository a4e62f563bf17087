"""Fixtures for the container tests: the image is built once per session and run the way the
GitHub runner runs a container action (or the way GitLab runs an image).

These tests need a Docker engine and the stand-in base image (``scripts/ci-setup.sh`` provides
both). Without them they are skipped with the reason, except when TESTERARMY_REQUIRE_HEAVY=1
(set by ``.ci/run``): then a missing engine or image is a failure.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.container.engine import (
    BASE_IMAGE,
    BUILD_TIMEOUT,
    IMAGE,
    ROOT,
    RUN_TIMEOUT,
    ActionRun,
    GitHubStep,
    RunAction,
    docker,
    unavailable,
)


@pytest.fixture(scope="session")
def docker_engine() -> None:
    if shutil.which("docker") is None:
        unavailable("no docker command on PATH")
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=30)
    except subprocess.TimeoutExpired:
        unavailable("`docker info` did not answer within 30 s")
    if info.returncode != 0:
        unavailable(f"no Docker engine answers `docker info`: {info.stderr.strip()[:300]}")


@pytest.fixture(scope="session")
def image(docker_engine: None) -> str:
    """The project image, built once from the working tree on the stand-in base."""
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        unavailable(f"base image {BASE_IMAGE} is missing")
    build = docker(
        "build",
        "--network",
        "host",
        "--build-arg",
        f"BASE_IMAGE={BASE_IMAGE}",
        "--tag",
        IMAGE,
        str(ROOT),
        timeout=BUILD_TIMEOUT,
    )
    if build.returncode != 0:
        pytest.fail(f"docker build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}")
    return IMAGE


@pytest.fixture
def github_step(image: str, tmp_path: Path) -> Iterator[GitHubStep]:
    step = GitHubStep(image=image, root=tmp_path, name=f"testerarmy-wait-test-{uuid.uuid4().hex}")
    yield step
    docker("rm", "--force", "--volumes", step.name)


@pytest.fixture
def run_action(github_step: GitHubStep) -> RunAction:
    """Run the image as a GitHub container action step and wait for it to exit."""

    def run(
        inputs: Mapping[str, str], env: Mapping[str, str] | None = None, args: Sequence[str] = ()
    ) -> ActionRun:
        completed = docker(
            *github_step.docker_args(inputs, env or {}),
            "--rm",
            github_step.image,
            *args,
            timeout=RUN_TIMEOUT,
        )
        return github_step.result(completed.returncode, completed.stdout, completed.stderr)

    return run
