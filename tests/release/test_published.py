"""The whole release path on this machine: the release commit is published to a real registry
(tags X.Y.Z, X.Y and X, OCI labels, the version inside), then a GitHub workflow (act) and a
GitLab pipeline (gitlab-ci-local) use the release exactly as users would, pulling the image
from the registry with no build."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from testerarmy_wait_sandbox import Sandbox
from tests.container.engine import BASE_IMAGE, docker
from tests.pipelines.conftest import act_command, gitlab_ci_local_command, run_tool
from tests.release.conftest import Release, git

pytestmark = pytest.mark.docker


def test_the_release_is_in_the_registry_under_its_three_tags_with_its_labels(
    published: Release,
) -> None:
    version = published.version
    major, minor, _patch = version.split(".")
    assert published.registry_tags() == sorted([version, f"{major}.{minor}", major])
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", published.digest)
    pulled = docker("pull", f"{published.image_repo}@{published.digest}", timeout=300)
    assert pulled.returncode == 0, pulled.stderr
    inspect = docker("image", "inspect", f"{published.image_repo}@{published.digest}")
    labels = json.loads(inspect.stdout)[0]["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == version
    assert (
        labels["org.opencontainers.image.revision"]
        == git(published.repo, "rev-parse", "HEAD").strip()
    )
    assert labels["org.opencontainers.image.source"].startswith("https://github.com/")
    said = docker("run", "--rm", f"{published.image_repo}@{published.digest}", "--version")
    assert said.stdout.strip() == f"testerarmy-wait {version}"
    # the tag points at the release commit, whose action.yml names this image
    assert git(published.repo, "describe", "--tags", "--exact-match").strip() == f"v{version}"
    action = (published.repo / "action.yml").read_text("utf-8")
    assert f"  image: docker://{published.image}\n" in action


WORKFLOW = """\
on: push
jobs:
  qa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        continue-on-error: true
        with:
          run-id: "@RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          poll-interval: "0.2"
      - shell: bash
        env:
          OUTCOME: ${{ steps.qa.outcome }}
          RESULT: ${{ steps.qa.outputs.result }}
          BLOCKING: ${{ steps.qa.outputs.blockingIssueCount }}
        run: |
          echo "released action: outcome=$OUTCOME result=$RESULT blocking=$BLOCKING"
          [[ $OUTCOME == failure && $RESULT == FAILED ]]
          (( BLOCKING > 0 ))
          echo "CHECKED released action"
"""


@pytest.mark.act
def test_act_runs_the_released_action_by_pulling_its_image(
    act: str, published: Release, sandbox_factory: Callable[..., Sandbox]
) -> None:
    sandbox = sandbox_factory()
    run_id = sandbox.create_run("issues-found")
    workflow = published.repo / ".github" / "workflows" / "released.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(WORKFLOW.replace("@RUN@", run_id).replace("@API_URL@", sandbox.url))
    git(published.repo, "add", "--all")
    git(published.repo, "commit", "--quiet", "--message", "a workflow that uses the release")
    published.forget_images()

    act_run = run_tool(
        act_command(
            act,
            "push",
            ".github/workflows/released.yml",
            "--secret",
            f"TESTERARMY_API_KEY={sandbox.api_key}",
        ),
        cwd=published.repo,
    )

    assert act_run.code == 0, act_run.tail()
    assert "CHECKED released action" in act_run.log
    assert f"docker pull image={published.image}" in act_run.log
    assert "docker build" not in act_run.log
    assert docker("image", "inspect", published.image).returncode == 0  # pulled, not built
    assert [e.route for e in sandbox.requests] == [f"/v1/runs/{run_id}"] * len(sandbox.requests)


PIPELINE = """\
include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/testerarmy-wait@$CI_COMMIT_SHA
    inputs:
      job-name: qa-issues
      stage: qa
      run-id: $ISSUES_RUN
      api-url: "@API_URL@"
      min-severity: "3"
      allow-failure: true
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/testerarmy-wait@$CI_COMMIT_SHA
    inputs:
      job-name: qa-start
      stage: qa
      test-id: "@TEST_ID@"
      api-url: "@API_URL@"
      timeout: 2m

variables:
  TESTERARMY_API_KEY: "@API_KEY@"
  TESTERARMY_POLL_INTERVAL: "0.2"
  ISSUES_RUN: "@ISSUES_RUN@"

stages: [qa, verify]

verify:
  stage: verify
  image: "@BASE_IMAGE@"
  needs: [qa-issues, qa-start]
  script:
    - echo "verify result=$TESTERARMY_RESULT runs=$TESTERARMY_RUN_IDS"
    - test "$TESTERARMY_RESULT" = PASS
    - test "$TESTERARMY_EXIT_CODE" = 0
    - echo "CHECKED verify"
"""


@pytest.mark.gitlab
def test_gitlab_ci_local_runs_the_component_with_inputs_and_the_released_image(
    gitlab_ci_local: str, published: Release, sandbox_factory: Callable[..., Sandbox]
) -> None:
    sandbox = sandbox_factory()
    issues_run = sandbox.create_run("issues-found")  # blocking issues of severity 3 and 4
    test_id = sandbox.configure_test(scenario="passes").test_id
    pipeline = (
        PIPELINE.replace("@API_URL@", sandbox.url)
        .replace("@API_KEY@", sandbox.api_key)
        .replace("@ISSUES_RUN@", issues_run)
        .replace("@TEST_ID@", test_id)
        .replace("@BASE_IMAGE@", BASE_IMAGE)
    )
    (published.repo / ".gitlab-ci.yml").write_text(pipeline, "utf-8")
    remotes = git(published.repo, "remote")
    if "origin" not in remotes.split():
        git(published.repo, "remote", "add", "origin", "git@gitlab.example.com:acme/tools.git")
    git(published.repo, "add", "--all")
    git(published.repo, "commit", "--quiet", "--message", "a pipeline that uses the component")
    published.forget_images()

    pipeline_run = run_tool(
        gitlab_ci_local_command(gitlab_ci_local),
        cwd=published.repo,
    )

    log = pipeline_run.log
    assert pipeline_run.code == 0, pipeline_run.tail()
    assert re.search(r"^ WARN +qa-issues\b", log, re.MULTILINE), log[-6000:]
    for job in ("qa-start", "verify"):
        assert re.search(rf"^ PASS +{job}\b", log, re.MULTILINE), log[-6000:]
    assert "CHECKED verify" in log
    assert f"starting {published.image}" in log  # the component's default image
    assert docker("image", "inspect", published.image).returncode == 0  # pulled

    artifacts = published.repo / ".gitlab-ci-local" / "artifacts"
    issues = artifacts / "qa-issues" / "testerarmy-reports"
    dotenv = dict(
        line.split("=", 1) for line in (issues / "testerarmy-wait.env").read_text().splitlines()
    )
    assert dotenv["TESTERARMY_RESULT"] == "FAILED"
    assert dotenv["TESTERARMY_RUN_IDS"] == issues_run  # the input went through $ISSUES_RUN
    report = json.loads((issues / "testerarmy-wait.json").read_text("utf-8"))
    assert report["policy"]["minSeverity"] == 3  # the min-severity input reached the program
    assert ET.parse(issues / "testerarmy-wait.junit.xml").getroot().findall(".//failure")
    started = artifacts / "qa-start" / "testerarmy-reports" / "testerarmy-wait.env"
    assert "TESTERARMY_RESULT=PASS" in started.read_text("utf-8")
    assert len(sandbox.run_ids(test_id=test_id)) >= 1
