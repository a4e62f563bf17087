"""Pydantic models of the tester.army API objects we read.

They follow ``RunResponse`` and friends in the vendor's OpenAPI description, but are
tolerant: unknown fields are kept, unknown enum values are kept as plain strings, and
optional fields may be missing. Deciding what a value *means* is left to ``verdict``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "cancelled"})
KNOWN_STATUSES: Final = frozenset({"queued", "running"}) | TERMINAL_STATUSES
#: Numbers beyond this (in either direction) are not believed: they cannot be a count, an
#: index or milliseconds, and floats lose integer precision past it.
LARGEST_BELIEVED_NUMBER: Final = 2**53


def judged_number(value: Any) -> float | None:
    """A number the server sent, judged: a finite value within ``LARGEST_BELIEVED_NUMBER``
    (digits in a string count too), else ``None`` (unknown). Never raises: ``NaN``,
    ``Infinity``, ``1e999``, a 400-digit integer or ``true`` all become unknown."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40 or not text.isascii():
            return None
        try:
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            return None
    if isinstance(value, int):
        return float(value) if abs(value) <= LARGEST_BELIEVED_NUMBER else None
    if isinstance(value, float):
        return value if math.isfinite(value) and abs(value) <= LARGEST_BELIEVED_NUMBER else None
    return None


def _whole(value: Any) -> int | None:
    number = judged_number(value)
    return int(number) if number is not None and number.is_integer() else None


def _not_negative(value: Any) -> float | None:
    number = judged_number(value)
    return number if number is not None and number >= 0 else None


def _not_negative_whole(value: Any) -> int | None:
    number = _whole(value)
    return number if number is not None and number >= 0 else None


#: A whole number, or None when the server's value cannot be believed (see ``judged_number``).
WholeNumber = Annotated[int | None, BeforeValidator(_whole)]
#: Milliseconds (or a count): a whole number >= 0, or None.
Count = Annotated[int | None, BeforeValidator(_not_negative_whole)]
#: A duration in milliseconds >= 0 (fractions allowed), or None.
Milliseconds = Annotated[float | None, BeforeValidator(_not_negative)]


class ApiModel(BaseModel):
    """Base for every API object: keep unknown fields, never fail on them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


class Issue(ApiModel):
    type: str = "issue"
    name: str = ""
    description: str = ""
    url: str = ""
    severity: int | None = None  # 1-5; anything else is unknown (and blocks)
    reproduction_steps: list[str] = Field(default_factory=list, alias="reproductionSteps")
    expected_behavior: str | None = Field(default=None, alias="expectedBehavior")
    actual_behavior: str | None = Field(default=None, alias="actualBehavior")
    screenshot_url: str | None = Field(default=None, alias="screenshotUrl")
    t_ms: Count = Field(default=None, alias="tMs")

    _lists = field_validator("reproduction_steps", mode="before")(_none_to_list)

    @field_validator("type", mode="before")
    @classmethod
    def _default_type(cls, value: Any) -> Any:
        return "issue" if value is None else value

    @field_validator("severity", mode="before")
    @classmethod
    def _loose_severity(cls, value: Any) -> Any:
        # A severity we cannot read, or outside 1-5, is kept as unknown, which the policy
        # treats as blocking.
        number = _whole(value)
        return number if number is not None and 1 <= number <= 5 else None

    @property
    def is_warning(self) -> bool:
        return self.type == "warning"


class Step(ApiModel):
    step_index: WholeNumber = Field(default=None, alias="stepIndex")
    title: str = ""
    type: str | None = None
    status: str | None = None
    summary: str | None = None
    error: str | None = None
    error_code: str | None = Field(default=None, alias="errorCode")
    started_at_ms: Count = Field(default=None, alias="startedAtMs")
    completed_at_ms: Count = Field(default=None, alias="completedAtMs")

    @property
    def duration_ms(self) -> int | None:
        if self.started_at_ms is None or self.completed_at_ms is None:
            return None
        return max(0, self.completed_at_ms - self.started_at_ms)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


class TestOutput(ApiModel):
    __test__ = False  # not a pytest test class

    feature_name: str = Field(default="", alias="featureName")
    result: str | None = None
    description: str = ""
    issues: list[Issue] = Field(default_factory=list)
    screenshots: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)

    _lists = field_validator("issues", "screenshots", "steps", mode="before")(_none_to_list)

    @property
    def claims_planner_skipped(self) -> bool:
        """The output also says ``kind: planner_skipped``: a contradiction (see parse_output)."""
        return (self.model_extra or {}).get("kind") == "planner_skipped"


class PlannerSkippedOutput(ApiModel):
    kind: str = "planner_skipped"
    reason: str = ""


class UnknownOutput(ApiModel):
    """An ``output`` object of a shape this version does not know."""


class RunError(ApiModel):
    code: str = ""
    message: str = ""


RunOutput = TestOutput | PlannerSkippedOutput | UnknownOutput


def parse_output(value: Any) -> RunOutput | None:
    """Pick the ``output`` variant the way the description's ``anyOf`` intends."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return UnknownOutput.model_validate({"value": value})
    if value.get("kind") == "planner_skipped":
        if "result" in value or value.get("issues"):
            # Skipped, yet with a result or issues: judged as a test output (its issues count)
            # and flagged (``claims_planner_skipped``), so a contradiction never passes.
            return TestOutput.model_validate(value)
        return PlannerSkippedOutput.model_validate(value)
    if "result" in value or "featureName" in value:
        return TestOutput.model_validate(value)
    return UnknownOutput.model_validate(value)


class Run(ApiModel):
    id: str
    status: str
    type: str | None = None
    platform: str | None = None
    device_model: str | None = Field(default=None, alias="deviceModel")
    source: str | None = None
    project_id: str | None = Field(default=None, alias="projectId")
    test_id: str | None = Field(default=None, alias="testId")
    input: dict[str, Any] = Field(default_factory=dict)
    output: RunOutput | None = None
    test_plan: dict[str, Any] | None = Field(default=None, alias="testPlan")
    error: RunError | None = None
    duration_ms: Milliseconds = Field(default=None, alias="durationMs")
    execution_mode: str | None = Field(default=None, alias="executionMode")
    auto_retry_count: Count = Field(default=None, alias="autoRetryCount")
    user_name: str | None = Field(default=None, alias="userName")
    created_at: str | None = Field(default=None, alias="createdAt")
    started_at: str | None = Field(default=None, alias="startedAt")
    completed_at: str | None = Field(default=None, alias="completedAt")

    @field_validator("output", mode="before")
    @classmethod
    def _pick_output(cls, value: Any) -> RunOutput | None:
        if isinstance(value, TestOutput | PlannerSkippedOutput | UnknownOutput):
            return value
        return parse_output(value)

    @field_validator("input", mode="before")
    @classmethod
    def _input_dict(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("error", mode="before")
    @classmethod
    def _error_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"code": "", "message": value}
        return value

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def status_is_known(self) -> bool:
        return self.status in KNOWN_STATUSES

    @property
    def test_output(self) -> TestOutput | None:
        return self.output if isinstance(self.output, TestOutput) else None


class TestRunQueued(ApiModel):
    """``202`` answer of ``POST /v1/tests/{testId}/runs`` and of pull-request runs."""

    __test__ = False

    run_id: str = Field(alias="runId")
    status: str | None = None
    test_id: str | None = Field(default=None, alias="testId")
    project_id: str | None = Field(default=None, alias="projectId")


class GroupRunQueued(ApiModel):
    """``202`` answer of ``POST /v1/groups/{groupId}/runs``."""

    status: str
    batch_id: str | None = Field(default=None, alias="batchId")
    group_id: str | None = Field(default=None, alias="groupId")
    run_ids: list[str] = Field(default_factory=list, alias="runIds")
    queued_run_ids: list[str] = Field(default_factory=list, alias="queuedRunIds")
    cancelled_run_ids: list[str] = Field(default_factory=list, alias="cancelledRunIds")


class WebhookAccepted(ApiModel):
    """``202`` answer of the group webhook."""

    received: bool
    ignored: bool | None = None
    reason: str | None = None
    run_id: str | None = Field(default=None, alias="runId")
    batch_id: str | None = Field(default=None, alias="batchId")
    batch_ids: list[str] = Field(default_factory=list, alias="batchIds")


class ApiErrorBody(ApiModel):
    error: str = ""
    message: str = ""
