"""A team's whole baseline workflow through the command, against the sandbox over real HTTP:
wait, accept today's issues with ``testerarmy-wait baseline``, and from then on only new
issues fail, with known, new and no-longer-seen issues in every report."""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.cli import main
from testerarmy_wait_sandbox.rewordings import problem
from tests.integration.cli_run import JobResult, run_job
from tests.integration.test_hardening import finished
from tests.integration.test_wait_scenarios import env_for
from tests.report.html_check import assert_safe, visible_text
from tests.until import until_finished

TEST_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"


def accept(workspace: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(workspace)
    try:
        code = main(["baseline", *args], {"PATH": "/usr/bin:/bin", **(env or {})}, out, err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def run_of(sandbox: Any, scenario: str) -> str:
    run_id: str = sandbox.create_run(scenario, test_id=TEST_ID)
    until_finished(sandbox, run_id)
    return run_id


@pytest.fixture
def accepted(sandbox: Any, tmp_path: Path) -> Path:
    """A workspace whose baseline accepts the reworded-issues run's four problems."""
    first = run_job(tmp_path, env_for(sandbox, [run_of(sandbox, "reworded-issues")]))
    assert first.code == 1
    code, said, err = accept(
        first.workspace,
        "--from-report",
        "testerarmy-reports/testerarmy-wait.json",
        "--reason",
        "SHOP-7 <b>@team</b>",
    )
    assert (code, err) == (0, "")
    assert "4 new entries" in said
    return first.workspace


def job_in(workspace: Path, sandbox: Any, scenario: str, **extra: str) -> JobResult:
    return run_job(workspace.parent, env_for(sandbox, [run_of(sandbox, scenario)], **extra))


def test_after_accepting_reworded_known_issues_pass(sandbox: Any, accepted: Path) -> None:
    entries = json.loads((accepted / ".testerarmy-baseline.json").read_text())["entries"]
    assert len(entries) == 4
    assert {e["testId"] for e in entries} == {TEST_ID}
    job = job_in(accepted, sandbox, "reworded-issues")
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert job.outputs["knownIssueCount"] == "4"
    assert job.outputs["blockingIssueCount"] == "0"
    dotenv = (job.workspace / "testerarmy-reports" / "testerarmy-wait.env").read_text()
    assert "TESTERARMY_KNOWN_ISSUE_COUNT=4\n" in dotenv
    report = job.report
    assert report["knownIssueCount"] == 4
    known = report["runs"][0]["knownIssues"]
    assert len(known) == 4
    assert all(k["baselineEntry"]["reason"] == "SHOP-7 <b>@team</b>" for k in known)
    assert all(" alike (at least " in k["why"] and k["baselineEntry"]["line"] for k in known)
    assert "Known issues: 4" in job.summary_text
    assert_safe(job.summary)
    assert "@team" not in job.summary  # every @ is broken up
    junit = ET.parse(job.workspace / job.outputs["junitPath"]).getroot()
    cases = [c for c in junit.iter("testcase") if c.get("name", "").startswith("Known issue:")]
    assert len(cases) == 4
    assert all(c.find("failure") is None and c.findtext("system-out") for c in cases)


def test_a_new_issue_beside_known_ones_fails_alone(sandbox: Any, accepted: Path) -> None:
    job = job_in(accepted, sandbox, "new-beside-known")
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert (job.outputs["blockingIssueCount"], job.outputs["knownIssueCount"]) == ("1", "4")
    [blocking] = [i for i in job.report["runs"][0]["issues"] if i["blocking"]]
    assert blocking["name"] == problem("order-invoice").titles[0]
    assert "FAILED: 1 blocking issue (4 known)" in job.summary_text
    assert "::error" in job.log
    assert problem("order-invoice").titles[0] in job.log


def test_a_fixed_known_issue_is_no_longer_seen_and_never_fails(
    sandbox: Any, accepted: Path
) -> None:
    job = job_in(accepted, sandbox, "known-issue-fixed")
    assert (job.code, job.outputs["knownIssueCount"]) == (0, "3")
    gone = job.report["baseline"]["noLongerSeen"]
    [entry] = gone
    assert entry["title"] in problem("profile-avatar").titles
    assert "No longer seen" in job.summary_text
    assert entry["title"] in visible_text(job.summary)


def test_a_set_baseline_that_is_missing_is_a_usage_error(sandbox: Any, tmp_path: Path) -> None:
    run_id = finished(sandbox, "passes")
    job = run_job(tmp_path, env_for(sandbox, [run_id], **{"INPUT_BASELINE": "qa/known.json"}))
    assert (job.code, job.outputs["result"]) == (2, "ERROR")
    assert "baseline qa/known.json: no such file" in job.summary_text
    assert job.outputs["exitCode"] == "2"
    default_missing = run_job(tmp_path / "two", env_for(sandbox, [run_id]))
    assert default_missing.code == 0


def test_a_malformed_baseline_names_the_line(sandbox: Any, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".testerarmy-baseline.json").write_text(
        '{"version": 1, "entries": [\n  {"title": "x", "expires": "soon"}\n]}\n'
    )
    job = run_job(tmp_path, env_for(sandbox, [finished(sandbox, "passes")]))
    assert job.code == 2
    assert "line 2: entries[0].expires is not a date" in job.summary_text
    assert "soon" not in job.summary_text
    assert job.report["exitCode"] == 2


@pytest.mark.parametrize("named", [False, True])
def test_a_baseline_linked_outside_the_workspace_is_refused_unread(
    sandbox: Any, tmp_path: Path, named: bool
) -> None:
    elsewhere = tmp_path / "runner-secrets.json"
    elsewhere.write_text('{"version": 1, "entries": [], "SECRET-KEY-NAME": 1}')
    workspace = tmp_path / "workspace"
    (workspace / "qa").mkdir(parents=True)
    link = workspace / ("qa/known.json" if named else ".testerarmy-baseline.json")
    link.symlink_to(elsewhere)
    env = env_for(sandbox, [finished(sandbox, "passes")])
    if named:
        env["INPUT_BASELINE"] = "qa/known.json"
    job = run_job(tmp_path, env)
    assert (job.code, job.outputs["result"], job.report["exitCode"]) == (2, "ERROR", 2)
    shown = "qa/known.json" if named else ".testerarmy-baseline.json"
    assert f"baseline: '{shown}' is outside the workspace" in job.summary_text
    everything = job.summary + json.dumps(job.report) + job.log + job.stderr
    assert "SECRET-KEY-NAME" not in everything
    assert (workspace / "testerarmy-reports" / "testerarmy-wait.junit.xml").is_file()


HOSTILE_BASELINES = {
    "2 MB of {}": '{"version": 1, "entries": [' + "{}," * 700_000 + "{}]}",
    "15.9 MB of []": '{"version": 1, "entries": [' + "[]," * 5_300_000 + "[]]}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BASELINES))
def test_a_hostile_baseline_is_a_usage_error_in_bounded_memory(
    sandbox: Any, tmp_path: Path, name: str
) -> None:
    """As a process of its own, started from a small launcher so that its peak memory is
    its own: the file is refused (exit 2) with every output written, well under 150 MB."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / ".testerarmy-baseline.json").write_text(HOSTILE_BASELINES[name])
    env = env_for(sandbox, [finished(sandbox, "passes")])
    output, summary = tmp_path / "output", tmp_path / "summary"
    env |= {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_TIMEOUT": "600",
    }
    usage_file = tmp_path / "usage.json"
    launcher = Path(__file__).resolve().parents[2] / "bench" / "launcher.py"
    command = [sys.executable, str(launcher), str(usage_file), "--"]
    subprocess.run(
        [*command, sys.executable, "-m", "testerarmy_wait"],
        env=env,
        cwd=workspace,
        capture_output=True,
        check=True,
        timeout=600,
    )
    usage = json.loads(usage_file.read_text())
    assert usage["code"] == 2
    assert "result<<" in output.read_text()
    assert "baseline .testerarmy-baseline.json" in html.unescape(summary.read_text())
    assert usage["peak_rss_mib"] < 150, usage


def test_baseline_from_a_run_id_over_the_api(sandbox: Any, tmp_path: Path) -> None:
    run_id = run_of(sandbox, "reworded-issues")
    env = {"TESTERARMY_API_KEY": sandbox.api_key, "TESTERARMY_API_URL": sandbox.url}
    code, said, err = accept(tmp_path, "--run-id", run_id, "--expires", "2027-06-30", env=env)
    assert (code, err) == (0, "")
    text = (tmp_path / ".testerarmy-baseline.json").read_text()
    assert text.count('"expires": "2027-06-30"') == 4
    assert sandbox.api_key not in text
    code, said, _ = accept(tmp_path, "--run-id", run_of(sandbox, "reworded-issues"), env=env)
    assert code == 0
    assert "0 new entries, 4 kept" in said
    assert (tmp_path / ".testerarmy-baseline.json").read_text() == text


def test_baseline_from_a_run_id_reads_the_key_and_url_as_the_wait_does(
    sandbox: Any, tmp_path: Path
) -> None:
    """The action inputs count, as they do for the wait; the flag beats the input."""
    run_id = run_of(sandbox, "reworded-issues")
    env = {"INPUT_API-KEY": sandbox.api_key, "INPUT_API-URL": "https://elsewhere.example"}
    code, _said, err = accept(tmp_path, "--run-id", run_id, "--api-url", sandbox.url, env=env)
    assert (code, err) == (0, "")
    assert (tmp_path / ".testerarmy-baseline.json").read_text().count('"title"') == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-report", "missing.json"], "cannot read it"),
        (["--from-report", "x.json", "--expires", "tomorrow"], "is not a date"),
        (["--run-id", "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"], "TESTERARMY_API_KEY"),
    ],
)
def test_baseline_command_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    code, _said, err = accept(tmp_path, *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_in_a_terminal_known_new_and_no_longer_seen_are_shown(sandbox: Any, accepted: Path) -> None:
    run_id = run_of(sandbox, "new-beside-known")
    job = run_job(accepted.parent, env_for(sandbox, [run_id]), github=False)
    assert job.code == 1
    text = job.stderr
    assert "FAILED: 1 blocking issue (4 known)" in text
    assert text.count("    known ") == 4
    assert "Download invoice button returns a 404 error" in text
    assert "Baseline .testerarmy-baseline.json: 4 entries, 4 known issues" in text
    fixed = run_job(
        accepted.parent, env_for(sandbox, [run_of(sandbox, "known-issue-fixed")]), github=False
    )
    assert fixed.code == 0
    assert "No longer seen (line " in fixed.stderr
