"""Known, new, no-longer-seen and expired entries in the summary, the pull-request comment,
the JSON and JUnit reports, with hostile text from the baseline file kept safe."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report.comment import comment_body
from testerarmy_wait.report.json_report import render_json
from testerarmy_wait.report.junit import render_junit
from testerarmy_wait.report.summary import render_summary
from testerarmy_wait.verdict import Verdict, decide
from testerarmy_wait_sandbox.rewordings import KNOWN_SET, problem
from tests.baseline.test_matching import entry
from tests.report.factories import HOSTILE_STRINGS
from tests.report.html_check import assert_safe, visible_text

TODAY = date(2026, 11, 29)
HOSTILE = " ".join(HOSTILE_STRINGS)


def verdict() -> Verdict:
    keys = [k for k in KNOWN_SET if k != "profile-avatar"]
    issues = [problem(k).issue(3) for k in keys] + [problem("order-invoice").issue(0)]
    run = Run.model_validate(
        {
            "id": "0b1c2d3e-0000-4000-8000-000000000001",
            "status": "completed",
            "output": {"featureName": "Account settings", "result": "FAILED", "issues": issues},
        }
    )
    entries = [entry(k, 0, reason=HOSTILE, line=n + 2) for n, k in enumerate(KNOWN_SET)]
    entries.append(Entry(title=HOSTILE, expires=date(2026, 1, 1), line=40))
    outcome = RunOutcome(run_id=run.id, stop=StopReason.FINISHED, run=run, polls=1)
    return decide([outcome], Policy(), baseline=Baseline(tuple(entries), "qa/b.json"), today=TODAY)


def test_summary_and_comment_show_known_new_gone_and_expired_safely() -> None:
    v = verdict()
    for markdown in (
        render_summary(v),
        comment_body(v, key="0" * 16, redactor=Redactor()).split("\n", 1)[1],
    ):
        assert_safe(markdown)
        text = visible_text(markdown)
        assert "Known issues: 3, in the baseline qa/b.json" in text
        assert "No longer seen" in text
        assert problem("profile-avatar").titles[0] in text
        assert "Expired" in text
        assert "2026-01-01" in text
        assert problem("order-invoice").titles[0] in text  # the new one, blocking
        assert "@" not in text


def test_json_says_which_entry_matched_and_why() -> None:
    report = json.loads(render_json(verdict()))
    assert (report["knownIssueCount"], report["blockingIssueCount"]) == (3, 1)
    assert report["baseline"]["path"] == "qa/b.json"
    assert [e["line"] for e in report["baseline"]["expired"]] == [40]
    assert len(report["baseline"]["noLongerSeen"]) == 1
    [run] = report["runs"]
    assert run["knownIssueCount"] == 3
    for known in run["knownIssues"]:
        assert known["blocking"] is False
        assert known["baselineEntry"]["reason"] == HOSTILE
        assert 0.3 <= known["score"] <= 1
        assert known["why"].startswith("baseline entry (line ")


def test_junit_has_known_issues_as_passing_cases() -> None:
    root = ET.fromstring(render_junit(verdict()))
    known = [c for c in root.iter("testcase") if c.get("name", "").startswith("Known issue:")]
    assert len(known) == 3
    assert all(c.find("failure") is None for c in known)
    assert all("Known: baseline entry" in (c.findtext("system-out") or "") for c in known)
    failing = [c for c in root.iter("testcase") if c.get("name", "").startswith("Issue:")]
    assert len(failing) == 1
