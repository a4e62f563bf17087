"""The action's metadata says what the program does: every input is a setting, every
output is written, and the container follows the runner's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from testerarmy_wait.report.outputs import step_outputs
from testerarmy_wait.verdict import usage_error

ROOT = Path(__file__).resolve().parents[2]


def action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# Only what the runner alone knows: the job's token (container actions get none otherwise)
# and what tells this job apart from its matrix siblings.
RUNNER_DEFAULTS = {
    "github-token": "${{ github.token }}",
    "comment-key": "${{ github.workflow }}|${{ github.job }}|${{ toJSON(matrix) }}",
}


def test_no_input_has_a_default_that_would_hide_the_environment_variable() -> None:
    defaults = {
        name: spec["default"] for name, spec in action()["inputs"].items() if "default" in spec
    }
    assert defaults == RUNNER_DEFAULTS


def test_action_metadata_holds_no_expression_but_the_runner_defaults() -> None:
    # The runner evaluates ${{ }} in action.yml and refuses to load it on a bad one; the two
    # defaults use only contexts an input default may use (github, job, matrix).
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    for expression in RUNNER_DEFAULTS.values():
        text = text.replace(expression, "")
    assert "${{" not in text


def test_every_output_is_declared_and_described() -> None:
    written = step_outputs(usage_error("x"), report_path="r", junit_path="j")
    declared = action()["outputs"]
    assert set(written) == set(declared)
    assert all(spec["description"].strip() for spec in declared.values())


def test_action_is_a_docker_action_built_from_the_dockerfile() -> None:
    runs = action()["runs"]
    assert runs == {"using": "docker", "image": "Dockerfile"}


def test_dockerfile_runs_as_root_with_an_exec_form_entrypoint() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text("utf-8").splitlines()]
    assert not [line for line in lines if line.upper().startswith("USER ")]
    [entrypoint] = [line for line in lines if line.startswith("ENTRYPOINT")]
    assert entrypoint.startswith('ENTRYPOINT ["/')
