"""Run the command in-process the way a GitHub job would, and collect what it left."""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cmarkgfm  # type: ignore[import-untyped]

from testerarmy_wait.cli import main
from testerarmy_wait.report.json_model import Results
from tests.ci.runner import parse_output_file as parse_github_output


@dataclass
class JobResult:
    code: int
    outputs: dict[str, str]
    summary: str
    log: str
    stderr: str
    workspace: Path

    @property
    def summary_text(self) -> str:
        """The summary as a reader sees it: rendered like GitHub, tags dropped."""
        rendered = cmarkgfm.github_flavored_markdown_to_html(self.summary)
        return html.unescape(re.sub(r"<[^>]+>", " ", rendered))

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.workspace / self.outputs["reportPath"]).read_text("utf-8"))  # type: ignore[no-any-return]


def held_to_the_model(workspace: Path, outputs: dict[str, str]) -> None:
    """Every results file a job writes is the declared results object: each key present,
    none extra, every value of its declared type."""
    report = workspace / outputs.get("reportPath", "")
    if "reportPath" in outputs and report.is_file():
        Results.model_validate_json(report.read_bytes(), strict=True)


def run_job(
    tmp_path: Path,
    env: dict[str, str],
    argv: list[str] | None = None,
    *,
    github: bool = True,
) -> JobResult:
    workspace = tmp_path / "workspace"
    commands = tmp_path / "file_commands"
    workspace.mkdir(parents=True, exist_ok=True)
    commands.mkdir(parents=True, exist_ok=True)
    output_file = commands / "set_output"
    summary_file = commands / "step_summary"
    output_file.touch()
    summary_file.touch()
    full_env = {"PATH": "/usr/bin:/bin", "GITHUB_WORKSPACE": str(workspace), **env}
    if github:
        full_env |= {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
        }
    out, err = io.StringIO(), io.StringIO()
    code = main(argv or [], full_env, out, err)
    outputs = parse_github_output(output_file.read_text("utf-8"))
    held_to_the_model(workspace, outputs)
    return JobResult(
        code=code,
        outputs=outputs,
        summary=summary_file.read_text("utf-8"),
        log=out.getvalue(),
        stderr=err.getvalue(),
        workspace=workspace,
    )
