"""Which issues of a run are known: matched, one to one, to the entries of the baseline.

An issue matches an entry when the entry is about this run's test (or feature, or any test),
has not expired, has the same type and page (an entry without a page: any page), accepts the
issue's severity, and their titles are at least ``THRESHOLD`` similar. Each entry matches at
most one issue of a run and each issue at most one entry: best pairs first, ties broken by
the entries' content, so the answer depends neither on anything but the inputs nor on the
order of the file. Every match says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from testerarmy_wait.baseline.fingerprint import likeness, page_of, type_of, words_of
from testerarmy_wait.baseline.model import Baseline, Entry

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue

#: Title similarity (Dice coefficient of content words) from which two reports are the same
#: problem; chosen with bench/baseline_matching.py.
THRESHOLD: Final = 0.3
#: With more entries than this on one page, candidates are those sharing a title word.
_INDEX_FROM: Final = 32


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    why: str


@dataclass(frozen=True)
class BaselineOutcome:
    """What the baseline did in this job."""

    path: str
    entries: int
    known: int  # issues matched, over all runs
    no_longer_seen: tuple[Entry, ...]  # applied to a judged run, matched nothing
    expired: tuple[Entry, ...]


class _Page:
    """The entries of one (type, page), with a word index once there are many."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, Entry]] = []
        self._by_word: dict[str, list[int]] | None = None

    def candidates(self, words: frozenset[str]) -> list[tuple[int, Entry]]:
        if len(self.entries) <= _INDEX_FROM:
            return self.entries
        if self._by_word is None:
            self._by_word = defaultdict(list)
            for position, (_n, entry) in enumerate(self.entries):
                for word in entry.all_words:
                    self._by_word[word].append(position)
        positions = sorted({p for w in words for p in self._by_word.get(w, ())})
        return [self.entries[p] for p in positions]


class Matcher:
    """A baseline made ready for matching on ``today`` (expired entries left out)."""

    def __init__(self, baseline: Baseline, today: date, threshold: float = THRESHOLD) -> None:
        self.baseline = baseline
        self.today = today
        self.threshold = threshold
        self._pages: dict[tuple[str, str | None], _Page] = defaultdict(_Page)
        for n, entry in enumerate(baseline.entries):
            if not entry.expired(today):
                self._pages[(entry.type, entry.page)].entries.append((n, entry))

    def _candidates(self, kind: str, page: str, words: frozenset[str]) -> list[tuple[int, Entry]]:
        found: list[tuple[int, Entry]] = []
        for key in ((kind, page), (kind, None)):
            if key in self._pages:
                found += self._pages[key].candidates(words)
        return found

    def match(
        self, issues: Sequence[Issue], *, test_id: str | None, feature: str
    ) -> dict[int, tuple[int, Match]]:
        """Issue position -> (entry position, match), one to one."""
        pairs: list[tuple[float, int, int, Entry, str]] = []
        for i, issue in enumerate(issues):
            kind, page = type_of(issue.type), page_of(issue.url)
            words = words_of(issue.name)
            everything = words | words_of(issue.description)
            for n, entry in self._candidates(kind, page, everything):
                if not entry.applies_to(test_id, feature):
                    continue
                if issue.severity is None:
                    continue  # an unreadable severity is never accepted
                if entry.severity is not None and issue.severity > entry.severity:
                    continue
                score = likeness(words, everything, entry.words, entry.all_words)
                if score >= self.threshold:
                    pairs.append((-score, i, n, entry, page))
        # Best first; ties go to the same entry whatever the order of the file.
        pairs.sort(key=lambda p: (p[0], p[1], p[3].sort_key(), p[2]))
        taken_issues: dict[int, tuple[int, Match]] = {}
        taken_entries: set[int] = set()
        for negative, i, n, entry, page in pairs:
            if i in taken_issues or n in taken_entries:
                continue
            taken_entries.add(n)
            words = words_of(issues[i].name)
            why = _why(entry, page, -negative, words, self.threshold)
            taken_issues[i] = (n, Match(entry, -negative, why))
        return taken_issues


def _why(entry: Entry, page: str, score: float, words: frozenset[str], threshold: float) -> str:
    shared = ", ".join(sorted(words & entry.words)[:8])
    where = f"page {page or '(none)'}" if entry.page is not None else "any page"
    line = f" ({entry.where})" if entry.line else ""
    return (
        f"baseline entry{line} for {entry.scope}: same type ({entry.type}), {where}, "
        f"title {score:.2f} similar (at least {threshold:.2f}; shared words: {shared})"
    )


def outcome_of(
    matcher: Matcher,
    judged: Sequence[tuple[str | None, str]],
    matched_entries: set[int],
    known: int,
) -> BaselineOutcome:
    """The job's baseline outcome: ``judged`` lists (testId, feature) of every run that
    finished with a report; ``matched_entries`` the positions of entries that matched."""
    entries = matcher.baseline.entries
    expired = tuple(e for e in entries if e.expired(matcher.today))
    gone = tuple(
        e
        for n, e in enumerate(entries)
        if n not in matched_entries
        and not e.expired(matcher.today)
        and any(e.applies_to(test_id, feature) for test_id, feature in judged)
    )
    return BaselineOutcome(
        path=matcher.baseline.path,
        entries=len(entries),
        known=known,
        no_longer_seen=gone,
        expired=expired,
    )
