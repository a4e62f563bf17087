"""Retries over the sandbox's real HTTP: an infrastructure failure retried by default, a
flaky test passing (or failing, with flaky: fail) on its second attempt, failures retried
only when asked, handed runs never, and the outputs and reports telling the same story."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.integration.cli_run import JobResult, run_job


def env_for(sandbox: Any, **extra: str) -> dict[str, str]:
    return {
        "INPUT_API-KEY": sandbox.api_key,
        "INPUT_API-URL": sandbox.url,
        "INPUT_POLL-INTERVAL": "0.02",
        "INPUT_TIMEOUT": "600",
        **extra,
    }


def starts(sandbox: Any, test_id: str) -> int:
    return sum(1 for e in sandbox.requests if e.route == f"/v1/tests/{test_id}/runs")


def report(job: JobResult) -> dict[str, Any]:
    path = job.workspace / job.outputs["reportPath"]
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def junit(job: JobResult) -> ET.Element:
    """The JUnit report, valid against the project's XSD (Surefire's rerun elements too)."""
    from tests.report.test_junit import SCHEMA

    path = job.workspace / job.outputs["junitPath"]
    SCHEMA.validate(str(path))
    return ET.parse(path).getroot()


def test_an_infrastructure_failure_is_retried_by_default_and_passes(
    sandbox: Any, tmp_path: Path
) -> None:
    test = sandbox.configure_test(scenario="infra-then-pass")
    job = run_job(
        tmp_path, env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_RETRIES": "1"})
    )
    assert (job.code, job.outputs["result"]) == (0, "PASS")
    assert starts(sandbox, test.test_id) == 2
    assert (job.outputs["flakyCount"], job.outputs["attemptCount"]) == ("1", "2")
    [run] = report(job)["runs"]
    assert run["flaky"] is True
    assert [a["result"] for a in run["attempts"]] == ["ERROR"]
    [case] = [c for c in junit(job).iter("testcase") if c.find("flakyError") is not None]
    assert case.find("failure") is None
    assert "flaky" in job.summary
    summary = html.unescape(job.summary)
    assert "| PASS (flaky) |" in summary
    [earlier] = run["attempts"]
    assert f"Attempts: ⚠️ ERROR `{earlier['runId'][:8]}`" in summary
    assert "→ ✅ PASS" in summary


def test_a_failed_run_is_not_retried_unless_asked(sandbox: Any, tmp_path: Path) -> None:
    test = sandbox.configure_test(scenario="flaky")
    job = run_job(
        tmp_path, env_for(sandbox, **{"INPUT_TEST-ID": test.test_id, "INPUT_RETRIES": "2"})
    )
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert starts(sandbox, test.test_id) == 1


def test_a_flaky_test_passes_by_default_and_fails_with_flaky_fail(
    sandbox: Any, tmp_path: Path
) -> None:
    first = sandbox.configure_test(scenario="flaky")
    passes = run_job(
        tmp_path / "pass",
        env_for(
            sandbox,
            **{"INPUT_TEST-ID": first.test_id, "INPUT_RETRIES": "1", "INPUT_RETRY-ON": "failed"},
        ),
    )
    assert (passes.code, passes.outputs["result"], passes.outputs["flakyCount"]) == (0, "PASS", "1")
    [case] = [c for c in junit(passes).iter("testcase") if c.find("flakyFailure") is not None]
    assert len(case.findall("flakyFailure")) == 1
    second = sandbox.configure_test(scenario="flaky")
    fails = run_job(
        tmp_path / "fail",
        env_for(
            sandbox,
            **{
                "INPUT_TEST-ID": second.test_id,
                "INPUT_RETRIES": "1",
                "INPUT_RETRY-ON": "failed",
                "INPUT_FLAKY": "fail",
            },
        ),
    )
    assert (fails.code, fails.outputs["result"], fails.outputs["flakyCount"]) == (1, "FAILED", "1")
    assert "flaky: passed on attempt 2 after FAILED (flaky: fail)" in fails.log


def test_a_test_that_always_fails_uses_every_retry_and_says_so_in_junit(
    sandbox: Any, tmp_path: Path
) -> None:
    test = sandbox.configure_test(scenario="always-fails")
    job = run_job(
        tmp_path,
        env_for(
            sandbox,
            **{"INPUT_TEST-ID": test.test_id, "INPUT_RETRIES": "2", "INPUT_RETRY-ON": "failed"},
        ),
    )
    assert (job.code, job.outputs["result"]) == (1, "FAILED")
    assert starts(sandbox, test.test_id) == 3
    assert (job.outputs["flakyCount"], job.outputs["attemptCount"]) == ("0", "3")
    reruns = [c for c in junit(job).iter("testcase") if c.findall("rerunFailure")]
    assert reruns
    assert len(reruns[0].findall("rerunFailure")) == 2
    assert reruns[0].find("failure") is not None


def test_a_run_the_step_was_handed_is_never_started_again(sandbox: Any, tmp_path: Path) -> None:
    run_id = sandbox.create_run("infra-failure")
    job = run_job(tmp_path, env_for(sandbox, **{"INPUT_RUN-ID": run_id, "INPUT_RETRIES": "3"}))
    assert (job.code, job.outputs["result"]) == (4, "ERROR")
    assert not [e for e in sandbox.requests if e.method == "POST"]


def test_retries_out_of_range_are_a_usage_error(sandbox: Any, tmp_path: Path) -> None:
    job = run_job(
        tmp_path,
        env_for(
            sandbox,
            **{"INPUT_TEST-ID": "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c", "INPUT_RETRIES": "5"},
        ),
    )
    assert job.code == 2
    assert "retries: '5' is not 0, 1, 2 or 3" in job.log


def test_a_groups_failed_member_alone_is_started_again_as_a_run_of_its_test(
    sandbox: Any, tmp_path: Path
) -> None:
    group = sandbox.configure_group(scenarios=("passes", "infra-then-pass"))
    job = run_job(
        tmp_path, env_for(sandbox, **{"INPUT_GROUP-ID": group.group_id, "INPUT_RETRIES": "1"})
    )
    assert (job.code, job.outputs["result"], job.outputs["flakyCount"]) == (0, "PASS", "1")
    passing, flaky = (m.test_id for m in group.members)
    assert (starts(sandbox, passing), starts(sandbox, flaky)) == (0, 1)
    assert job.outputs["attemptCount"] == "3"
