import json
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait_sandbox import (
    BUILTIN_SCENARIOS,
    HOSTILE_PIECES,
    HOSTILE_TEXT,
    Scenario,
    ScenarioError,
    builtin_scenario,
    load_scenario_file,
)

REQUIRED = {
    "passes",
    "issues-found",
    "warnings-only",
    "infra-failure",
    "planner-skipped",
    "cancelled",
    "slow",
    "checkout-flow",
    "hostile",
    "huge",
}


def test_every_required_scenario_is_built_in() -> None:
    assert set(BUILTIN_SCENARIOS) >= REQUIRED


@pytest.mark.parametrize("name", BUILTIN_SCENARIOS)
def test_builtin_scenarios_round_trip_through_json(name: str) -> None:
    scenario = builtin_scenario(name)
    again = Scenario.from_dict(json.loads(json.dumps(scenario.to_dict())))
    assert again == scenario


def test_issues_found_has_mixed_severities_warnings_and_failed_steps() -> None:
    output = builtin_scenario("issues-found").output
    assert output is not None
    assert output["result"] == "FAILED"
    kinds = {(i["type"], i["severity"]) for i in output["issues"]}
    assert {("issue", 5), ("issue", 4), ("issue", 3), ("warning", 2), ("warning", 1)} == kinds
    failed = [s for s in output["steps"] if s["status"] == "failed"]
    assert len(failed) >= 2
    assert all(s["errorCode"] and s["error"] for s in failed)
    assert all(i["reproductionSteps"] and i["expectedBehavior"] for i in output["issues"])
    assert output["screenshots"]


def test_warnings_only_passes_with_warnings_and_no_issue() -> None:
    output = builtin_scenario("warnings-only").output
    assert output is not None
    assert output["result"] == "PASS"
    assert {i["type"] for i in output["issues"]} == {"warning"}


def test_checkout_flow_has_a_critical_payment_bug_a_major_discount_bug_and_a_warning() -> None:
    scenario = builtin_scenario("checkout-flow")
    output = scenario.output
    assert output is not None
    issues = {(i["type"], i["severity"]): i["name"] for i in output["issues"]}
    assert "Payment" in issues[("issue", 5)]
    assert "Discount" in issues[("issue", 4)]
    assert ("warning", 1) in issues
    assert len(output["steps"]) == 12
    assert len(output["screenshots"]) >= 3
    assert scenario.test_plan is not None


def test_infra_failure_and_cancelled_have_no_output() -> None:
    failure = builtin_scenario("infra-failure")
    assert failure.status == "failed"
    assert failure.output is None
    assert failure.error is not None
    assert failure.error == {"code": "BROWSER_START_FAILED", "message": failure.error["message"]}
    assert builtin_scenario("cancelled").status == "cancelled"


def test_slow_runs_for_25_minutes() -> None:
    assert builtin_scenario("slow").running_seconds == 25 * 60


def test_huge_has_2mb_description_5000_issues_10000_steps() -> None:
    output = builtin_scenario("huge").output
    assert output is not None
    assert len(output["description"]) == 2 * 1024 * 1024
    assert len(output["issues"]) == 5000
    assert len(output["steps"]) == 10000


def test_hostile_puts_every_hostile_piece_in_every_free_text_string() -> None:
    scenario = builtin_scenario("hostile")
    output = scenario.output
    assert output is not None
    texts = [output["featureName"], output["description"], output["screenshots"][0]]
    for issue in output["issues"]:
        texts += [issue["name"], issue["description"], issue["reproductionSteps"][0]]
        texts += [issue["expectedBehavior"], issue["actualBehavior"], issue["screenshotUrl"]]
    for step in output["steps"]:
        texts += [step["title"], step["summary"]]
        texts += [step["error"]] if step["error"] else []
    texts += [scenario.fields["userName"], scenario.fields["input"]["prompt"]]
    assert len(texts) > 20
    for text in texts:
        assert text.endswith(HOSTILE_TEXT)
    assert {i["url"] for i in output["issues"]} >= {"javascript:alert(1)"}
    assert set(HOSTILE_PIECES) <= set(output["issues"][0]["reproductionSteps"])


def test_hostile_pieces_cover_commands_delimiters_markup_and_escapes() -> None:
    for piece in (
        "::error::x",
        "::set-output name=x::y",
        "::add-mask::",
        "::stop-commands::pwned",
        "EOF",
        "</details>",
        "|",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "\x1b[31mred\x1b[0m",
        "\x1b]0;title\x07",
    ):
        assert piece in HOSTILE_PIECES
    assert any(p.startswith("ghadelimiter_") for p in HOSTILE_PIECES)
    assert any("\x00" in p for p in HOSTILE_PIECES)


def test_hostile_failed_and_skipped_carry_hostile_error_and_reason() -> None:
    error = builtin_scenario("hostile-failed").error
    assert error is not None
    assert HOSTILE_TEXT in error["message"]
    assert HOSTILE_TEXT in error["code"]
    output = builtin_scenario("hostile-skipped").output
    assert output is not None
    assert "::error::x" in output["reason"]
    assert len(output["reason"]) <= 2000


def test_unknown_builtin_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="checkout-flow"):
        builtin_scenario("nope")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "name"),
        ({"name": "x", "status": "paused"}, "status"),
        ({"name": "x", "status": "failed"}, "error"),
        ({"name": "x", "queuedSeconds": "soon"}, "queuedSeconds"),
        ({"name": "x", "runningSeconds": -1}, "negative"),
        ({"name": "x", "platform": "windows"}, "platform"),
        ({"name": "x", "colour": "red"}, "unknown scenario keys"),
        ({"name": "x", "output": {"result": "MAYBE"}}, "result"),
        ({"name": "x", "output": {"kind": "planner_skipped", "reason": ""}}, "reason"),
        (
            {
                "name": "x",
                "output": {
                    "featureName": "f",
                    "result": "FAILED",
                    "description": "d",
                    "screenshots": [],
                    "issues": [{"name": "n", "description": "d", "url": "u", "severity": 9}],
                },
            },
            "severity",
        ),
        (
            {
                "name": "x",
                "output": {
                    "featureName": "f",
                    "result": "PASS",
                    "description": "d",
                    "screenshots": [],
                    "steps": [{"stepIndex": 0, "title": "t", "status": "ok"}],
                },
            },
            "status must be passed or failed",
        ),
    ],
)
def test_invalid_scenarios_are_refused_with_the_reason(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        Scenario.from_dict(data)


def test_scenario_file_may_hold_one_a_list_or_a_scenarios_object(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"name": "a", "runningSeconds": 5}))
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps({"scenarios": [{"name": "b"}, builtin_scenario("passes").to_dict()]})
    )
    assert [s.name for s in load_scenario_file(one)] == ["a"]
    assert [s.name for s in load_scenario_file(many)] == ["b", "passes"]


def test_unreadable_scenario_file_is_a_scenario_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario_file(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario_file(tmp_path / "missing.json")
