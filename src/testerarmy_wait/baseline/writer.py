"""Accepting today's issues: entries from a finished run or a JSON report, merged into an
existing baseline without touching what is there (reasons and expiry dates stay), one entry
per issue that no entry already matches. Pure: the command does the reading and writing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final, Literal

from testerarmy_wait.baseline.fingerprint import MAX_STEPS, page_of, step_at, type_of
from testerarmy_wait.baseline.matching import Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.errors import UsageError
from testerarmy_wait.models import Issue, Run, Step
from testerarmy_wait.redaction import cut

TITLE_CHARS: Final = 300
DESCRIPTION_CHARS: Final = 500
#: Of a reproduction step kept in an entry; at most ``MAX_STEPS`` of them.
STEP_CHARS: Final = 200
Scope = Literal["test", "feature", "any"]


@dataclass(frozen=True)
class Reported:
    """One issue of one run, as the writer needs it."""

    test_id: str | None
    feature: str
    issue: Issue
    step: str | None = None  # the test step it was reported in


def _cut(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    return cut(" ".join(text.split()), limit)


def from_run(run: Run) -> list[Reported]:
    output = run.test_output
    if output is None:
        raise UsageError(f"run {run.id} has no test report to accept (status {run.status})")
    return [
        Reported(run.test_id, output.feature_name, i, step_at(i.t_ms, output.steps))
        for i in output.issues
    ]


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
        steps = _steps_of(run.get("steps"))
        for key in ("issues", "knownIssues"):
            items = run.get(key) or []
            if not isinstance(items, list):
                raise UsageError(f"{display}: runs[{n}].{key} is not a list")
            for m, raw in enumerate(items):
                try:
                    issue = Issue.model_validate(raw)
                except ValueError:
                    raise UsageError(f"{display}: runs[{n}].{key}[{m}] is not an issue") from None
                out.append(Reported(test_id, feature, issue, step_at(issue.t_ms, steps)))
    return out


def _steps_of(raw: Any) -> list[Step]:
    """The steps a report lists (those it cannot read left out)."""
    steps = []
    for item in raw if isinstance(raw, list) else []:
        try:
            steps.append(Step.model_validate(item))
        except ValueError:
            continue
    return steps


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
        expected=_cut(issue.expected_behavior, DESCRIPTION_CHARS),
        actual=_cut(issue.actual_behavior, DESCRIPTION_CHARS),
        reproduction=tuple(
            c for c in (_cut(s, STEP_CHARS) for s in issue.reproduction_steps[:MAX_STEPS]) if c
        ),
        step=_cut(reported.step, TITLE_CHARS),
        test_id=test_id,
        feature=feature,
        severity=issue.severity,
        reason=reason,
        expires=expires,
    )


def _enriched(entry: Entry, item: Reported) -> Entry:
    """A version-1 entry (title and description only) with what version 2 keeps of the
    issue that matched it; any other entry as it is."""
    if not entry.legacy:
        return entry
    fresh = entry_for(item, scope="any", reason=None, expires=None)
    return replace(
        entry,
        expected=fresh.expected,
        actual=fresh.actual,
        reproduction=fresh.reproduction,
        step=fresh.step,
        fields=(),
        all_words=frozenset(),
    )


@dataclass(frozen=True)
class Merged:
    entries: list[Entry]
    added: int
    already_known: int
    kept: int
    unknown_severity: int  # issues never accepted: their severity could not be read


def _groups(reported: Sequence[Reported]) -> Iterator[tuple[str | None, str, list[Reported]]]:
    """The reported issues run by run (consecutive issues of one test and feature)."""
    group: list[Reported] = []
    key: tuple[str | None, str] | None = None
    for item in reported:
        if key is not None and key != (item.test_id, item.feature):
            yield key[0], key[1], group
            group = []
        key = (item.test_id, item.feature)
        group.append(item)
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
    (old or just added) matches. An entry of version 1 of the file that an issue matches
    gains the issue's expected and actual behaviour, reproduction steps and step (its title,
    description, scope, severity, reason and expiry stay): from then on it is matched by all
    of them."""
    entries = list(existing.entries)
    added = already = unknown = 0
    for test_id, feature, issues in _groups(reported):
        matcher = Matcher(Baseline(tuple(entries), existing.path), today)
        found = matcher.match(
            [r.issue for r in issues],
            test_id=test_id,
            feature=feature,
            steps=[r.step for r in issues],
        ).known
        already += len(found)
        for n, item in enumerate(issues):
            issue = item.issue
            if n in found:
                position, _match = found[n]
                entries[position] = _enriched(entries[position], item)
                continue
            if issue.severity is None:  # never accepted: it could be anything
                unknown += 1
                continue
            entries.append(entry_for(item, scope=scope, reason=reason, expires=expires))
            added += 1
    return Merged(entries, added, already, len(existing.entries), unknown)
