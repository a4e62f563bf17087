"""The arm64 image: built by ``scripts/release.py image --platform linux/arm64`` on the arm64
stand-in base (an aarch64 Debian tree that ``scripts/ci-setup.sh`` makes where binfmt can run
it under qemu-user-static), pushed to the registry, pulled back, and run. Skipped with the
reason on a machine where binfmt cannot run aarch64 programs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable

import pytest

import testerarmy_wait
from testerarmy_wait_sandbox import Sandbox
from tests.container.engine import BUILD_TIMEOUT, ROOT, docker

pytestmark = pytest.mark.docker

ARM64_BASE = os.environ.get("TESTERARMY_ARM64_BASE_IMAGE", "")


@pytest.fixture(scope="module")
def arm64_image(registry: str) -> str:
    if not os.path.exists("/proc/sys/fs/binfmt_misc/qemu-aarch64"):
        pytest.skip("binfmt cannot run aarch64 programs here (no qemu-aarch64 entry)")
    if not ARM64_BASE or docker("image", "inspect", ARM64_BASE).returncode != 0:
        pytest.skip("no arm64 stand-in base image (scripts/ci-setup.sh makes one where it can)")
    image_repo = f"{registry}/test-{uuid.uuid4().hex[:8]}/testerarmy-wait"
    built = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "release.py"),
            "image",
            "--image-repo",
            image_repo,
            "--base-image",
            ARM64_BASE,
            "--platform",
            "linux/arm64",
            "--tag",
            "arm64",
            "--push",
        ],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    image = f"{image_repo}:arm64"
    docker("image", "rm", image)
    pulled = docker("pull", "--platform", "linux/arm64", image, timeout=300)
    assert pulled.returncode == 0, pulled.stderr
    return image


def test_the_arm64_image_is_arm64_and_answers_with_the_version(arm64_image: str) -> None:
    inspect = json.loads(docker("image", "inspect", arm64_image).stdout)[0]
    assert (inspect["Os"], inspect["Architecture"]) == ("linux", "arm64")
    said = docker("run", "--rm", "--platform", "linux/arm64", arm64_image, "--version")
    assert said.stdout.strip() == f"testerarmy-wait {testerarmy_wait.__version__}"
    machine = docker(
        "run", "--rm", "--platform", "linux/arm64", "--entrypoint", "uname", arm64_image, "-m"
    )
    assert machine.stdout.strip() == "aarch64"


def test_the_arm64_image_waits_for_a_run(
    arm64_image: str, sandbox_factory: Callable[..., Sandbox]
) -> None:
    sandbox = sandbox_factory()
    run_id = sandbox.create_run("issues-found")
    waited = docker(
        "run", "--rm", "--platform", "linux/arm64", "--network", "host",
        "-e", f"TESTERARMY_API_KEY={sandbox.api_key}", arm64_image,
        "--api-url", sandbox.url, "--run-id", run_id, "--poll-interval", "0.5", "--json",
        timeout=300,
    )  # fmt: skip
    assert waited.returncode == 1, waited.stderr[-3000:]
    assert json.loads(waited.stdout)["result"] == "FAILED"
