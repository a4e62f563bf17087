"""A baseline: the issues a team has reviewed and accepted, each as one entry.

An entry names a problem by its type, its page (see ``fingerprint.page_of``; absent: any page)
and its title, for one test (``testId``), one feature (``feature``) or any test; the agent's
description, expected and actual behaviour, reproduction steps and test step, as it wrote
them once, give more to recognise the problem by. It may say why it is accepted
(``reason``), until when (``expires``) and the worst severity accepted (``severity``: a
report of the same problem that got worse is new again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from testerarmy_wait.baseline.fingerprint import feature_key, report_fields, words_of

FORMAT_VERSION: Final = 2
#: Versions read: 1 has no expected, actual, reproduction or step keys.
READ_VERSIONS: Final = (1, 2)
SCHEMA_URL: Final = (
    "https://raw.githubusercontent.com/testerarmy-wait/testerarmy-wait/main/"
    "src/testerarmy_wait/baseline/baseline.schema.json"
)


@dataclass(frozen=True)
class Entry:
    title: str
    type: str = "issue"
    description: str | None = None  # as the agent wrote it once: more words to match
    page: str | None = None  # None: any page; "": an issue without a URL
    test_id: str | None = None
    feature: str | None = None
    severity: int | None = None  # the worst severity accepted; None: any
    reason: str | None = None
    expires: date | None = None
    expected: str | None = None
    actual: str | None = None
    reproduction: tuple[str, ...] = ()
    step: str | None = None  # the test step it was reported in
    line: int = 0  # where the entry starts in its file (0: not from a file)
    words: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    all_words: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    fields: tuple[frozenset[str], ...] = field(default=(), compare=False, repr=False)
    _order: tuple[str, str, str, str, str, str] = field(
        default=("",) * 6, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.words:
            object.__setattr__(self, "words", words_of(self.title))
        if not self.fields:
            parts = report_fields(
                self.title, self.description, self.expected, self.actual, self.reproduction
            )
            object.__setattr__(self, "fields", parts)
        if not self.all_words:
            object.__setattr__(self, "all_words", frozenset().union(*self.fields))
        object.__setattr__(self, "_order", self._sort_key())

    @property
    def legacy(self) -> bool:
        """Written by version 1 of the file: title and description only, no step."""
        return (self.expected, self.actual, self.reproduction, self.step) == (None, None, (), None)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def applies_to(self, test_id: str | None, feature: str) -> bool:
        """Whether this entry is about a run of ``test_id`` / ``feature``."""
        if self.test_id is not None:
            return test_id is not None and test_id.casefold() == self.test_id.casefold()
        if self.feature is not None:
            return feature_key(feature) == feature_key(self.feature)
        return True

    @property
    def scope(self) -> str:
        if self.test_id is not None:
            return f"test {self.test_id}"
        if self.feature is not None:
            return f"feature {self.feature}"
        return "any test"

    @property
    def where(self) -> str:
        """``line 12`` of its file, or nothing."""
        return f"line {self.line}" if self.line else ""

    def sort_key(self) -> tuple[str, str, str, str, str, str]:
        """The file's order: test, feature, page (any page last), type, title."""
        return self._order

    def _sort_key(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.test_id or "",
            feature_key(self.feature),
            self.page if self.page is not None else "\uffff",
            self.type,
            self.title.casefold(),
            self.title,
        )

    def to_json(self) -> dict[str, Any]:
        """The entry as the file holds it (keys in a fixed order, absent ones left out)."""
        out: dict[str, Any] = {}
        if self.test_id is not None:
            out["testId"] = self.test_id
        if self.feature is not None:
            out["feature"] = self.feature
        out["type"] = self.type
        if self.page is not None:
            out["page"] = self.page
        out["title"] = self.title
        if self.description is not None:
            out["description"] = self.description
        if self.expected is not None:
            out["expected"] = self.expected
        if self.actual is not None:
            out["actual"] = self.actual
        if self.reproduction:
            out["reproduction"] = list(self.reproduction)
        if self.step is not None:
            out["step"] = self.step
        if self.severity is not None:
            out["severity"] = self.severity
        if self.reason is not None:
            out["reason"] = self.reason
        if self.expires is not None:
            out["expires"] = self.expires.isoformat()
        return out


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]
    path: str = ""  # as the user gave it (relative to the workspace)
