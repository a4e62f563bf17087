"""Fixtures for the release tests: a release made from the working tree exactly as a maintainer
makes one (``scripts/release.py prepare``, a commit, a ``vX.Y.Z`` tag, ``publish``), pushed to
the loopback registry that ``scripts/ci-setup.sh`` serves.

Each session publishes under its own repository name, so concurrent runs and old images never
mix. The images are removed from the engine after publishing: whatever uses them must pull.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import testerarmy_wait
from tests.container.conftest import docker_engine
from tests.container.engine import BASE_IMAGE, BUILD_TIMEOUT, docker, unavailable
from tests.pipelines.conftest import (
    GIT_IDENTITY,
    act,
    copy_working_tree,
    git_commit_all,
    gitlab_ci_local,
)
from tests.release.release_script import release

__all__ = ["act", "docker_engine", "gitlab_ci_local"]

REGISTRY = os.environ.get("TESTERARMY_REGISTRY", "127.0.0.1:5000")


@dataclass(frozen=True)
class Release:
    repo: Path  # a git repository whose HEAD is the release commit, tagged vX.Y.Z
    image_repo: str  # e.g. 127.0.0.1:5000/test-1a2b3c4d/testerarmy-wait
    version: str
    digest: str  # sha256:... of the pushed image
    publish_log: str

    @property
    def image(self) -> str:
        return f"{self.image_repo}:{self.version}"

    def forget_images(self) -> None:
        """Remove every tag of the release from the engine, so the next user must pull."""
        for tag in release.image_tags(release.Version.parse(self.version), []):
            docker("image", "rm", f"{self.image_repo}:{tag}")

    def registry_tags(self) -> list[str]:
        name = self.image_repo.split("/", 1)[1]
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/{name}/tags/list", timeout=10) as r:
            return sorted(json.load(r)["tags"])


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="session")
def registry(docker_engine: None) -> str:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY}/v2/", timeout=5):
            pass
    except (OSError, urllib.error.URLError) as exc:
        unavailable(f"no container registry answers on {REGISTRY} ({exc})")
    if docker("image", "inspect", BASE_IMAGE).returncode != 0:
        unavailable(f"base image {BASE_IMAGE} is missing")
    return REGISTRY


@pytest.fixture(scope="session")
def published(registry: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    """The working tree released as its upcoming version and published to the registry."""
    repo = tmp_path_factory.mktemp("release") / "repo"
    repo.mkdir()
    copy_working_tree(repo)
    git_commit_all(repo)
    version = str(release.Version.parse(testerarmy_wait.__version__).release)
    image_repo = f"{registry}/test-{uuid.uuid4().hex[:8]}/testerarmy-wait"
    script = [sys.executable, "scripts/release.py"]
    subprocess.run(
        [*script, "prepare", version, "--image-repo", image_repo],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    git(repo, "commit", "--quiet", "--all", "--message", f"Release {version}")
    git(repo, "tag", f"v{version}")
    published = subprocess.run(
        [
            *script,
            "publish",
            "--image-repo",
            image_repo,
            "--base-image",
            BASE_IMAGE,
            "--out",
            str(repo.parent / "dist"),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert published.returncode == 0, published.stdout[-3000:] + published.stderr[-3000:]
    digest = published.stdout.strip().rsplit("(", 1)[-1].rstrip(")")
    made = Release(repo, image_repo, version, digest, published.stdout + published.stderr)
    made.forget_images()
    yield made
    made.forget_images()
