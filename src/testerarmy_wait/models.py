"""Pydantic models of the tester.army API objects we read.

They follow ``RunResponse`` and friends in the vendor's OpenAPI description, but are
tolerant: unknown fields are kept, unknown enum values are kept as plain strings, and
optional fields may be missing. Deciding what a value *means* is left to ``verdict``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

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
    """Base for every API object: unknown fields are accepted and dropped (nothing here reads
    them, and a thousand runs should not carry them); never fail on them."""

    # Field names are snake_case; the API's are the same names in camelCase.
    # Validators are built on first use, not at import: the first request goes out sooner.
    model_config = ConfigDict(
        extra="ignore",
        populate_by_name=True,
        frozen=True,
        alias_generator=to_camel,
        defer_build=True,
    )


def _none_to_list(value: Any) -> Any:
    return [] if value is None else value


class Issue(ApiModel):
    type: str = "issue"
    name: str = ""
    description: str = ""
    url: str = ""
    severity: int | None = None  # 1-5; anything else is unknown (and blocks)
    reproduction_steps: list[str] = Field(default_factory=list)
    expected_behavior: str | None = None
    actual_behavior: str | None = None
    screenshot_url: str | None = None
    t_ms: Count = None

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
    step_index: WholeNumber = None
    title: str = ""
    type: str | None = None
    status: str | None = None
    summary: str | None = None
    error: str | None = None
    error_code: str | None = None
    started_at_ms: Count = None
    completed_at_ms: Count = None

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

    feature_name: str = ""
    result: str | None = None
    description: str = ""
    issues: list[Issue] = Field(default_factory=list)
    screenshots: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)

    _lists = field_validator("issues", "screenshots", "steps", mode="before")(_none_to_list)

    kind: str | None = None  # only ever "planner_skipped", and then a contradiction

    @property
    def claims_planner_skipped(self) -> bool:
        """The output also says ``kind: planner_skipped``: a contradiction (see parse_output)."""
        return self.kind == "planner_skipped"


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
    device_model: str | None = None
    source: str | None = None
    project_id: str | None = None
    test_id: str | None = None
    output: RunOutput | None = None
    error: RunError | None = None
    duration_ms: Milliseconds = None
    execution_mode: str | None = None
    auto_retry_count: Count = None
    user_name: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None

    @field_validator("output", mode="before")
    @classmethod
    def _pick_output(cls, value: Any) -> RunOutput | None:
        if isinstance(value, TestOutput | PlannerSkippedOutput | UnknownOutput):
            return value
        return parse_output(value)

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

    @property
    def skipped_output(self) -> PlannerSkippedOutput | None:
        return self.output if isinstance(self.output, PlannerSkippedOutput) else None


class RunList(ApiModel):
    """``200`` answer of ``GET /v1/runs``: newest first, a page at a time."""

    runs: list[Run] = Field(default_factory=list)
    next_cursor: str | None = None

    _lists = field_validator("runs", mode="before")(_none_to_list)


class BatchCancelled(ApiModel):
    """``200`` answer of ``POST /v1/batches/{batchId}/cancel``."""

    batch_id: str | None = None
    cancelled_run_ids: list[str] = Field(default_factory=list)
    already_finished_run_ids: list[str] = Field(default_factory=list)

    _lists = field_validator("cancelled_run_ids", "already_finished_run_ids", mode="before")(
        _none_to_list
    )


class TestRunQueued(ApiModel):
    """``202`` answer of ``POST /v1/tests/{testId}/runs`` and of pull-request runs."""

    __test__ = False

    run_id: str
    status: str | None = None
    test_id: str | None = None
    project_id: str | None = None


class GroupRunQueued(ApiModel):
    """``202`` answer of ``POST /v1/groups/{groupId}/runs``."""

    status: str
    batch_id: str | None = None
    group_id: str | None = None
    run_ids: list[str] = Field(default_factory=list)
    queued_run_ids: list[str] = Field(default_factory=list)
    cancelled_run_ids: list[str] = Field(default_factory=list)


class WebhookAccepted(ApiModel):
    """``202`` answer of the group webhook."""

    received: bool
    ignored: bool | None = None
    reason: str | None = None
    run_id: str | None = None
    batch_id: str | None = None
    batch_ids: list[str] = Field(default_factory=list)


class Owned(ApiModel):
    """The project a test (``GET /v1/tests/{id}``) or a group (``GET /v1/groups/{id}``)
    belongs to."""

    project_id: str = Field(min_length=1, max_length=100)


class UploadTicket(ApiModel):
    """``200`` answer of ``POST /v1/projects/{projectId}/mobile/upload``: where the file goes
    (a presigned URL: a credential) and the key that confirms it."""

    upload_url: str = Field(min_length=1, max_length=8192)
    storage_key: str = Field(min_length=1, max_length=2048)


class MobileApp(ApiModel):
    """An uploaded app (``app`` of ``POST .../mobile/upload/confirm``)."""

    id: str = Field(min_length=1, max_length=100)
    platform: str | None = Field(default=None, max_length=20)
    filename: str | None = Field(default=None, max_length=1000)
    bundle_id: str | None = Field(default=None, max_length=500)
    app_version: str | None = Field(default=None, max_length=200)
    build_version: str | None = Field(default=None, max_length=200)


class AppConfirmed(ApiModel):
    """``201`` answer of ``POST /v1/projects/{projectId}/mobile/upload/confirm``."""

    app: MobileApp


class ApiErrorBody(ApiModel):
    error: str = ""
    message: str = ""
