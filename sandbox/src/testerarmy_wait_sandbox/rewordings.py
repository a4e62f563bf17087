"""The same problems, reported in different words: what an AI agent writes when it meets a
known bug again on the next run. Each problem has five wordings of its title and description
and five URLs of its page (other ids, queries and fragments); several problems share a page
and words, as real ones do. The baseline scenarios play them, and the matching benchmark
measures missed and wrong matches on them. They are kept in ``data/builtin.json``; the
benchmark's held-out problems, in ``bench/corpora/sandbox-held-out.json``, are read with
``problems_from``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from .builtin_data import DATA


@dataclass(frozen=True)
class Problem:
    key: str
    type: str
    severity: int
    urls: tuple[str, ...]
    titles: tuple[str, ...]
    descriptions: tuple[str, ...]

    def issue(self, wording: int) -> dict[str, Any]:
        """The issue as the agent reports it, in wording ``wording`` (0-4)."""
        n = wording % len(self.titles)
        return {
            "type": self.type,
            "severity": self.severity,
            "name": self.titles[n],
            "description": self.descriptions[n],
            "url": self.urls[n % len(self.urls)],
            "reproductionSteps": [f"Open {self.urls[n % len(self.urls)]}", "Look at the page"],
            "screenshotUrl": f"https://cdn.sandbox.tester.army/screenshots/{self.key}-{n}.png",
        }


def problems_from(items: list[dict[str, Any]]) -> tuple[Problem, ...]:
    """Problems from their JSON form (key, type, severity, urls, titles, descriptions)."""
    return tuple(
        Problem(
            p["key"],
            p["type"],
            p["severity"],
            tuple(p["urls"]),
            tuple(p["titles"]),
            tuple(p["descriptions"]),
        )
        for p in items
    )


PROBLEMS: Final = problems_from(DATA["problems"])

#: The problems the baseline scenarios play: an account area with three problems on its
#: profile page (different problems, one page) and one on its orders page.
KNOWN_SET: Final = ("profile-save", "profile-save-contrast", "profile-avatar", "order-total")
FIXED: Final = "profile-avatar"  # gone in known-issue-fixed
NEW: Final = "order-invoice"  # new beside the known ones, on a page a known one is on


def problem(key: str) -> Problem:
    return next(p for p in PROBLEMS if p.key == key)
