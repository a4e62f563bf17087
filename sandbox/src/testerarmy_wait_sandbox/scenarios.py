"""Scenarios: what a sandbox run does, as data.

A scenario says how long a run stays ``queued`` and ``running`` (in sandbox
seconds), which terminal ``status`` it reaches and what the server then reports
(``output``, ``error``, ``durationMs``, ``testPlan`` and any other RunResponse
field). Scenarios are plain JSON objects; ``Scenario.from_dict`` checks them::

    {
      "name": "my-scenario",
      "description": "what it is for",  # optional, informative only
      "status": "completed",            # completed | failed | cancelled
      "queuedSeconds": 2,
      "runningSeconds": 60,
      "durationMs": 59874,              # optional; default runningSeconds * 1000
      "platform": "web",                # web | ios | android | null
      "output": {"featureName": "...", "result": "PASS", "description": "...",
                 "issues": [], "screenshots": [], "steps": []},
      "error": null,                    # {"code", "message"}; required for "failed"
      "testPlan": null,
      "fields": {"userName": "..."},    # other RunResponse fields, set as given
      "outputVariants": [{...}, {...}]  # optional: the n-th run created plays the
                                        # (n mod len)-th output instead of "output"
    }
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from testerarmy_wait.errors import TesterArmyWaitError

JSONObject = dict[str, Any]
TerminalStatus = Literal["completed", "failed", "cancelled"]

TERMINAL_STATUSES: tuple[str, ...] = ("completed", "failed", "cancelled")
PLATFORMS: tuple[str | None, ...] = ("web", "ios", "android", None)
STEP_TYPES = ("act", "assert", "login", "files", "screenshot", "javascript")
STEP_ERROR_CODES = (
    "AUTH_CREDENTIAL_UNAVAILABLE",
    "AUTH_CREDENTIAL_INVALID",
    "AUTH_BASIC_REQUIRED",
    "VERCEL_BYPASS_REQUIRED",
    "MOBILE_RELEASE_BUILD_REQUIRED",
    "VIEWPORT_RESIZE_UNSUPPORTED",
    "STEP_TOOL_LIMIT_EXHAUSTED",
    "STEP_DEADLINE_EXHAUSTED",
    "STEP_NO_CONCLUSION",
)
_KEYS = {
    "name",
    "status",
    "queuedSeconds",
    "runningSeconds",
    "durationMs",
    "platform",
    "output",
    "error",
    "testPlan",
    "fields",
    "description",
    "outputVariants",
}


class ScenarioError(TesterArmyWaitError):
    """A scenario definition that the sandbox cannot play."""


@dataclass(frozen=True)
class Scenario:
    """One playable run outcome. Build with ``from_dict`` or directly."""

    name: str
    status: TerminalStatus = "completed"
    queued_seconds: float = 2.0
    running_seconds: float = 45.0
    duration_ms: int | None = None
    platform: str | None = "web"
    output: JSONObject | None = None
    error: JSONObject | None = None
    test_plan: JSONObject | None = None
    fields: JSONObject = field(default_factory=dict)
    description: str = ""
    output_variants: tuple[JSONObject, ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ScenarioError(f"scenario {self.name!r}: " + "; ".join(problems))

    def output_for(self, seq: int) -> JSONObject | None:
        """The output the ``seq``-th run created plays."""
        if self.output_variants:
            return self.output_variants[seq % len(self.output_variants)]
        return self.output

    @property
    def reported_duration_ms(self) -> int:
        """``durationMs`` of a run that played to its end."""
        if self.duration_ms is not None:
            return self.duration_ms
        return round(self.running_seconds * 1000)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build from the JSON shape documented in this module."""
        if not isinstance(data, Mapping):
            raise ScenarioError("a scenario is a JSON object")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ScenarioError(f"unknown scenario keys: {', '.join(unknown)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ScenarioError("a scenario needs a non-empty string 'name'")
        status = data.get("status", "completed")
        if status not in TERMINAL_STATUSES:
            raise ScenarioError(f"scenario {name!r}: status must be one of {TERMINAL_STATUSES}")
        return cls(
            name=name,
            status=cast(TerminalStatus, status),
            queued_seconds=_number(data, "queuedSeconds", 2.0, name),
            running_seconds=_number(data, "runningSeconds", 45.0, name),
            duration_ms=_optional_int(data, "durationMs", name),
            platform=data.get("platform", "web"),
            output=_optional_object(data, "output", name),
            error=_optional_object(data, "error", name),
            test_plan=_optional_object(data, "testPlan", name),
            fields=_optional_object(data, "fields", name) or {},
            description=str(data.get("description", "")),
            output_variants=_variants(data, name),
        )

    def to_dict(self) -> JSONObject:
        """The JSON shape ``from_dict`` reads."""
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "queuedSeconds": self.queued_seconds,
            "runningSeconds": self.running_seconds,
            "durationMs": self.duration_ms,
            "platform": self.platform,
            "output": self.output,
            "error": self.error,
            "testPlan": self.test_plan,
            "fields": self.fields,
            "outputVariants": list(self.output_variants),
        }


def load_scenario_file(path: str | Path) -> list[Scenario]:
    """Read scenarios from JSON: one object, a list, or ``{"scenarios": [...]}``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc}") from exc
    if isinstance(data, Mapping) and "scenarios" in data:
        data = data["scenarios"]
    items: Sequence[Any] = data if isinstance(data, list) else [data]
    if not items:
        raise ScenarioError(f"scenario file {path} holds no scenario")
    return [Scenario.from_dict(item) for item in items]


def _variants(data: Mapping[str, Any], name: str) -> tuple[JSONObject, ...]:
    value = data.get("outputVariants", [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ScenarioError(f"scenario {name!r}: outputVariants must be a list of objects")
    return tuple(value)


def _number(data: Mapping[str, Any], key: str, default: float, name: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"scenario {name!r}: {key} must be a number")
    return float(value)


def _optional_int(data: Mapping[str, Any], key: str, name: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"scenario {name!r}: {key} must be an integer or null")
    return value


def _optional_object(data: Mapping[str, Any], key: str, name: str) -> JSONObject | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ScenarioError(f"scenario {name!r}: {key} must be an object or null")
    return cast(JSONObject, value)


def _problems(s: Scenario) -> list[str]:
    out: list[str] = []
    if s.status not in TERMINAL_STATUSES:
        out.append(f"status must be one of {TERMINAL_STATUSES}")
    if s.queued_seconds < 0 or s.running_seconds < 0:
        out.append("durations must not be negative")
    if s.duration_ms is not None and s.duration_ms < 0:
        out.append("durationMs must not be negative")
    if s.platform not in PLATFORMS:
        out.append(f"platform must be one of {PLATFORMS}")
    if s.status == "failed" and s.error is None:
        out.append("a failed scenario needs error {code, message}")
    if s.error is not None and not (
        isinstance(s.error.get("code"), str) and isinstance(s.error.get("message"), str)
    ):
        out.append("error needs string code and message")
    if s.output is not None:
        out.extend(_output_problems(s.output))
    for n, variant in enumerate(s.output_variants):
        out.extend(f"outputVariants[{n}]: {p}" for p in _output_problems(variant))
    return out


def _output_problems(output: JSONObject) -> list[str]:
    if output.get("kind") == "planner_skipped":
        reason = output.get("reason")
        if not isinstance(reason, str) or not 1 <= len(reason) <= 2000:
            return ["planner_skipped output needs a reason of 1..2000 characters"]
        return []
    out: list[str] = []
    if output.get("result") not in ("PASS", "FAILED"):
        out.append("output.result must be PASS or FAILED")
    for key in ("featureName", "description"):
        if not isinstance(output.get(key), str):
            out.append(f"output.{key} must be a string")
    if not isinstance(output.get("screenshots"), list):
        out.append("output.screenshots must be a list")
    for i, issue in enumerate(output.get("issues", [])):
        out.extend(f"output.issues[{i}]: {p}" for p in _issue_problems(issue))
    for i, step in enumerate(output.get("steps", [])):
        out.extend(f"output.steps[{i}]: {p}" for p in _step_problems(step))
    return out


def _issue_problems(issue: Any) -> list[str]:
    if not isinstance(issue, dict):
        return ["must be an object"]
    out = [
        f"{k} must be a string"
        for k in ("name", "description", "url")
        if not isinstance(issue.get(k), str)
    ]
    if issue.get("type", "issue") not in ("issue", "warning"):
        out.append("type must be issue or warning")
    severity = issue.get("severity", 1)
    if isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 5:
        out.append("severity must be an integer 1..5")
    return out


def _step_problems(step: Any) -> list[str]:
    if not isinstance(step, dict):
        return ["must be an object"]
    out: list[str] = []
    if not isinstance(step.get("stepIndex"), int) or not isinstance(step.get("title"), str):
        out.append("needs integer stepIndex and string title")
    if step.get("status") not in ("passed", "failed"):
        out.append("status must be passed or failed")
    if "type" in step and step["type"] not in STEP_TYPES:
        out.append(f"type must be one of {STEP_TYPES}")
    if "errorCode" in step and step["errorCode"] not in STEP_ERROR_CODES:
        out.append("errorCode is not one the API knows")
    return out
