"""Fixtures for the pipeline tests: the real runners (act, gitlab-ci-local, ``docker run``) on a
copy of the working tree, against the in-process sandbox.

The sandbox binds 127.0.0.1 and every container runs with host networking, so the job
containers reach it at the sandbox's own URL. Without Docker, act or gitlab-ci-local these
tests are skipped with the reason, except when TESTERARMY_REQUIRE_HEAVY=1: then they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.container.conftest import docker_engine, image
from tests.container.engine import ROOT, unavailable

__all__ = ["docker_engine", "image"]

TOOLS_DIR = Path(os.environ.get("TESTERARMY_TOOLS_DIR", "/opt/testerarmy-tools"))
PIPELINE_TIMEOUT = 900

GIT_IDENTITY = (
    "-c",
    "user.name=testerarmy-wait tests",
    "-c",
    "user.email=tests@testerarmy-wait.invalid",
    "-c",
    "commit.gpgsign=false",
)


def find_tool(name: str) -> str:
    """The tool on PATH, else in the tools directory ``scripts/ci-setup.sh`` fills."""
    found = shutil.which(name) or shutil.which(name, path=str(TOOLS_DIR / "bin"))
    if found is None:
        unavailable(f"no {name} on PATH nor in {TOOLS_DIR / 'bin'}")
    return found


@pytest.fixture(scope="session")
def act(docker_engine: None) -> str:
    return find_tool("act")


@pytest.fixture(scope="session")
def gitlab_ci_local(docker_engine: None) -> str:
    if shutil.which("node") is None:
        unavailable("no node on PATH (gitlab-ci-local needs Node.js)")
    return find_tool("gitlab-ci-local")


def working_tree_files() -> list[str]:
    """Tracked and untracked, not ignored, files of the working tree that exist now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (ROOT / name).is_file()})


def git_commit_all(repo: Path) -> None:
    """Make ``repo`` a git repository whose one commit holds everything in it."""
    for args in (
        ("init", "--quiet", "--initial-branch=main"),
        ("add", "--all"),
        (*GIT_IDENTITY, "commit", "--quiet", "--no-verify", "--message", "pipeline test"),
    ):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def copy_working_tree(dest: Path) -> Path:
    """Copy the working tree (uncommitted changes included) into ``dest``, not yet committed."""
    for name in working_tree_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str], bool], Path]:
    """A temporary git repository with ``files`` (path -> text) written into it, on top of a
    copy of the working tree when ``with_tree`` is true."""

    def make(files: dict[str, str], with_tree: bool) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir()
        if with_tree:
            copy_working_tree(repo)
        for name, text in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
        git_commit_all(repo)
        return repo

    return make


def run_tool(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Completed:
    completed = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PIPELINE_TIMEOUT,
        check=False,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    return Completed(completed.returncode, completed.stdout + completed.stderr)


class Completed:
    """A finished tool: its exit code and its whole log (stdout then stderr)."""

    def __init__(self, code: int, log: str) -> None:
        self.code = code
        self.log = log

    def tail(self, chars: int = 12000) -> str:
        return self.log[-chars:]


def baseline_for(sandbox: Any, tmp_path: Path) -> tuple[str, str, str]:
    """A baseline accepting a reworded-issues run of one test, written by the command as a
    team would; and two later runs of the test: the same problems reworded, and those beside
    a new one. Returns (baseline text, reworded run id, new-beside-known run id)."""
    import io

    from testerarmy_wait.cli import main
    from tests.until import until_finished

    test_id = sandbox.configure_test(scenario="reworded-issues").test_id
    runs = [
        sandbox.create_run(s, test_id)
        for s in ("reworded-issues", "reworded-issues", "new-beside-known")
    ]
    until_finished(sandbox, *runs)
    target = tmp_path / "accepted-baseline.json"
    env = {"TESTERARMY_API_KEY": sandbox.api_key, "TESTERARMY_API_URL": sandbox.url}
    out, err = io.StringIO(), io.StringIO()
    code = main(["baseline", "--run-id", runs[0], "--file", str(target)], env, out, err)
    assert code == 0, err.getvalue()
    return target.read_text("utf-8"), runs[1], runs[2]


def act_command(act: str, event: str, workflow: str, *extra: str) -> list[str]:
    """act running ``workflow`` on ``event`` as every test here runs it: on the stand-in
    runner image, pulling nothing, on the host's network (where the sandbox listens)."""
    from tests.container.engine import BASE_IMAGE

    return [
        act,
        event,
        "--workflows",
        workflow,
        "--platform",
        f"ubuntu-latest={BASE_IMAGE}",
        "--pull=false",
        "--network",
        "host",
        *extra,
    ]


def gitlab_ci_local_command(gitlab_ci_local: str, **variables: str) -> list[str]:
    """gitlab-ci-local as every test here runs it, with ``variables`` set as CI variables."""
    command = [
        gitlab_ci_local,
        "--pull-policy",
        "if-not-present",
        "--network",
        "host",
        "--no-color",
        "--max-job-name-padding",
        "0",
    ]
    for name, value in variables.items():
        command += ["--variable", f"{name}={value}"]
    return command
