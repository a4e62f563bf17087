"""Accepting today's issues: entries from a finished run or a JSON report, merged into an
existing baseline without touching what is there (reasons and expiry dates stay), one entry
per issue that no entry already matches. Pure: the command does the reading and writing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from testerarmy_wait.baseline.fingerprint import page_of, type_of
from testerarmy_wait.baseline.matching import Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.errors import UsageError
from testerarmy_wait.models import Issue, Run
from testerarmy_wait.redaction import cut

TITLE_CHARS: Final = 300
DESCRIPTION_CHARS: Final = 500
Scope = Literal["test", "feature", "any"]


@dataclass(frozen=True)
class Reported:
    """One issue of one run, as the writer needs it."""

    test_id: str | None
    feature: str
    issue: Issue


def _cut(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    return cut(" ".join(text.split()), limit)


def from_run(run: Run) -> list[Reported]:
    output = run.test_output
    if output is None:
        raise UsageError(f"run {run.id} has no test report to accept (status {run.status})")
    return [Reported(run.test_id, output.feature_name, i) for i in output.issues]


def from_report(report: Any, display: str) -> list[Reported]:
    """The issues of a testerarmy-wait JSON report (``schemaVersion`` 1), known ones too."""
    if not isinstance(report, dict) or report.get("schemaVersion") != 1:
        raise UsageError(f"{display}: not a testerarmy-wait JSON report (schemaVersion 1)")
    runs = report.get("runs")
    if not isinstance(runs, list):
        raise UsageError(f"{display}: the report has no runs list")
    out: list[Reported] = []
    for n, run in enumerate(runs):
        if not isinstance(run, dict):
            raise UsageError(f"{display}: runs[{n}] is not an object")
        found_id, found_feature = run.get("testId"), run.get("featureName")
        test_id = found_id if isinstance(found_id, str) else None
        feature = found_feature if isinstance(found_feature, str) else ""
        for key in ("issues", "knownIssues"):
            items = run.get(key) or []
            if not isinstance(items, list):
                raise UsageError(f"{display}: runs[{n}].{key} is not a list")
            for m, raw in enumerate(items):
                try:
                    issue = Issue.model_validate(raw)
                except ValueError:
                    raise UsageError(f"{display}: runs[{n}].{key}[{m}] is not an issue") from None
                out.append(Reported(test_id, feature, issue))
    return out


def entry_for(
    reported: Reported, *, scope: Scope, reason: str | None, expires: date | None
) -> Entry:
    issue = reported.issue
    test_id = reported.test_id if scope == "test" else None
    feature = reported.feature.strip() or None if scope == "feature" else None
    if scope == "test" and test_id is None:  # no test id (a run started some other way)
        feature = reported.feature.strip() or None
    return Entry(
        title=_cut(issue.name, TITLE_CHARS) or "(unnamed)",
        description=_cut(issue.description, DESCRIPTION_CHARS),
        type=type_of(issue.type),
        page=page_of(issue.url),
        test_id=test_id,
        feature=feature,
        severity=issue.severity,
        reason=reason,
        expires=expires,
    )


@dataclass(frozen=True)
class Merged:
    entries: list[Entry]
    added: int
    already_known: int
    kept: int
    unknown_severity: int  # issues never accepted: their severity could not be read


def _groups(reported: Sequence[Reported]) -> Iterator[tuple[str | None, str, list[Issue]]]:
    """The reported issues run by run (consecutive issues of one test and feature)."""
    group: list[Issue] = []
    key: tuple[str | None, str] | None = None
    for item in reported:
        if key is not None and key != (item.test_id, item.feature):
            yield key[0], key[1], group
            group = []
        key = (item.test_id, item.feature)
        group.append(item.issue)
    if key is not None:
        yield key[0], key[1], group


def merge(
    existing: Baseline,
    reported: Sequence[Reported],
    *,
    today: date,
    scope: Scope = "test",
    reason: str | None = None,
    expires: date | None = None,
) -> Merged:
    """Every existing entry as it is, and one new entry per reported issue that no entry
    (old or just added) matches."""
    entries = list(existing.entries)
    added = already = unknown = 0
    for test_id, feature, issues in _groups(reported):
        matcher = Matcher(Baseline(tuple(entries), existing.path), today)
        found = matcher.match(issues, test_id=test_id, feature=feature)
        already += len(found)
        for n, issue in enumerate(issues):
            if n in found:
                continue
            if issue.severity is None:  # never accepted: it could be anything
                unknown += 1
                continue
            entries.append(
                entry_for(
                    Reported(test_id, feature, issue), scope=scope, reason=reason, expires=expires
                )
            )
            added += 1
    return Merged(entries, added, already, len(existing.entries), unknown)
