"""The README's ``docker run`` example, run as written against the sandbox: only the image tag,
the API key, the run id and the API URL are replaced, as the README tells its reader to."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from testerarmy_wait_sandbox import Sandbox
from tests.container.engine import ROOT, RUN_TIMEOUT

SECTION = "## docker run, or any terminal"
KEY_PLACEHOLDER = "sk_sandbox_..."
RUN_PLACEHOLDER = "6c0f..."


def readme_example() -> list[str]:
    """The commands of the section's first ``sh`` block, continuation lines joined."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index(SECTION) :]
    section = section[: section.find("\n## ", len(SECTION))]
    block = re.search(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert block is not None, f"no sh block under {SECTION!r}"
    joined = block.group(1).replace("\\\n", " ")
    return [
        " ".join(line.split())
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def image_tag(sandbox: str) -> str:
    """The image the sandbox command runs: ``docker run --rm --network host IMAGE sandbox ...``."""
    words = shlex.split(sandbox)
    return words[words.index("sandbox") - 1]


def test_readme_example_is_a_sandbox_then_a_wait_on_the_same_api_and_released_image() -> None:
    commands = readme_example()
    sandbox, export, wait = commands
    tag = image_tag(sandbox)
    assert re.fullmatch(r"ghcr\.io/testerarmy-wait/testerarmy-wait:\d+", tag)
    port = re.search(r"--port (\d+)", sandbox)
    assert port is not None
    assert sandbox.startswith(f"docker run --rm --network host {tag} sandbox ")
    assert "--scenario issues-found" in sandbox
    assert export == f"export TESTERARMY_API_KEY={KEY_PLACEHOLDER}"
    assert f" {tag} " in wait
    assert f"--api-url http://127.0.0.1:{port.group(1)}/api" in wait
    assert wait.endswith(f"--run-id {RUN_PLACEHOLDER}")


@pytest.mark.docker
def test_readme_docker_run_example_fails_on_issues_and_leaves_reports(
    image: str, sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    run_id = sandbox.create_run("issues-found")
    sandbox_command, export, wait = readme_example()
    tag = image_tag(sandbox_command)
    api_url = re.search(r"--api-url (\S+)", wait)
    assert api_url is not None
    script = "\n".join(
        re.sub(rf"(?<=\s){re.escape(tag)}(?=\s)", image, command)
        .replace(KEY_PLACEHOLDER, sandbox.api_key)
        .replace(RUN_PLACEHOLDER, run_id)
        .replace(api_url.group(1), sandbox.url)
        for command in (export, wait)
    )

    completed = subprocess.run(
        ["sh", "-eu", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )

    log = completed.stdout + completed.stderr
    assert completed.returncode == 1, log
    assert "FAILED" in log
    assert sandbox.api_key not in log
    report = json.loads((tmp_path / "testerarmy-reports" / "testerarmy-wait.json").read_text())
    assert report["result"] == "FAILED"
    assert (tmp_path / "testerarmy-reports" / "testerarmy-wait.junit.xml").is_file()
    assert [e.route for e in sandbox.requests if e.method == "GET"][-1] == f"/v1/runs/{run_id}"
