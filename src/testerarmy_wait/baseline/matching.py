"""Which issues of a run are known: matched, one to one, to the entries of the baseline, in two
tiers. A *known* issue is a confident match and never blocks; a *possible* one is new (it
blocks as usual) but is shown as possibly the known issue it resembles, with the command that
accepts it. Never the other way round: every doubt makes an issue new.

An issue and an entry are compared when the entry is about this run's test (or feature, or
any test), has not expired, has the same type and is in the same place: the same page, the
same test step, the same area of the app (the first segment of the path), or an entry for any
page. Their likeness is the Dice coefficient of their words (title, description, expected and
actual behaviour, reproduction steps), each word weighted by how rare it is among the run's
issues and the entries compared (a word every report of the page uses says little about which
problem it is). Pairs are taken best first, one to one. A pair is known when its likeness
reaches ``THRESHOLD`` and that of the titles alone ``TITLE_FROM`` (a look-alike problem of
the page shares the rest of the words), it stands ``MARGIN`` clear of the next best entry of
the issue still free and the next best issue of the entry (matched elsewhere or not), and the
issue is no worse than the severity accepted; any other pair from ``POSSIBLE_FROM`` is
possible. Ties are broken by the entries' content, so the answer depends on nothing but the
inputs, not even on the order of the file.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final

from testerarmy_wait.baseline.fingerprint import (
    area_of,
    feature_key,
    issue_fields,
    page_of,
    step_key,
    type_of,
)
from testerarmy_wait.baseline.fingerprint import (
    similarity as dice,
)
from testerarmy_wait.baseline.model import Baseline, Entry

if TYPE_CHECKING:
    from testerarmy_wait.models import Issue

#: Likeness from which a match is known; chosen with bench/baseline_matching.py so that no
#: new problem of its tuning corpora is taken for a known one, with one or two wordings of
#: each problem accepted.
THRESHOLD: Final = 0.41
#: For an entry of version 1 of the file (title and description only, no step): the
#: unweighted likeness of titles, or of titles and descriptions, from which it is known, on
#: its own page only; as version 1 matched, so that a file written then keeps its matches.
LEGACY_THRESHOLD: Final = 0.30
#: Likeness of the titles alone from which a match can be known: a look-alike problem of the
#: same page shares the description's and the steps' words, rarely the title's. Chosen with
#: bench/baseline_matching.py so that a new problem reported alone (no report of the known
#: problems to stand as a rival) is not taken for a known one either.
TITLE_FROM: Final = 0.40
#: A pair whose titles are less alike than ``TITLE_FROM`` counts as this far below the
#: threshold, so that it sorts, and rivals others, as a pair that cannot be known.
_TITLE_GAP: Final = 0.005
#: A known match stands this far above the issue's and the entry's next best pair.
MARGIN: Final = 0.10
#: Likeness from which an issue is shown as possibly a known one (it stays new).
POSSIBLE_FROM: Final = 0.15
#: Added to every word's inverse document frequency, so that words shared by every report
#: still count a little.
_IDF_FLOOR: Final = 0.5


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    why: str
    doubt: str = ""  # why it is only possibly this entry (new all the same); "": known

    @property
    def known(self) -> bool:
        return not self.doubt


@dataclass(frozen=True)
class Found:
    """Issue position -> (entry position, match), one to one over both tiers."""

    known: dict[int, tuple[int, Match]] = field(default_factory=dict)
    possible: dict[int, tuple[int, Match]] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineOutcome:
    """What the baseline did in this job."""

    path: str
    entries: int
    known: int  # issues matched, over all runs
    no_longer_seen: tuple[Entry, ...]  # applied to a judged run, matched nothing
    expired: tuple[Entry, ...]
    possible: int = 0  # new issues shown as possibly a known one


@dataclass(frozen=True)
class _Report:
    """What an issue is compared by."""

    kind: str
    page: str
    area: str
    step: str
    fields: tuple[frozenset[str], ...]  # words of each part (see ``fingerprint.FIELDS``)
    words: frozenset[str]  # all of them


def _weights(documents: Sequence[frozenset[str]]) -> dict[str, float]:
    counts: dict[str, int] = defaultdict(int)
    for words in documents:
        for word in words:
            counts[word] += 1
    total = len(documents) + 1
    return {word: math.log(total / n) + _IDF_FLOOR for word, n in counts.items()}


class Matcher:
    """A baseline made ready for matching on ``today`` (expired entries left out)."""

    def __init__(
        self,
        baseline: Baseline,
        today: date,
        threshold: float = THRESHOLD,
        *,
        margin: float = MARGIN,
        possible_from: float = POSSIBLE_FROM,
    ) -> None:
        self.baseline = baseline
        self.today = today
        self.threshold = threshold
        self.margin = margin
        self.possible_from = min(possible_from, threshold)
        # Entries by what they apply to: a job of many runs looks only at each run's own.
        self._by_test: dict[str, list[int]] = defaultdict(list)
        self._by_feature: dict[str, list[int]] = defaultdict(list)
        self._anywhere: list[int] = []
        for n, entry in enumerate(baseline.entries):
            if entry.expired(today):
                continue
            if entry.test_id is not None:
                self._by_test[entry.test_id.casefold()].append(n)
            elif entry.feature is not None:
                self._by_feature[feature_key(entry.feature)].append(n)
            else:
                self._anywhere.append(n)

    def _applying(self, test_id: str | None, feature: str) -> list[int]:
        found = list(self._anywhere)
        if test_id is not None:
            found += self._by_test.get(test_id.casefold(), [])
        found += self._by_feature.get(feature_key(feature), [])
        return sorted(found)

    def match(
        self,
        issues: Sequence[Issue],
        *,
        test_id: str | None,
        feature: str,
        steps: Sequence[str | None] = (),
    ) -> Found:
        """The run's known and possible issues; ``steps`` names the test step each issue was
        reported in, where it is known."""
        entries = [(n, self.baseline.entries[n]) for n in self._applying(test_id, feature)]
        if not entries or not issues:
            return Found()
        reports = [
            _report(issue, steps[i] if i < len(steps) else None) for i, issue in enumerate(issues)
        ]
        weight = _weights([r.words for r in reports] + [e.all_words for _n, e in entries])
        issue_groups = _issue_groups(issues, reports)
        entry_groups = _entry_groups(entries)
        pairs = _scored(
            issue_groups,
            entry_groups,
            weight,
            threshold=self.threshold,
            floor=self.possible_from,
        )
        return self._assign(issues, pairs, weight)

    def _assign(
        self, issues: Sequence[Issue], pairs: list[_Pair], weight: dict[str, float]
    ) -> Found:
        """Best pairs first, one to one; a group of alike issues takes a group of alike
        entries member by member (issues in their order, entries in the file's sort order)."""
        pairs.sort(
            key=lambda p: (-p.score, p.issues.members[0], p.entries.order, p.entries.members[0][0])
        )
        by_issues: dict[_Issues, list[_Pair]] = defaultdict(list)  # groups hash by identity
        by_entries: dict[_Entries, list[_Pair]] = defaultdict(list)
        for pair in pairs:
            by_issues[pair.issues].append(pair)
            by_entries[pair.entries].append(pair)
        found = Found()
        for pair in pairs:
            group, pool = pair.issues, pair.entries
            if group.free == len(group.members) or pool.free == len(pool.members):
                continue
            rival = max(
                _rival_entries(by_issues[group], pool, weight, self.threshold),
                _rival_issues(by_entries[pool], group, weight, self.threshold),
            )
            while group.free < len(group.members) and pool.free < len(pool.members):
                i = group.members[group.free]
                n, entry = pool.members[pool.free]
                group.free += 1
                pool.free += 1
                doubt = _doubt(issues[i], entry, pair, rival=rival, margin=self.margin)
                why = _why(
                    entry, group.report, pair.shown, weight, threshold=pair.threshold, doubt=doubt
                )
                tier = found.possible if doubt else found.known
                tier[i] = (n, Match(entry, pair.shown, why, doubt))
        return found


@dataclass(eq=False)
class _Issues:
    """Issues of a run that are alike in everything matching looks at."""

    report: _Report
    members: list[int]  # positions in the run, ascending
    free: int = 0  # members[free:] are not matched yet
    compared: _Compared | None = None


@dataclass(eq=False)
class _Entries:
    """Entries alike in everything matching looks at, in the file's sort order."""

    entry: Entry
    members: list[tuple[int, Entry]]
    order: tuple[str, ...]
    free: int = 0
    compared: _Compared | None = None


@dataclass(frozen=True, eq=False)
class _Pair:
    score: float  # as pairs are ranked: held below the threshold when the titles differ
    issues: _Issues
    entries: _Entries
    threshold: float  # from which this pair is known
    shown: float  # the likeness itself
    titles: float = 1.0  # the likeness of the titles alone


def _issue_groups(issues: Sequence[Issue], reports: Sequence[_Report]) -> list[_Issues]:
    groups: dict[tuple[_Report, int | None], _Issues] = {}
    for i, (issue, report) in enumerate(zip(issues, reports, strict=True)):
        key = (report, issue.severity)
        if key in groups:
            groups[key].members.append(i)
        else:
            groups[key] = _Issues(report, [i])
    return list(groups.values())


def _entry_groups(entries: Sequence[tuple[int, Entry]]) -> list[_Entries]:
    groups: dict[tuple[object, ...], list[tuple[int, Entry]]] = defaultdict(list)
    for n, entry in entries:
        key = (entry.fields, entry.type, entry.page, step_key(entry.step), entry.severity)
        groups[key].append((n, entry))
    out = []
    for members in groups.values():
        members.sort(key=lambda m: (m[1].sort_key(), m[0]))
        out.append(_Entries(members[0][1], members, members[0][1].sort_key()))
    return out


def _report(issue: Issue, step: str | None) -> _Report:
    page = page_of(issue.url)
    fields = issue_fields(issue)
    words = frozenset().union(*fields)
    return _Report(type_of(issue.type), page, area_of(page), step_key(step), fields, words)


def _places(report: _Report) -> list[tuple[str, str]]:
    """The index keys an issue's entries may be found under."""
    keys = [("page", report.page), ("any", "")]
    if report.area:
        keys.append(("area", report.area))
    if report.step:
        keys.append(("step", report.step))
    return keys


def _entry_places(entry: Entry) -> list[tuple[str, str]]:
    """The index keys an entry is found under: any page, or its page, area and step."""
    if entry.page is None:
        return [("any", "")]
    keys = [("page", entry.page)]
    if area_of(entry.page):
        keys.append(("area", area_of(entry.page)))
    if entry.step is not None and step_key(entry.step):
        keys.append(("step", step_key(entry.step)))
    return keys


def _present(fields: tuple[frozenset[str], ...]) -> int:
    """Which parts a report has, as bits (the title always counts)."""
    return 1 | sum(1 << n for n, words in enumerate(fields) if words)


class _Compared:
    """A report's words over the parts it shares with another (cached per set of parts), and
    their weight."""

    def __init__(self, fields: tuple[frozenset[str], ...], weight: dict[str, float]) -> None:
        self.fields = fields
        self.has = _present(fields)
        self._weight = weight
        self._cache: dict[int, tuple[frozenset[str], float]] = {}

    def over(self, parts: int) -> tuple[frozenset[str], float]:
        if parts not in self._cache:
            words = frozenset().union(*(w for n, w in enumerate(self.fields) if parts >> n & 1))
            self._cache[parts] = (words, sum(self._weight[w] for w in words))
        return self._cache[parts]


def _dice(one: _Compared, other: _Compared, weight: dict[str, float], parts: int) -> float:
    """The weighted Dice coefficient of two reports' words in ``parts`` (bits in the order of
    ``fingerprint.FIELDS``)."""
    words, total = one.over(parts)
    other_words, other_total = other.over(parts)
    if not total or not other_total:
        return 0.0
    return 2 * sum(weight[w] for w in words & other_words) / (total + other_total)


def likeness(one: _Compared, other: _Compared, weight: dict[str, float]) -> float:
    """The weighted Dice coefficient of two reports' words, over the parts both have: an entry
    written before expected and actual behaviour were kept is not made less alike by them."""
    return _dice(one, other, weight, one.has & other.has)


def title_likeness(one: _Compared, other: _Compared, weight: dict[str, float]) -> float:
    """The weighted Dice coefficient of two reports' title words."""
    return _dice(one, other, weight, 1)


def _ranked(score: float, titles: float, known: float) -> float:
    """A pair's likeness as it ranks: below ``known`` when the titles differ."""
    return score if titles >= TITLE_FROM else min(score, known - _TITLE_GAP)


def _alike(one: _Compared, other: _Compared, weight: dict[str, float], known: float) -> float:
    return _ranked(likeness(one, other, weight), title_likeness(one, other, weight), known)


def _legacy_likeness(one: tuple[frozenset[str], ...], other: tuple[frozenset[str], ...]) -> float:
    """Version 1's likeness of two reports' parts: titles, or titles and descriptions,
    whichever is higher (unweighted Dice)."""
    return max(dice(one[0], other[0]), dice(one[0] | one[1], other[0] | other[1]))


def _scored(
    issue_groups: Sequence[_Issues],
    entry_groups: Sequence[_Entries],
    weight: dict[str, float],
    *,
    threshold: float,
    floor: float,
) -> list[_Pair]:
    """Every placed pair of groups from ``floor``: only the entries placed where the issue is
    and sharing a word with it are looked at (indexes by place and word), each pair once."""
    by_place: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for alike in entry_groups:
        alike.compared = _Compared(alike.entry.fields, weight)
    for position, alike in enumerate(entry_groups):
        for place in _entry_places(alike.entry):
            index = by_place[place]
            for word in alike.entry.all_words:
                index[word].append(position)
    out = []
    for group in issue_groups:
        report = group.report
        mine = group.compared = _Compared(report.fields, weight)
        found: set[int] = set()
        for place in _places(report):
            if place in by_place:
                index = by_place[place]
                for word in report.words:
                    found.update(index.get(word, ()))
        for position in sorted(found):
            entries = entry_groups[position]
            if entries.entry.type != report.kind:
                continue
            if entries.entry.legacy:  # as version 1 matched: on its own page (or any page)
                entry = entries.entry
                placed = entry.page is None or entry.page == report.page
                score = _legacy_likeness(report.fields, entry.fields) if placed else 0.0
                if score >= floor:
                    out.append(_Pair(score, group, entries, LEGACY_THRESHOLD, shown=score))
                continue
            score = likeness(mine, _of(entries), weight)
            titles = title_likeness(mine, _of(entries), weight)
            ranked = _ranked(score, titles, threshold)
            if ranked >= floor:
                out.append(_Pair(ranked, group, entries, threshold, shown=score, titles=titles))
    return out


def _of(group: _Issues | _Entries) -> _Compared:
    assert group.compared is not None  # set by _scored before any pair exists
    return group.compared


def _same_problem(one: _Entries, other: _Entries, weight: dict[str, float], known: float) -> bool:
    """Two entries alike enough to be one problem in two wordings (a team that accepted a
    reworded report has both): not rivals of each other."""
    if one.entry.legacy or other.entry.legacy:
        return _legacy_likeness(one.entry.fields, other.entry.fields) >= LEGACY_THRESHOLD
    return _alike(_of(one), _of(other), weight, known) >= known


def _rival_entries(
    candidates: list[_Pair], pool: _Entries, weight: dict[str, float], known: float
) -> float:
    """The best other entry of these issues still free that is not the same problem."""
    for pair in candidates:
        other = pair.entries
        if other is pool or other.free == len(other.members):
            continue
        if not _same_problem(pool, other, weight, known):
            return pair.score
    return 0.0


def _rival_issues(
    candidates: list[_Pair], group: _Issues, weight: dict[str, float], known: float
) -> float:
    """The best other issue of this entry that is not the same problem reported twice,
    matched or not: an issue that took another wording of this entry's problem (a team that
    accepted a reworded report has both) still says the problem is there, so a look-alike
    cannot have this wording for free."""
    for pair in candidates:
        other = pair.issues
        if other is group:
            continue
        if _alike(_of(group), _of(other), weight, known) < known:
            return pair.score
    return 0.0


def _doubt(issue: Issue, entry: Entry, pair: _Pair, *, rival: float, margin: float) -> str:
    """Why this pair is only possible ("" when it is known)."""
    if issue.severity is None:
        return "its severity could not be read"
    if entry.severity is not None and issue.severity > entry.severity:
        return f"severity {issue.severity} is worse than the {entry.severity} accepted"
    if pair.shown < pair.threshold:
        return f"{pair.shown:.2f} alike, below the {pair.threshold:.2f} of a known issue"
    if pair.titles < TITLE_FROM:
        shown = math.floor(pair.titles * 100) / 100  # never shown as the bar it missed
        return f"the titles are {shown:.2f} alike, below the {TITLE_FROM:.2f} of a known issue"
    score = pair.score
    if score - rival < margin:
        return f"another entry or issue is nearly as alike ({rival:.2f})"
    return ""


def _why(
    entry: Entry,
    report: _Report,
    score: float,
    weight: dict[str, float],
    *,
    threshold: float,
    doubt: str,
) -> str:
    shared = sorted(report.words & entry.all_words, key=lambda w: (-weight[w], w))[:8]
    if entry.page is None:
        where = "any page"
    elif entry.page == report.page:
        where = f"page {report.page or '(none)'}"
    elif report.step and entry.step is not None and step_key(entry.step) == report.step:
        where = f"step {entry.step}"
    else:
        where = f"area /{report.area}"
    line = f" ({entry.where})" if entry.line else ""
    verdict = f"possibly this entry, new because {doubt}" if doubt else f"at least {threshold:.2f}"
    return (
        f"baseline entry{line} for {entry.scope}: same type ({entry.type}), {where}, "
        f"{score:.2f} alike ({verdict}; shared words: {', '.join(shared)})"
    )


def outcome_of(
    matcher: Matcher,
    judged: Sequence[tuple[str | None, str]],
    matched_entries: set[int],
    known: int,
    possible: int = 0,
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
        possible=possible,
    )
