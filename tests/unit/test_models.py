"""The API models accept every documented value, unknown values and missing fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testerarmy_wait.models import (
    GroupRunQueued,
    PlannerSkippedOutput,
    Run,
    TestOutput,
    UnknownOutput,
)

SPEC = Path(__file__).resolve().parents[3] / "shared" / "api" / "testerarmy-openapi.json"
needs_spec = pytest.mark.skipif(
    not SPEC.is_file(), reason=f"the vendor's OpenAPI description is not at {SPEC}"
)


def schemas() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]  # type: ignore[no-any-return]


def enum(schema: dict[str, Any], prop: str) -> list[Any]:
    return [v for v in schema["properties"][prop]["enum"] if v is not None]


def minimal_run(**extra: Any) -> dict[str, Any]:
    return {
        "id": "3f2a9c1e-0000-4000-8000-000000000001",
        "type": "test",
        "status": "queued",
        "input": {},
        "createdAt": "2026-11-29T12:00:00Z",
        **extra,
    }


@needs_spec
def test_every_documented_run_status_parses_and_terminality_matches_the_docs() -> None:
    statuses = enum(schemas()["RunResponse"], "status")
    assert set(statuses) == {"queued", "running", "completed", "failed", "cancelled"}
    for status in statuses:
        run = Run.model_validate(minimal_run(status=status))
        assert run.status_is_known
        assert run.is_terminal == (status in {"completed", "failed", "cancelled"})


@needs_spec
@pytest.mark.parametrize(
    ("prop", "field"),
    [
        ("type", "type"),
        ("platform", "platform"),
        ("deviceModel", "device_model"),
        ("source", "source"),
        ("webhookStatus", None),
        ("executionMode", "execution_mode"),
    ],
)
def test_every_documented_run_enum_value_parses(prop: str, field: str | None) -> None:
    for value in [*enum(schemas()["RunResponse"], prop), None]:
        run = Run.model_validate(minimal_run(**{prop: value}))
        if field is not None:
            assert getattr(run, field) == value


@needs_spec
def test_every_documented_step_and_issue_enum_value_parses() -> None:
    s = schemas()
    for step_type in enum(s["TestOutputStep"], "type"):
        for status in enum(s["TestOutputStep"], "status"):
            for code in enum(s["TestOutputStep"], "errorCode"):
                step = {
                    "stepIndex": 0,
                    "title": "t",
                    "type": step_type,
                    "status": status,
                    "errorCode": code,
                }
                out = TestOutput.model_validate(
                    {
                        "featureName": "f",
                        "result": "PASS",
                        "description": "d",
                        "screenshots": [],
                        "steps": [step],
                    }
                )
                assert (out.steps[0].type, out.steps[0].error_code) == (step_type, code)
    for issue_type in enum(s["Issue"], "type"):
        out = TestOutput.model_validate(
            {
                "featureName": "f",
                "result": "FAILED",
                "description": "d",
                "screenshots": [],
                "issues": [{"type": issue_type, "name": "n", "description": "d", "url": "u"}],
            }
        )
        assert out.issues[0].is_warning == (issue_type == "warning")
    for result in enum(s["TestOutput"], "result"):
        assert TestOutput.model_validate({"result": result}).result == result


def test_unknown_status_is_kept_and_not_terminal() -> None:
    run = Run.model_validate(minimal_run(status="paused"))
    assert run.status == "paused"
    assert not run.status_is_known
    assert not run.is_terminal


def test_unknown_fields_and_values_are_tolerated() -> None:
    run = Run.model_validate(
        minimal_run(
            status="completed",
            platform="tv",
            brandNew={"x": 1},
            output={
                "featureName": "f",
                "result": "PASS",
                "description": "d",
                "screenshots": [],
                "issues": [
                    {
                        "type": "regression",
                        "name": "n",
                        "description": "d",
                        "url": "u",
                        "severity": 9,
                        "extra": True,
                    }
                ],
                "steps": [
                    {
                        "stepIndex": 1,
                        "title": "t",
                        "status": "skipped",
                        "type": "swipe",
                        "errorCode": "NEW_CODE",
                    }
                ],
            },
        )
    )
    assert run.platform == "tv"
    assert run.test_output is not None
    assert run.test_output.issues[0].severity is None  # out of range: unknown, so blocking
    assert run.test_output.steps[0].error_code == "NEW_CODE"


def test_missing_optional_fields_and_nulls_are_tolerated() -> None:
    run = Run.model_validate(
        {
            "id": "x",
            "status": "completed",
            "output": {"result": "PASS", "issues": None, "steps": None},
        }
    )
    assert run.test_output is not None
    assert run.test_output.issues == []
    assert run.duration_ms is None


def test_output_variants() -> None:
    assert Run.model_validate(minimal_run(output=None)).output is None
    skipped = Run.model_validate(minimal_run(output={"kind": "planner_skipped", "reason": "r"}))
    assert isinstance(skipped.output, PlannerSkippedOutput)
    odd = Run.model_validate(minimal_run(output={"kind": "something_else"}))
    assert isinstance(odd.output, UnknownOutput)
    assert odd.test_output is None


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (3, 3),
        (3.0, 3),
        ("4", 4),
        (1, 1),
        (5, 5),
        ("high", None),
        (True, None),
        (None, None),
        (0, None),
        (-2, None),
        (6, None),
        (9, None),
        ("²", None),
        (2.5, None),
    ],
)
def test_issue_severity_is_read_loosely(raw: Any, parsed: int | None) -> None:
    out = TestOutput.model_validate({"issues": [{"name": "n", "severity": raw}]})
    assert out.issues[0].severity == parsed


def test_step_duration_from_timings() -> None:
    out = TestOutput.model_validate(
        {
            "steps": [
                {
                    "stepIndex": 0,
                    "title": "t",
                    "status": "passed",
                    "startedAtMs": 100,
                    "completedAtMs": 3200,
                },
                {"stepIndex": 1, "title": "u", "status": "failed"},
            ]
        }
    )
    assert out.steps[0].duration_ms == 3100
    assert out.steps[1].duration_ms is None
    assert out.steps[1].failed


def test_group_answer() -> None:
    g = GroupRunQueued.model_validate(
        {
            "status": "queued",
            "groupId": "g",
            "batchId": "b",
            "runIds": ["1", "2"],
            "queuedRunIds": ["1"],
            "cancelledRunIds": ["2"],
            "count": 2,
        }
    )
    assert (g.batch_id, g.cancelled_run_ids) == ("b", ["2"])
