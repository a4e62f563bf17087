"""The GitHub action from the working tree (``uses: ./``), run by act in one workflow of three
jobs against the sandbox: a passing run, a run with issues, and a run the step starts itself.

act has no network inside its own ``docker build`` on a bridgeless engine, so the copy's
``action.yml`` runs the image the session already built from the same Dockerfile
(``image: docker://...``); everything else in ``action.yml`` is used as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from testerarmy_wait_sandbox import Sandbox
from tests.container.engine import ROOT
from tests.fakes.forge import FakeForge
from tests.pipelines.conftest import (
    Completed,
    act_command,
    baseline_for,
    run_tool,
)

pytestmark = [pytest.mark.docker, pytest.mark.act]

WORKFLOW = ".github/workflows/testerarmy-wait.yml"

WORKFLOW_TEXT = """\
on: push
env:
  API_URL: "@API_URL@"
jobs:
  passes:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          run-id: "@PASS_RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: ${{ env.API_URL }}
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          DURATION: ${{ steps.qa.outputs.durationMs }}
          RUN_ID: ${{ steps.qa.outputs.runId }}
        run: |
          echo "passes: result=$RESULT durationMs=$DURATION runId=$RUN_ID"
          [[ $RESULT == PASS ]]
          [[ $DURATION =~ ^[0-9]+$ ]]
          [[ $RUN_ID == "@PASS_RUN@" ]]
          echo "CHECKED passes"

  issues:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        continue-on-error: true
        with:
          run-id: "@ISSUES_RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: ${{ env.API_URL }}
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          OUTCOME: ${{ steps.qa.outcome }}
          RESULT: ${{ steps.qa.outputs.result }}
          EXIT_CODE: ${{ steps.qa.outputs.exitCode }}
          BLOCKING: ${{ steps.qa.outputs.blockingIssueCount }}
        run: |
          echo "issues: outcome=$OUTCOME result=$RESULT exitCode=$EXIT_CODE blocking=$BLOCKING"
          [[ $OUTCOME == failure ]]
          [[ $RESULT == FAILED ]]
          [[ $EXIT_CODE == 1 ]]
          (( BLOCKING > 0 ))
          echo "CHECKED issues"

  trigger:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          test-id: "@TEST_ID@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: ${{ env.API_URL }}
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          RUN_ID: ${{ steps.qa.outputs.runId }}
        run: |
          echo "trigger: result=$RESULT runId=$RUN_ID"
          [[ $RESULT == PASS ]]
          [[ $RUN_ID =~ ^[0-9a-f-]{36}$ ]]
          echo "TRIGGERED_RUN=$RUN_ID"
          echo "CHECKED trigger"
"""


def action_on_prebuilt_image(image: str) -> str:
    """``action.yml`` of the working tree, running ``image`` instead of building the Dockerfile."""
    text = (ROOT / "action.yml").read_text("utf-8")
    line = re.compile(r"^  image: Dockerfile$", re.MULTILINE)
    assert len(line.findall(text)) == 1, "action.yml no longer runs `image: Dockerfile`"
    return line.sub(f"  image: docker://{image}", text)


def job_lines(log: str, job: str) -> list[str]:
    """act's log lines of one job, without act's ``[workflow/job]`` prefix."""
    prefix = re.compile(rf"^\[[^\]/]+/{re.escape(job)}\s*\] ?")
    return [prefix.sub("", line) for line in log.splitlines() if prefix.match(line)]


def test_workflow_passes_fails_on_issues_and_triggers_a_run_with_outputs_and_summary(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    sandbox = sandbox_factory()
    pass_run = sandbox.create_run("passes")
    issues_run = sandbox.create_run("issues-found")
    test_id = sandbox.configure_test(scenario="passes").test_id
    workflow = (
        WORKFLOW_TEXT.replace("@API_URL@", sandbox.url)
        .replace("@PASS_RUN@", pass_run)
        .replace("@ISSUES_RUN@", issues_run)
        .replace("@TEST_ID@", test_id)
    )
    repo = make_repo({WORKFLOW: workflow, "action.yml": action_on_prebuilt_image(image)}, True)

    act_run = run_tool(
        act_command(
            act,
            "push",
            WORKFLOW,
            "--secret",
            f"TESTERARMY_API_KEY={sandbox.api_key}",
        ),
        cwd=repo,
    )

    assert act_run.code == 0, act_run.tail()
    assert sandbox.api_key not in act_run.log
    for job, result in (("passes", "PASS"), ("issues", "FAILED"), ("trigger", "PASS")):
        lines = job_lines(act_run.log, job)
        assert any(line.strip() == f"| CHECKED {job}" for line in lines), (
            f"job {job} did not pass its checks:\n" + "\n".join(lines[-80:])
        )
        summaries = [line for line in lines if "Summary - ## " in line]
        assert len(summaries) == 1, f"job {job}: no one job summary:\n" + "\n".join(lines[-80:])
        assert result in summaries[0]

    triggered = [
        line.split("TRIGGERED_RUN=", 1)[1].strip()
        for line in job_lines(act_run.log, "trigger")
        if "| TRIGGERED_RUN=" in line
    ]
    assert len(triggered) == 1
    assert triggered[0] in sandbox.run_ids(test_id=test_id)
    posts = [
        e for e in sandbox.requests if e.method == "POST" and e.route == f"/v1/tests/{test_id}/runs"
    ]
    assert len(posts) == 1, [(e.method, e.path) for e in sandbox.requests]


def test_the_projects_own_ci_runs_the_action_against_a_tls_sandbox(
    act: str, image: str, make_repo: Callable[[dict[str, str], bool], Path]
) -> None:
    """The ``action`` job of ``.github/workflows/ci.yml``, unchanged: it starts the sandbox over
    https, runs ``uses: ./`` twice and checks the outputs."""
    repo = make_repo({"action.yml": action_on_prebuilt_image(image)}, True)

    act_run = run_tool(
        act_command(
            act,
            "push",
            ".github/workflows/ci.yml",
            "--job",
            "action",
        ),
        cwd=repo,
    )

    assert act_run.code == 0, act_run.tail()
    lines = job_lines(act_run.log, "action")
    assert any(line.strip() == "| CHECKED action" for line in lines), "\n".join(lines[-80:])
    assert any("Sandbox API: https://127.0.0.1:8443/api" in line for line in lines)


PR_WORKFLOW = ".github/workflows/pr.yml"
PR_WORKFLOW_TEXT = """\
on: pull_request
permissions:
  contents: read
  pull-requests: write
  checks: write
jobs:
  qa:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        browser: [chromium, webkit]
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        continue-on-error: true
        with:
          run-id: "@ISSUES_RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          poll-interval: "0.2"
          timeout: "120"
          check-run: "true"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
        run: |
          [[ $RESULT == FAILED ]]
          echo "CHECKED qa ${{ matrix.browser }}"
"""


def pull_request_command(
    act: str,
    workflow: str,
    tmp_path: Path,
    number: int,
    *,
    api_key: str,
    forge: FakeForge,
    env: tuple[str, ...] = (),
) -> list[str]:
    """act on a ``pull_request`` event for pull request ``number`` of octo/shop, with the
    fake forge as GitHub's API and its token as the job's; ``env``: more ``NAME=value``."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "number": number,
                "pull_request": {"number": number, "head": {"sha": "c" * 40, "ref": "feature"}},
                "repository": {"full_name": "octo/shop"},
            }
        ),
        encoding="utf-8",
    )
    more = [arg for value in env for arg in ("--env", value)]
    return act_command(
        act,
        "pull_request",
        workflow,
        "-e",
        str(event),
        "--secret",
        f"TESTERARMY_API_KEY={api_key}",
        "--secret",
        f"GITHUB_TOKEN={forge.state.github_token}",
        "--env",
        f"GITHUB_API_URL={forge.github_url}",
        "--env",
        "GITHUB_REPOSITORY=octo/shop",
        *more,
    )


def test_pull_request_event_leaves_one_comment_per_matrix_job_and_edits_it_on_a_rerun(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
    tmp_path: Path,
) -> None:
    sandbox = sandbox_factory()
    issues_run = sandbox.create_run("issues-found")
    workflow = PR_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url).replace(
        "@ISSUES_RUN@", issues_run
    )
    repo = make_repo({PR_WORKFLOW: workflow, "action.yml": action_on_prebuilt_image(image)}, True)
    with FakeForge() as forge:
        command = pull_request_command(
            act, PR_WORKFLOW, tmp_path, 17, api_key=sandbox.api_key, forge=forge
        )
        first = run_tool(command, cwd=repo)
        assert first.code == 0, first.tail()
        after_first = forge.comments("octo/shop", 17)
        second = run_tool(command, cwd=repo)
        assert second.code == 0, second.tail()
        comments = forge.comments("octo/shop", 17)
        checks = forge.check_runs

    for act_run in (first, second):
        assert forge.state.github_token not in act_run.log
        assert sandbox.api_key not in act_run.log
        assert act_run.log.count("| CHECKED qa") == 2, act_run.tail()
        assert act_run.log.count("pull request #17: comment ") == 2, act_run.tail()
    assert len(after_first) == 2  # one per matrix job
    assert [c.id for c in comments] == [c.id for c in after_first]  # edited, not added
    assert all("FAILED" in c.body.split("\n", 2)[1] for c in comments)
    assert len(checks) == 4
    assert {c.fields["conclusion"] for c in checks} == {"failure"}
    assert all(c.fields["head_sha"] == "c" * 40 for c in checks)
    issues = sandbox.run(issues_run)["output"]["issues"]
    assert isinstance(issues, list)
    assert issues
    assert all(len(c.annotations) == len(issues) for c in checks)


BASELINE_WORKFLOW = ".github/workflows/baseline.yml"
BASELINE_WORKFLOW_TEXT = """\
on: push
jobs:
  known:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          run-id: "@REWORDED_RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          baseline: .testerarmy-baseline.json
          poll-interval: "0.2"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          KNOWN: ${{ steps.qa.outputs.knownIssueCount }}
          BLOCKING: ${{ steps.qa.outputs.blockingIssueCount }}
        run: |
          echo "known: result=$RESULT known=$KNOWN blocking=$BLOCKING"
          [[ $RESULT == PASS && $KNOWN == 4 && $BLOCKING == 0 ]]
          echo "CHECKED known"
  new:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        continue-on-error: true
        with:
          run-id: "@NEW_RUN@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          baseline: .testerarmy-baseline.json
          poll-interval: "0.2"
      - shell: bash
        env:
          OUTCOME: ${{ steps.qa.outcome }}
          KNOWN: ${{ steps.qa.outputs.knownIssueCount }}
          BLOCKING: ${{ steps.qa.outputs.blockingIssueCount }}
        run: |
          echo "new: outcome=$OUTCOME known=$KNOWN blocking=$BLOCKING"
          [[ $OUTCOME == failure && $KNOWN == 4 && $BLOCKING == 1 ]]
          echo "CHECKED new"
"""


def test_a_committed_baseline_lets_known_issues_pass_and_new_ones_fail(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
    tmp_path: Path,
) -> None:

    sandbox = sandbox_factory(speed=2000.0)
    baseline, reworded, new = baseline_for(sandbox, tmp_path)
    workflow = (
        BASELINE_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url)
        .replace("@REWORDED_RUN@", reworded)
        .replace("@NEW_RUN@", new)
    )
    repo = make_repo(
        {
            BASELINE_WORKFLOW: workflow,
            "action.yml": action_on_prebuilt_image(image),
            ".testerarmy-baseline.json": baseline,
        },
        True,
    )
    act_run = run_tool(
        act_command(
            act,
            "push",
            BASELINE_WORKFLOW,
            "--secret",
            f"TESTERARMY_API_KEY={sandbox.api_key}",
        ),
        cwd=repo,
    )
    assert act_run.code == 0, act_run.tail()
    for job, headline in (
        ("known", "PASS&#58; passed &#40;4 known issues&#41;"),
        ("new", "FAILED&#58; 1 blocking issue &#40;4 known&#41;"),
    ):
        lines = job_lines(act_run.log, job)
        assert any(line.strip() == f"| CHECKED {job}" for line in lines), "\n".join(lines[-60:])
        summaries = [line for line in lines if "Summary - ## " in line]
        assert len(summaries) == 1
        assert headline in summaries[0]
        baseline_line = "Baseline .testerarmy-baseline.json: 4 entries, 4 known issues"
        assert any(baseline_line in line for line in lines), "\n".join(lines[-60:])


DEPLOY_WORKFLOW = ".github/workflows/preview.yml"
DEPLOY_WORKFLOW_TEXT = """\
on: deployment_status
permissions:
  contents: read
  pull-requests: write
jobs:
  qa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          project-id: "@PROJECT_ID@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          deployment-environment: Preview*
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          EXIT_CODE: ${{ steps.qa.outputs.exitCode }}
        run: |
          echo "qa: result=$RESULT exitCode=$EXIT_CODE"
          echo "CHECKED qa $RESULT"
"""


@pytest.mark.parametrize("state", ["success", "pending"])
def test_a_deployment_status_event_tests_the_preview_on_its_pull_request(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
    tmp_path: Path,
    state: str,
) -> None:
    """success: a pull-request run against the preview URL with the deployed commit and the
    pull request found by its commit, and one comment on that pull request; pending:
    SKIPPED, exit 0, nothing started."""
    import json

    from tests.deployments.test_deployment_job import Preview, serving
    from tests.fakes.forge import FakeForge

    sha = "d" * 40
    sandbox = sandbox_factory()
    project = sandbox.configure_project(scenario="passes")
    workflow = DEPLOY_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url).replace(
        "@PROJECT_ID@", project.project_id
    )
    repo = make_repo(
        {DEPLOY_WORKFLOW: workflow, "action.yml": action_on_prebuilt_image(image)}, True
    )
    with serving(Preview, unready=1) as preview, FakeForge() as forge:
        event = tmp_path / "event.json"
        event.write_text(
            json.dumps(
                {
                    "deployment_status": {
                        "state": state,
                        "environment": "Preview",
                        "environment_url": preview,
                    },
                    "deployment": {"sha": sha, "environment": "Preview"},
                    "repository": {"full_name": "octo/shop"},
                }
            ),
            encoding="utf-8",
        )
        forge.seed_commit_pulls(
            "octo/shop",
            sha,
            [
                {
                    "number": 21,
                    "state": "open",
                    "title": "Checkout",
                    "head": {"sha": sha, "ref": "co"},
                    "base": {"ref": "main"},
                }
            ],
        )
        result = run_tool(
            act_command(
                act,
                "deployment_status",
                DEPLOY_WORKFLOW,
                "-e",
                str(event),
                "--secret",
                f"TESTERARMY_API_KEY={sandbox.api_key}",
                "--secret",
                f"GITHUB_TOKEN={forge.state.github_token}",
                "--env",
                f"GITHUB_API_URL={forge.github_url}",
                "--env",
                "GITHUB_REPOSITORY=octo/shop",
            ),
            cwd=repo,
        )
        comments = forge.comments("octo/shop", 21)
    assert result.code == 0, result.tail()
    assert sandbox.api_key not in result.log
    posts = [e for e in sandbox.requests if "pull-request-runs" in e.path]
    if state == "pending":
        assert "CHECKED qa SKIPPED" in result.log, result.tail()
        assert (posts, comments) == ([], [])
        return
    assert "CHECKED qa PASS" in result.log, result.tail()
    [post] = posts
    assert post.request_json["targetUrl"] == preview
    assert post.request_json["pullRequest"]["number"] == 21
    assert post.request_json["pullRequest"]["commitSha"] == sha
    assert len(comments) == 1


MOBILE_WORKFLOW = ".github/workflows/mobile.yml"
MOBILE_WORKFLOW_TEXT = """\
on: push
jobs:
  android:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          app-path: apps/shop-release.apk
          project-id: "@PROJECT_ID@"
          test-id: "@TEST_ID@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          APP_ID: ${{ steps.qa.outputs.appId }}
          UPLOAD_MS: ${{ steps.qa.outputs.uploadMs }}
        run: |
          echo "android: result=$RESULT appId=$APP_ID uploadMs=$UPLOAD_MS"
          [[ $RESULT == PASS && $APP_ID =~ ^[0-9a-f-]{36}$ && $UPLOAD_MS =~ ^[0-9]+$ ]]
          echo "CHECKED android $APP_ID"
"""


def test_a_workflow_uploads_an_apk_tests_it_and_deletes_it(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    sandbox = sandbox_factory()
    project = "7c1d0a52-3f4e-4b6a-9c8d-2e1f0a9b8c7d"
    test_id = sandbox.configure_test(scenario="passes").test_id
    workflow = (
        MOBILE_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url)
        .replace("@PROJECT_ID@", project)
        .replace("@TEST_ID@", test_id)
    )
    repo = make_repo(
        {
            MOBILE_WORKFLOW: workflow,
            "action.yml": action_on_prebuilt_image(image),
            "apps/shop-release.apk": "PK fake android build " * 2000,
        },
        True,
    )
    result = run_tool(
        act_command(
            act, "push", MOBILE_WORKFLOW, "--secret", f"TESTERARMY_API_KEY={sandbox.api_key}"
        ),
        cwd=repo,
    )
    assert result.code == 0, result.tail()
    [checked] = re.findall(r"CHECKED android ([0-9a-f-]{36})", result.log)
    [start] = [e for e in sandbox.requests if e.route == f"/v1/tests/{test_id}/runs"]
    assert start.request_json == {"appId": checked, "platform": "android"}
    deletes = [e.route for e in sandbox.requests if e.method == "DELETE"]
    assert deletes == [f"/v1/projects/{project}/mobile/{checked}"]
    puts = [e for e in sandbox.requests if e.method == "PUT"]
    assert len(puts) == 1
    assert puts[0].query["X-Signature"][0] not in result.log


GATE_WORKFLOW = ".github/workflows/gate.yml"
GATE_WORKFLOW_TEXT = """\
on: push
jobs:
  start:
    runs-on: ubuntu-latest
    outputs:
      runIds: ${{ steps.qa.outputs.runIds }}
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          group-id: "@GROUP_ID@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          wait: "false"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          COUNT: ${{ steps.qa.outputs.runCount }}
        run: |
          [[ $RESULT == STARTED && $COUNT == 2 ]]
          echo "CHECKED start"
  gate:
    needs: start
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        with:
          run-id: ${{ needs.start.outputs.runIds }}
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          COUNT: ${{ steps.qa.outputs.runCount }}
        run: |
          [[ $RESULT == PASS && $COUNT == 2 ]]
          echo "CHECKED gate"
"""


def test_start_in_one_job_and_gate_in_the_next(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
) -> None:
    """wait: false hands the runs over through the runIds output; the next job waits."""
    sandbox = sandbox_factory()
    group = sandbox.configure_group(scenarios=("passes", "passes"))
    workflow = GATE_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url).replace(
        "@GROUP_ID@", group.group_id
    )
    repo = make_repo({GATE_WORKFLOW: workflow, "action.yml": action_on_prebuilt_image(image)}, True)
    result = run_tool(
        act_command(
            act, "push", GATE_WORKFLOW, "--secret", f"TESTERARMY_API_KEY={sandbox.api_key}"
        ),
        cwd=repo,
    )
    assert result.code == 0, result.tail()
    assert "CHECKED start" in result.log
    assert "CHECKED gate" in result.log
    posts = [e for e in sandbox.requests if e.method == "POST"]
    assert len(posts) == 1  # started once, by the first job


RERUN_WORKFLOW = ".github/workflows/rerun.yml"
RERUN_WORKFLOW_TEXT = """\
on: pull_request
permissions:
  contents: read
  pull-requests: write
jobs:
  qa:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: qa
        uses: ./
        continue-on-error: true
        with:
          group-id: "@GROUP_ID@"
          api-key: ${{ secrets.TESTERARMY_API_KEY }}
          api-url: "@API_URL@"
          poll-interval: "0.2"
          timeout: "120"
      - shell: bash
        env:
          RESULT: ${{ steps.qa.outputs.result }}
          ATTEMPT: ${{ github.run_attempt }}
        run: echo "CHECKED attempt=$ATTEMPT result=$RESULT"
"""


def test_a_job_re_run_starts_only_the_test_that_failed_in_the_first_attempt(
    act: str,
    image: str,
    sandbox_factory: Callable[..., Sandbox],
    make_repo: Callable[[dict[str, str], bool], Path],
    tmp_path: Path,
) -> None:
    sandbox = sandbox_factory()
    group = sandbox.configure_group(scenarios=("passes", "flaky"))
    passing, failing = (m.test_id for m in group.members)
    workflow = RERUN_WORKFLOW_TEXT.replace("@API_URL@", sandbox.url).replace(
        "@GROUP_ID@", group.group_id
    )
    repo = make_repo(
        {RERUN_WORKFLOW: workflow, "action.yml": action_on_prebuilt_image(image)}, True
    )

    def started(test_id: str) -> int:
        return sum(1 for e in sandbox.requests if e.route == f"/v1/tests/{test_id}/runs")

    with FakeForge() as forge:

        def attempt(n: str) -> Completed:
            env = ("GITHUB_RUN_ID=4242", f"GITHUB_RUN_ATTEMPT={n}")
            command = pull_request_command(
                act, RERUN_WORKFLOW, tmp_path, 23, api_key=sandbox.api_key, forge=forge, env=env
            )
            return run_tool(command, cwd=repo)

        first = attempt("1")
        assert "CHECKED attempt=1 result=FAILED" in first.log, first.tail()
        second = attempt("2")
        assert "CHECKED attempt=2 result=PASS" in second.log, second.tail()
    group_route = f"/v1/groups/{group.group_id}/runs"
    assert sum(1 for e in sandbox.requests if e.route == group_route) == 1  # the first only
    assert (started(passing), started(failing)) == (0, 1)  # the second, only what failed
    assert "passed in the previous attempt: not started again" in second.log
