"""The results object (``--json``, ``testerarmy-results.json``), declared once: pydantic models
of every part, from which the JSON Schema shipped beside this module is generated:
``python -m testerarmy_wait.report.json_model > src/testerarmy_wait/report/results.schema.json``.

``json_report`` writes the object a run at a time from plain values (a report on thousands of
runs is never held whole); the tests hold every object it writes to these models, strictly,
no key missing or extra.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from testerarmy_wait.baseline.document import FileEntry
from testerarmy_wait.outcome import StopReason
from testerarmy_wait.policy import ExitCode, Result

SCHEMA_ID: Final = (
    "https://raw.githubusercontent.com/testerarmy-wait/testerarmy-wait/main/"
    "src/testerarmy_wait/report/results.schema.json"
)


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ReportedEntry(FileEntry):
    """A baseline entry as its file holds it, and the line it starts on (null: not from a
    file)."""

    line: int | None


class PossiblyKnown(_Part):
    """A weaker match with a baseline entry: the issue is new all the same."""

    baselineEntry: ReportedEntry
    score: float
    why: str
    newBecause: str = Field(description="Why it is not taken for the entry.")
    accept: str = Field(description="The command that adds the run's issues to the baseline.")


class IssueReport(_Part):
    """An issue the run reported; with ``detailsOmitted`` only its brief (the run's detail
    budget was spent)."""

    name: str
    type: str
    severity: int | None = Field(description="1-5; null: unknown (and blocking).")
    blocking: bool = Field(description="Whether it fails the policy.")
    url: str
    detailsOmitted: bool = Field(False, description="Only the brief is given (absent: false).")
    description: str | None = None
    reproductionSteps: list[str] | None = None
    expectedBehavior: str | None = None
    actualBehavior: str | None = None
    screenshotUrl: str | None = None
    tMs: int | None = None
    possiblyKnown: PossiblyKnown | None


class KnownIssueReport(_Part):
    """An issue the baseline accepts: its brief and the entry it matched."""

    name: str
    type: str
    severity: int | None
    blocking: Literal[False]
    url: str
    detailsOmitted: Literal[False]
    description: str
    baselineEntry: ReportedEntry
    score: float
    why: str


class StepReport(_Part):
    stepIndex: int | None
    title: str
    type: str | None
    status: str | None
    summary: str | None
    error: str | None
    errorCode: str | None
    startedAtMs: int | None
    completedAtMs: int | None
    durationMs: int | None


class AttemptReport(_Part):
    """An earlier attempt of a retried run."""

    runId: str
    result: Result
    reason: str
    url: str | None
    issueCount: int
    blockingIssueCount: int
    autoRetryCount: int | None


class RunError(_Part):
    code: str
    message: str


class TriggerReport(_Part):
    """How this step started the run."""

    kind: str
    target: str
    parameters: dict[str, str]
    batchId: str | None


class Omitted(_Part):
    """What the report left out of the run, counted."""

    issues: int
    knownIssues: int
    issueDetails: int
    steps: int
    screenshots: int
    textsCut: int


class RunReport(_Part):
    """One run and its verdict."""

    runId: str
    result: Result
    reason: str
    failsPolicy: bool
    exitCode: ExitCode
    status: str = Field(description="The last status seen, or unknown.")
    durationMs: int | None
    featureName: str | None
    description: str | None
    agentResult: str | None
    url: str | None
    testId: str | None
    issueCount: int
    blockingIssueCount: int
    knownIssueCount: int
    flaky: bool
    previousAttempt: bool = Field(description="A pass of the previous attempt of this CI job.")
    autoRetryCount: int | None
    attempts: list[AttemptReport]
    issues: list[IssueReport]
    knownIssues: list[KnownIssueReport]
    steps: list[StepReport]
    screenshots: list[str]
    error: RunError | None
    stopReason: StopReason | None
    problem: str | None
    polls: int
    cancelRequested: bool
    trigger: TriggerReport | None
    omitted: Omitted


class BaselineReport(_Part):
    path: str
    entries: int
    knownIssueCount: int
    possiblyKnownCount: int
    noLongerSeen: list[ReportedEntry]
    expired: list[ReportedEntry]


class PolicyReport(_Part):
    failOn: list[Result]
    minSeverity: int
    description: str


class AppReport(_Part):
    """The mobile build this step uploaded."""

    id: str
    filename: str
    size: int
    platform: str | None
    bundleId: str | None
    appVersion: str | None
    buildVersion: str | None
    uploadMs: int


class Results(_Part):
    """Everything the verdict of one testerarmy-wait step knows."""

    model_config = ConfigDict(title="testerarmy-wait results")

    schemaVersion: Literal[1]
    result: Result
    exitCode: ExitCode
    passed: bool
    headline: str
    status: str
    durationMs: int | None
    elapsedMs: int
    requests: int
    runIds: list[str]
    issueCount: int
    blockingIssueCount: int
    knownIssueCount: int
    baseline: BaselineReport | None
    policy: PolicyReport
    interruptedBy: str | None = Field(description="SIGINT or SIGTERM.")
    problem: str | None
    notes: list[str]
    batchId: str | None
    app: AppReport | None
    runs: list[RunReport]


def _untitled(node: Any) -> Any:
    """The generated schema without the titles pydantic makes up for every property."""
    if isinstance(node, list):
        return [_untitled(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy = {key: _untitled(value) for key, value in node.items()}
    for prop in tidy.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)
    return tidy


def json_schema() -> dict[str, Any]:
    """The results object's JSON Schema, as shipped."""
    generated = _untitled(Results.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **generated,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped file
    print(schema_text(), end="")
