"""The GitLab component, included three times with inputs (``include: local:``, the form
``include: remote:`` users also take) by a pipeline that gitlab-ci-local runs against the
sandbox: a passing job, a job on a run with issues, a job that starts a run, and later jobs that
read the dotenv variables through ``needs:``. Settings left out of the inputs (the API URL) come
from the ``TESTERARMY_*`` variables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from testerarmy_wait_sandbox import Sandbox
from tests.container.engine import BASE_IMAGE, ROOT
from tests.pipelines.conftest import (
    baseline_for,
    gitlab_ci_local_command,
    run_tool,
)

pytestmark = [pytest.mark.docker, pytest.mark.gitlab]

TEMPLATE = "templates/testerarmy-wait.yml"

PIPELINE = """\
include:
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-pass
      stage: qa
      image: "@IMAGE@"
      run-id: "@PASS_RUN@"
      timeout: "120"
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-issues
      stage: qa
      image: "@IMAGE@"
      allow-failure: true
      run-id: "@ISSUES_RUN@"
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-trigger
      stage: qa
      image: "@IMAGE@"
      test-id: "@TEST_ID@"

variables:
  TESTERARMY_API_URL: "@API_URL@"
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_POLL_INTERVAL: "0.2"
  TESTERARMY_TIMEOUT: "120"

stages: [qa, verify]

verify-pass:
  stage: verify
  image: "@BASE_IMAGE@"
  needs: [qa-pass]
  script:
    - echo "verify-pass result=$TESTERARMY_RESULT durationMs=$TESTERARMY_DURATION_MS"
    - test "$TESTERARMY_RESULT" = PASS
    - test "$TESTERARMY_EXIT_CODE" = 0
    - test "$TESTERARMY_RUN_IDS" = "@PASS_RUN@"
    - expr "$TESTERARMY_DURATION_MS" ':' '[0-9][0-9]*$'
    - echo "CHECKED verify-pass"

verify-issues:
  stage: verify
  image: "@BASE_IMAGE@"
  needs: [qa-issues]
  script:
    - echo "verify-issues result=$TESTERARMY_RESULT blocking=$TESTERARMY_BLOCKING_ISSUE_COUNT"
    - test "$TESTERARMY_RESULT" = FAILED
    - test "$TESTERARMY_EXIT_CODE" = 1
    - test "$TESTERARMY_BLOCKING_ISSUE_COUNT" -gt 0
    - echo "CHECKED verify-issues"
"""


def read_dotenv(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text("utf-8").splitlines())


def test_template_job_passes_fails_on_issues_triggers_and_later_jobs_see_the_dotenv(
    gitlab_ci_local: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    sandbox = sandbox_factory()
    pass_run = sandbox.create_run("passes")
    issues_run = sandbox.create_run("issues-found")
    test_id = sandbox.configure_test(scenario="passes").test_id
    pipeline = (
        PIPELINE.replace("@IMAGE@", image)
        .replace("@BASE_IMAGE@", BASE_IMAGE)
        .replace("@API_URL@", sandbox.url)
        .replace("@API_KEY@", sandbox.api_key)
        .replace("@PASS_RUN@", pass_run)
        .replace("@ISSUES_RUN@", issues_run)
        .replace("@TEST_ID@", test_id)
    )
    template = (ROOT / TEMPLATE).read_text("utf-8")
    repo = make_repo({".gitlab-ci.yml": pipeline, TEMPLATE: template}, False)

    pipeline_run = run_tool(
        gitlab_ci_local_command(gitlab_ci_local),
        cwd=repo,
    )

    log = pipeline_run.log
    assert pipeline_run.code == 0, pipeline_run.tail()
    for job in ("qa-pass", "qa-trigger", "verify-pass", "verify-issues"):
        assert re.search(rf"^ PASS +{job}\b", log, re.MULTILINE), f"{job} did not pass:\n{log}"
    assert re.search(r"^ WARN +qa-issues\b", log, re.MULTILINE), f"qa-issues did not fail:\n{log}"
    assert "CHECKED verify-pass" in log
    assert "CHECKED verify-issues" in log

    artifacts = repo / ".gitlab-ci-local" / "artifacts"
    expected = {
        "qa-pass": ("PASS", "0", pass_run),
        "qa-issues": ("FAILED", "1", issues_run),
    }
    for job, (result, code, run_id) in expected.items():
        reports = artifacts / job / "testerarmy-reports"
        dotenv = read_dotenv(reports / "testerarmy-wait.env")
        assert dotenv["TESTERARMY_RESULT"] == result
        assert dotenv["TESTERARMY_EXIT_CODE"] == code
        assert dotenv["TESTERARMY_RUN_IDS"] == run_id
        assert dotenv["TESTERARMY_RUN_COUNT"] == "1"
        assert re.fullmatch(r"\d+", dotenv["TESTERARMY_DURATION_MS"])
        junit = ET.parse(reports / "testerarmy-wait.junit.xml").getroot()
        failures = junit.findall(".//testcase/failure")
        assert bool(failures) == (result == "FAILED")
        assert (reports / "testerarmy-wait.json").is_file()

    triggered = read_dotenv(artifacts / "qa-trigger" / "testerarmy-reports" / "testerarmy-wait.env")
    assert triggered["TESTERARMY_RESULT"] == "PASS"
    assert triggered["TESTERARMY_RUN_IDS"] in sandbox.run_ids(test_id=test_id)
    posts = [
        e for e in sandbox.requests if e.method == "POST" and e.route == f"/v1/tests/{test_id}/runs"
    ]
    assert len(posts) == 1


def test_the_projects_own_gitlab_pipeline_publishes_the_component_on_release_tags_only(
    gitlab_ci_local: str, make_repo: Callable[[dict[str, str], bool], Path]
) -> None:
    repo = make_repo({".gitlab-ci.yml": (ROOT / ".gitlab-ci.yml").read_text("utf-8")}, False)

    def jobs(*variables: str) -> str:
        listed = run_tool(
            [gitlab_ci_local, "--list", *(a for v in variables for a in ("--variable", v))],
            cwd=repo,
        )
        assert listed.code == 0, listed.tail()
        return listed.log

    assert "catalog-release" in jobs("CI_COMMIT_TAG=v1.2.3")
    assert "catalog-release" not in jobs("CI_COMMIT_TAG=v1")  # a moving tag is no version
    assert "catalog-release" not in jobs()


MR_PIPELINE = """\
include:
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-issues
      image: "@IMAGE@"
      allow-failure: true
      run-id: "@ISSUES_RUN@"
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-pass
      image: "@IMAGE@"
      run-id: "@PASS_RUN@"
      comment: on-failure

variables:
  TESTERARMY_API_URL: "@API_URL@"
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_POLL_INTERVAL: "0.2"
  TESTERARMY_TIMEOUT: "120"
"""


def test_merge_request_pipeline_leaves_one_note_per_job_and_edits_it_on_the_next_pipeline(
    gitlab_ci_local: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    from tests.fakes.forge import FakeForge

    sandbox = sandbox_factory()
    issues_run = sandbox.create_run("issues-found")
    pass_run = sandbox.create_run("passes")
    pipeline = (
        MR_PIPELINE.replace("@IMAGE@", image)
        .replace("@API_URL@", sandbox.url)
        .replace("@API_KEY@", sandbox.api_key)
        .replace("@ISSUES_RUN@", issues_run)
        .replace("@PASS_RUN@", pass_run)
    )
    template = (ROOT / TEMPLATE).read_text("utf-8")
    repo = make_repo({".gitlab-ci.yml": pipeline, TEMPLATE: template}, False)
    with FakeForge() as forge:
        command = gitlab_ci_local_command(
            gitlab_ci_local,
            CI_MERGE_REQUEST_IID="3",
            CI_PROJECT_ID="42",
            CI_API_V4_URL=forge.gitlab_url,
            TESTERARMY_GITLAB_TOKEN=forge.state.gitlab_token,
        )
        first = run_tool(command, cwd=repo)
        assert first.code == 0, first.tail()
        after_first = forge.notes("42", 3)
        second = run_tool(command, cwd=repo)
        assert second.code == 0, second.tail()
        notes = forge.notes("42", 3)

    for pipeline_run in (first, second):
        log = pipeline_run.log
        assert re.search(r"^ WARN +qa-issues\b", log, re.MULTILINE), log
        assert re.search(r"^ PASS +qa-pass\b", log, re.MULTILINE), log
        assert "merge request !3: note left as it is (on-failure)" in log
        assert forge.state.gitlab_token not in log
    assert "merge request !3: note created" in first.log
    assert "merge request !3: note updated" in second.log
    assert len(after_first) == 1
    assert [n.id for n in notes] == [after_first[0].id]
    assert "FAILED" in notes[0].body.split("\n", 2)[1]


BASELINE_PIPELINE = """\
include:
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-known
      image: "@IMAGE@"
      run-id: "@REWORDED_RUN@"
      baseline: .testerarmy-baseline.json
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-new
      image: "@IMAGE@"
      allow-failure: true
      run-id: "@NEW_RUN@"

variables:
  TESTERARMY_API_URL: "@API_URL@"
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_POLL_INTERVAL: "0.2"
"""


def test_a_committed_baseline_passes_known_issues_and_fails_the_new_one(
    gitlab_ci_local: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
    tmp_path: Path,
) -> None:
    """qa-known names the file; qa-new finds it at the default path by itself."""

    sandbox = sandbox_factory(speed=2000.0)
    baseline, reworded, new = baseline_for(sandbox, tmp_path)
    pipeline = (
        BASELINE_PIPELINE.replace("@IMAGE@", image)
        .replace("@API_URL@", sandbox.url)
        .replace("@API_KEY@", sandbox.api_key)
        .replace("@REWORDED_RUN@", reworded)
        .replace("@NEW_RUN@", new)
    )
    template = (ROOT / TEMPLATE).read_text("utf-8")
    repo = make_repo(
        {".gitlab-ci.yml": pipeline, TEMPLATE: template, ".testerarmy-baseline.json": baseline},
        False,
    )
    pipeline_run = run_tool(
        gitlab_ci_local_command(gitlab_ci_local),
        cwd=repo,
    )
    log = pipeline_run.log
    assert pipeline_run.code == 0, pipeline_run.tail()
    assert re.search(r"^ PASS +qa-known\b", log, re.MULTILINE), log
    assert re.search(r"^ WARN +qa-new\b", log, re.MULTILINE), log
    artifacts = repo / ".gitlab-ci-local" / "artifacts"
    for job, result, blocking in (("qa-known", "PASS", "0"), ("qa-new", "FAILED", "1")):
        dotenv = read_dotenv(artifacts / job / "testerarmy-reports" / "testerarmy-wait.env")
        assert dotenv["TESTERARMY_RESULT"] == result
        assert dotenv["TESTERARMY_KNOWN_ISSUE_COUNT"] == "4"
        assert dotenv["TESTERARMY_BLOCKING_ISSUE_COUNT"] == blocking
        junit = ET.parse(artifacts / job / "testerarmy-reports" / "testerarmy-wait.junit.xml")
        known = [c for c in junit.iter("testcase") if c.get("name", "").startswith("Known issue")]
        assert len(known) == 4
    assert "Baseline .testerarmy-baseline.json: 4 entries, 4 known issues" in log


REVIEW_PIPELINE = """\
include:
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-review
      stage: start
      image: "@IMAGE@"
      group-id: "@GROUP_ID@"
      wait: "false"

qa-review:
  environment:
    name: review/feature
    url: "@PREVIEW@"

gate:
  stage: gate
  image:
    name: "@IMAGE@"
    entrypoint: [""]
  needs: [qa-review]
  script:
    - testerarmy-wait --run-id "$TESTERARMY_RUN_IDS"

stages: [start, gate]

variables:
  TESTERARMY_API_URL: "@API_URL@"
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_POLL_INTERVAL: "0.2"
  TESTERARMY_TIMEOUT: "120"
"""


def test_a_review_app_is_tested_at_its_url_started_in_one_job_and_gated_in_the_next(
    gitlab_ci_local: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    """The review app's CI_ENVIRONMENT_URL is the target URL (probed first); with wait false
    the first job only starts the group and the next one waits for its runs through the
    dotenv variable."""
    from tests.deployments.test_deployment_job import Preview, serving

    sandbox = sandbox_factory()
    group = sandbox.configure_group(scenarios=("passes", "passes"))
    with serving(Preview) as preview:
        pipeline = (
            REVIEW_PIPELINE.replace("@IMAGE@", image)
            .replace("@API_URL@", sandbox.url)
            .replace("@API_KEY@", sandbox.api_key)
            .replace("@GROUP_ID@", group.group_id)
            .replace("@PREVIEW@", preview)
        )
        template = (ROOT / TEMPLATE).read_text("utf-8")
        repo = make_repo({".gitlab-ci.yml": pipeline, TEMPLATE: template}, False)
        result = run_tool(gitlab_ci_local_command(gitlab_ci_local), cwd=repo)
        probes = len(Preview.seen)
    log = result.log
    assert result.code == 0, result.tail()
    [post] = [e for e in sandbox.requests if e.method == "POST" and "/groups/" in e.path]
    assert post.request_json["targetUrl"] == preview
    assert probes == 1
    started = read_dotenv(
        repo
        / ".gitlab-ci-local"
        / "artifacts"
        / "qa-review"
        / "testerarmy-reports"
        / "testerarmy-wait.env"
    )
    assert (started["TESTERARMY_RESULT"], started["TESTERARMY_RUN_COUNT"]) == ("STARTED", "2")
    assert re.search(r"^ PASS +gate\b", log, re.MULTILINE), log
    assert "PASS: 2 runs passed" in log


MOBILE_PIPELINE = """\
include:
  - local: templates/testerarmy-wait.yml
    inputs:
      job-name: qa-ios
      image: "@IMAGE@"
      group-id: "@GROUP_ID@"
      app-path: apps/Shop.app

variables:
  TESTERARMY_API_URL: "@API_URL@"
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_PROJECT_ID: "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d"
  TESTERARMY_POLL_INTERVAL: "0.2"
  TESTERARMY_TIMEOUT: "120"
"""


def test_an_app_directory_is_zipped_uploaded_tested_and_deleted(
    gitlab_ci_local: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    sandbox = sandbox_factory()
    group = sandbox.configure_group(scenarios=("passes",))
    pipeline = (
        MOBILE_PIPELINE.replace("@IMAGE@", image)
        .replace("@API_URL@", sandbox.url)
        .replace("@API_KEY@", sandbox.api_key)
        .replace("@GROUP_ID@", group.group_id)
    )
    template = (ROOT / TEMPLATE).read_text("utf-8")
    repo = make_repo(
        {
            ".gitlab-ci.yml": pipeline,
            TEMPLATE: template,
            "apps/Shop.app/Info.plist": "<plist><dict/></plist>",
            "apps/Shop.app/Shop": "fake simulator binary " * 500,
        },
        False,
    )
    result = run_tool(gitlab_ci_local_command(gitlab_ci_local), cwd=repo)
    assert result.code == 0, result.tail()
    [start] = [e for e in sandbox.requests if e.route == f"/v1/groups/{group.group_id}/runs"]
    app_id = start.request_json["mobile"]["appId"]
    assert start.request_json["platform"] == "ios"
    [begin] = [e for e in sandbox.requests if e.route.endswith("/mobile/upload")]
    assert begin.request_json["filename"] == "Shop.app.zip"
    deletes = [e.route for e in sandbox.requests if e.method == "DELETE"]
    assert deletes == [f"/v1/projects/7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d/mobile/{app_id}"]
