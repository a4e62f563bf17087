"""The settings as users read them agree with ``config.SETTINGS``, where they are declared:
``action.yml``'s inputs, the GitLab component's ``spec: inputs`` and its job, and the README's
settings table. Each failure names the setting and what differs; the docs follow the settings,
never the other way round."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from testerarmy_wait.config import BASELINE_DEFAULT_PATH, SETTINGS, SETTINGS_BY_NAME, Setting
from testerarmy_wait.errors import UsageError
from testerarmy_wait.parsers import DEFAULT_API_URL
from testerarmy_wait.report.files import JUNIT_NAME
from tests.report.html_check import render
from tests.unit.test_packaging import RUNNER_DEFAULTS

ROOT = Path(__file__).resolve().parents[2]
COMPONENT_FILE = ROOT / "templates" / "testerarmy-wait.yml"
EACH_SETTING = pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])

# Settings that are not inputs of the GitHub action (``Setting.action_input`` is False).
NOT_ACTION_INPUTS = {
    # GitLab's merge request note only; the action has github-token.
    "gitlab-token": "GitLab only",
}

# Settings the GitLab component has no input for: they stay TESTERARMY_* variables.
COMPONENT_LEAVES_OUT = {
    # Secrets: an input's value is written in the including file, for anyone to read; a secret
    # belongs in a masked CI/CD variable.
    "api-key": "a secret",
    "group-webhook-url": "a secret (the URL holds the webhook's key)",
    "gitlab-token": "a secret",
    # GitHub only.
    "github-token": "GitHub only",
    "check-run": "GitHub only",
    "deployment-environment": "GitHub only (deployment_status events)",
    "ready-header": "a secret",
    "ready-status": "a variable",
    "rerun-failed-only": "a variable",
    "app-id": "a variable",
    "retry-on": "a variable",
    "flaky": "a variable",
    "remove-after": "a variable",
    "delete-app": "a variable",
    # On GitLab the job name tells the notes apart, and job-name sets it.
    "comment-key": "job-name does it",
    # The job's artifacts name testerarmy-reports/ and its JUnit file: moved reports are lost.
    "report-dir": "fixed by the job's artifacts",
    "junit-path": "fixed by the job's artifacts",
    # Tuning and links, the same for every job of a project: pipeline variables.
    "poll-interval": "a variable",
    "request-timeout": "a variable",
    "run-url": "a variable",
    "cancel-on-timeout": "a variable",
    "cancel-on-interrupt": "a variable",
    # Starting parameters: the merge request's fields come from CI_MERGE_REQUEST_*; the rest
    # are variables, as the component's header says.
    "mode": "a starting parameter",
    "platform": "a starting parameter",
    "device-model": "a starting parameter",
    "environment-id": "a starting parameter",
    "environment": "a starting parameter",
    "commit-sha": "a starting parameter",
    "pr-number": "a starting parameter",
    "pr-title": "a starting parameter",
    "pr-description": "a starting parameter",
    "base-branch": "a starting parameter",
    "head-branch": "a starting parameter",
}

# The component's own inputs: they shape the job, the program never reads them.
COMPONENT_JOB_INPUTS = {"job-name", "stage", "image", "allow-failure"}

# Defaults the program decides when the setting is unset (its declared default is None), as
# the docs write them.
RUNTIME_DEFAULTS = {
    # None tells "not set" apart, so a webhook URL may name the host instead.
    "api-url": DEFAULT_API_URL,
    "junit-path": f"<report-dir>/{JUNIT_NAME}",
    "baseline": BASELINE_DEFAULT_PATH,  # when the file exists
}

# Words of a setting's help that name a platform's own thing (the help speaks of both).
PLATFORM_WORDS = {"github", "gitlab", "job", "step", "pull", "merge"}
STOP_WORDS = {
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its",
    "of", "on", "or", "s", "the", "this", "to", "with",
}  # fmt: skip
# "Default 30m." / "(default 1)": a value that ends its clause; "Default true for runs this
# step started" or "(default - from the event)" give none.
WRITTEN_DEFAULT = re.compile(
    r"\bdefault:? (?P<value>[^\s-]\S*?)(?:[.;,)]+(?=\s|$)|$)", re.IGNORECASE
)


# --- what the settings say ---


def words(text: str) -> set[str]:
    """Significant words, plural and singular alike."""
    found = set()
    for word in re.findall(r"[a-z0-9_]+", text.lower()):
        if word in STOP_WORDS or word in PLATFORM_WORDS:
            continue
        plural = word.endswith("s") and not word.endswith("ss") and len(word) > 2
        found.add(word[:-1] if plural else word)
    return found


def lead(setting: Setting) -> str:
    """What the setting's help says first: the part before ``:``, ``;``, ``,`` or ``(``."""
    return re.split(r"[:;,(]", setting.help, maxsplit=1)[0]


def description_problem(setting: Setting, description: str) -> str | None:
    missing = sorted(words(lead(setting)) - words(description))
    if not missing:
        return None
    return f"the description does not say what the help does ({lead(setting)!r}): {missing}"


def fixed_default(setting: Setting) -> Any:
    return None if setting.default in (None, ()) else setting.default


def default_problem(setting: Setting, written: str | None, *, required: bool) -> str | None:
    """Why the default ``written`` in a document is not the setting's, if it is not."""
    fixed = fixed_default(setting)
    runtime = RUNTIME_DEFAULTS.get(setting.name)
    if written is None:
        if required and (fixed is not None or runtime is not None):
            return f"gives no default; the program's is {fixed if runtime is None else runtime!r}"
        return None
    if fixed is None and runtime is None:
        return f"gives the default {written!r}; the program has none"
    try:
        value = setting.parse(written, setting.name)
    except UsageError as error:
        return f"gives the default {written!r}, which the setting refuses ({error})"
    expected = fixed if runtime is None else setting.parse(runtime, setting.name)
    if value != expected:
        return f"gives the default {written!r}; the program's is {expected!r}"
    return None


def default_in_description(description: str) -> str | None:
    match = WRITTEN_DEFAULT.search(description)
    return None if match is None else match["value"]


def report(setting: Setting, document: str, problems: list[str | None]) -> None:
    found = [p for p in problems if p]
    assert not found, f"{setting.name} in {document}: " + "; ".join(found)


def test_written_defaults_are_read_only_where_they_end_their_clause() -> None:
    assert default_in_description("Deadline. Default 30m. More.") == "30m"
    assert default_in_description("API base URL (default https://tester.army/api).") == (
        "https://tester.army/api"
    )
    assert default_in_description("Default FAILED,CANCELLED. ERROR fails.") == "FAILED,CANCELLED"
    assert default_in_description("Default true for runs this step started.") is None
    assert default_in_description("The title (default - from the event).") is None


# --- action.yml ---


def action_inputs() -> dict[str, dict[str, Any]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return action["inputs"]  # type: ignore[no-any-return]


def test_settings_left_out_of_the_action_are_the_ones_the_model_marks() -> None:
    assert set(NOT_ACTION_INPUTS) == {s.name for s in SETTINGS if not s.action_input}


@EACH_SETTING
def test_action_yml_declares_each_setting_as_its_input(setting: Setting) -> None:
    inputs = action_inputs()
    if setting.name in NOT_ACTION_INPUTS:
        assert setting.name not in inputs, f"{setting.name}: an action input, yet listed as none"
        return
    assert setting.name in inputs, f"{setting.name}: not an input of action.yml"
    spec = inputs[setting.name]
    description = " ".join(str(spec.get("description", "")).split())
    problems = [description_problem(setting, description)]
    problems.append(default_problem(setting, default_in_description(description), required=False))
    if spec.get("required", False):
        problems.append("is required; settings are checked by the program, which names them")
    if "default" in spec and spec["default"] != RUNNER_DEFAULTS.get(setting.name):
        # An input default would hide the TESTERARMY_* variable: only what the runner alone
        # knows is one.
        problems.append(f"default: {spec['default']!r} is not a runner default")
    report(setting, "action.yml", problems)


def test_action_yml_has_no_input_that_is_not_a_setting() -> None:
    strays = sorted(set(action_inputs()) - set(SETTINGS_BY_NAME))
    assert not strays, f"action.yml inputs that are no setting: {strays}"


# --- the GitLab component ---


def component() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The component's ``spec: inputs`` and its one job."""
    spec, jobs = yaml.safe_load_all(COMPONENT_FILE.read_text(encoding="utf-8"))
    [job] = jobs.values()
    return spec["spec"]["inputs"], job


def component_variable(setting: Setting) -> str:
    """The job variable an input goes through: not the setting's own variable, which a job
    variable would hide when a user sets it for the whole pipeline."""
    return setting.env_var.replace("TESTERARMY_", "TESTERARMY_COMPONENT_", 1)


def test_component_leaves_out_only_settings() -> None:
    strays = sorted(set(COMPONENT_LEAVES_OUT) - set(SETTINGS_BY_NAME))
    assert not strays, f"COMPONENT_LEAVES_OUT names no setting: {strays}"


@pytest.mark.parametrize(
    "setting",
    [s for s in SETTINGS if s.name not in COMPONENT_LEAVES_OUT],
    ids=[s.name for s in SETTINGS if s.name not in COMPONENT_LEAVES_OUT],
)
def test_component_input_of_each_setting_reaches_its_flag(setting: Setting) -> None:
    inputs, job = component()
    assert setting.name in inputs, (
        f"{setting.name}: not a component input, nor in COMPONENT_LEAVES_OUT"
    )
    spec = inputs[setting.name]
    description = " ".join(str(spec.get("description", "")).split())
    variable = component_variable(setting)
    variables = job.get("variables", {})
    script = " ".join(job["script"])
    problems = [
        description_problem(setting, description),
        default_problem(setting, default_in_description(description), required=False),
    ]
    if spec.get("default") != "":
        problems.append(
            f"default: {spec.get('default')!r}, not '' (empty falls back to {setting.env_var})"
        )
    if variables.get(variable) != f"$[[ inputs.{setting.name} ]]":
        problems.append(f"the job's variables do not set {variable} to the input")
    if setting.env_var in variables:
        problems.append(f"the job sets {setting.env_var}, hiding the user's variable")
    if f'--{setting.name} "${variable}"' not in script:
        problems.append(f'the script does not pass --{setting.name} "${variable}"')
    report(setting, COMPONENT_FILE.name, problems)


@pytest.mark.parametrize("name", sorted(COMPONENT_LEAVES_OUT))
def test_component_has_no_input_for_a_setting_it_leaves_out(name: str) -> None:
    inputs, _job = component()
    reason = COMPONENT_LEAVES_OUT[name]
    assert name not in inputs, f"{name}: a component input, yet left out ({reason})"


def test_component_has_no_input_that_is_not_a_setting_or_the_jobs_own() -> None:
    inputs, _job = component()
    strays = sorted(set(inputs) - set(SETTINGS_BY_NAME) - COMPONENT_JOB_INPUTS)
    assert not strays, f"component inputs that are no setting: {strays}"
    missing = sorted(COMPONENT_JOB_INPUTS - set(inputs))
    assert not missing, f"component inputs missing: {missing}"


def test_component_job_passes_nothing_but_settings_it_takes_as_inputs() -> None:
    inputs, job = component()
    script = " ".join(job["script"])
    flags = set(re.findall(r"(?<!\S)--([a-z][a-z-]*)", script))
    strays = sorted(flags - set(inputs))
    assert not strays, f"the component's script passes flags of no input: {strays}"
    exposed = [SETTINGS_BY_NAME[name] for name in inputs if name in SETTINGS_BY_NAME]
    strays = sorted(set(job.get("variables", {})) - {component_variable(s) for s in exposed})
    assert not strays, f"the component's job sets variables of no input: {strays}"


# --- the README's settings table ---


@dataclass
class Cell:
    text: str = ""
    code: list[str] = field(default_factory=list)


@dataclass
class Tables(HTMLParser):
    """The tables of rendered markdown: rows of body cells, with their code spans."""

    tables: list[list[list[Cell]]] = field(default_factory=list)
    _cell: Cell | None = None
    _in_code: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in {"td", "th"}:
            self._cell = Cell()
            self.tables[-1][-1].append(self._cell)
        elif tag == "code" and self._cell is not None:
            self._in_code = True
            self._cell.code.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"}:
            self._cell = None
        elif tag == "code":
            self._in_code = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
            if self._in_code:
                self._cell.code[-1] += data


def readme_table(heading: str) -> list[list[Cell]]:
    """The body rows of the first table under ``heading``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"\n{heading}\n")
    end = readme.find("\n## ", start + 1)
    tables = Tables()
    tables.feed(render(readme[start : end if end != -1 else None]))
    tables.close()
    assert tables.tables, f"README: no table under {heading!r}"
    return tables.tables[0][1:]


def settings_rows() -> list[list[Cell]]:
    rows = readme_table("## Settings")
    assert all(len(row) == 4 for row in rows), "README settings table: a row without 4 cells"
    return rows


@EACH_SETTING
def test_readme_settings_table_has_a_row_for_each_setting(setting: Setting) -> None:
    rows = [row for row in settings_rows() if row[1].code == [setting.env_var]]
    assert len(rows) == 1, (
        f"{setting.name}: {len(rows)} rows of the README settings table with the variable "
        f"`{setting.env_var}` alone, expected 1"
    )
    [(names, _variable, default, _meaning)] = rows
    expected_names = [setting.name] if setting.action_input else []
    expected_names += [] if setting.secret else [f"--{setting.name}"]
    problems: list[str | None] = []
    if names.code != expected_names:
        problems.append(f"input / flag {names.code}, expected {expected_names}")
    if default.code and default.text.strip().startswith(default.code[0]):
        written = default.code[0]  # `value`, or `value` followed by when it applies
    else:
        written = None
    problems.append(default_problem(setting, written, required=True))
    report(setting, "the README settings table", problems)


def test_readme_settings_table_has_no_row_that_is_not_one_setting() -> None:
    variables = {s.env_var for s in SETTINGS}
    strays = [
        [cell.text for cell in row]
        for row in settings_rows()
        if len(row[1].code) != 1 or row[1].code[0] not in variables
    ]
    assert not strays, f"README settings table rows that are not one setting: {strays}"


def test_readme_start_table_names_only_settings() -> None:
    rows = readme_table("## Start runs, then wait")
    named = {code for row in rows for code in row[0].code + row[2].code}
    strays = sorted(named - set(SETTINGS_BY_NAME))
    assert not strays, f"README start table: inputs that are no setting: {strays}"
