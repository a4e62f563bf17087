"""How well a baseline recognises known issues the agent reworded, and how often it takes a
new problem for a known one; and how fast it matches thousands of issues. Reproduce with:

    python bench/baseline_matching.py [--thresholds 0.3 0.4 0.5] [--size 5000]

The corpus is the sandbox's ``rewordings``: 16 problems on 6 pages, each in five wordings
(title, description and URL with other ids and queries), several problems on one page.

- Known, reworded: for every ordered pair of wordings (a, b), the baseline holds every problem
  in wording a and the run reports every problem in wording b. A report that matches no entry
  is a *missed match*; one that matches another problem's entry is a *wrong match*.
- New beside known: the same, with one problem left out of the baseline (each in turn); its
  report must match nothing. Matching it to an entry is a *wrong match* (a new problem that
  would not block).
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Sequence
from datetime import date

from testerarmy_wait.baseline.fingerprint import page_of
from testerarmy_wait.baseline.matching import THRESHOLD, Matcher
from testerarmy_wait.baseline.model import Baseline, Entry
from testerarmy_wait.models import Issue
from testerarmy_wait.sandbox.rewordings import HELD_OUT, PROBLEMS, Problem

TODAY = date(2026, 11, 29)


def entry_of(problem: Problem, wording: int) -> Entry:
    issue = problem.issue(wording)
    return Entry(
        title=issue["name"],
        description=issue["description"],
        type=problem.type,
        page=page_of(issue["url"]),
        severity=problem.severity,
    )


def issue_of(problem: Problem, wording: int) -> Issue:
    return Issue.model_validate(problem.issue(wording))


def judge(
    problems: Sequence[Problem], known: Sequence[Problem], a: int, b: int, threshold: float
) -> tuple[int, int, int, int]:
    """(reports of known problems, missed, wrong, new problems matched)."""
    entries = [entry_of(p, a) for p in known]
    matcher = Matcher(Baseline(tuple(entries)), TODAY, threshold)
    issues = [issue_of(p, b) for p in problems]
    found = matcher.match(issues, test_id=None, feature="")
    total = missed = wrong = new_matched = 0
    for i, problem in enumerate(problems):
        hit = found.get(i)
        if problem not in known:
            new_matched += hit is not None
            continue
        total += 1
        if hit is None:
            missed += 1
        elif known[hit[0]] is not problem:
            wrong += 1
    return total, missed, wrong, new_matched


def rates(problems: Sequence[Problem], threshold: float) -> tuple[str, str, str]:
    total = missed = wrong = 0
    new_total = new_wrong = 0
    for a, b in itertools.permutations(range(5), 2):
        t, m, w, _ = judge(problems, problems, a, b, threshold)
        total, missed, wrong = total + t, missed + m, wrong + w
        for left_out in problems:
            known = [p for p in problems if p is not left_out]
            t, m, w, n = judge(problems, known, a, b, threshold)
            total, missed, wrong = total + t, missed + m, wrong + w
            new_total, new_wrong = new_total + 1, new_wrong + n
    return (
        f"{missed}/{total} = {missed / total:.1%}",
        f"{wrong}/{total} = {wrong / total:.1%}",
        f"{new_wrong}/{new_total} = {new_wrong / new_total:.1%}",
    )


def speed(size: int, pages: int, rounds: int = 3) -> float:
    """Median seconds to match ``size`` issues against ``size`` entries spread over about
    ``pages`` pages (the corpus's pages under ``pages / 6`` areas), titles drawn from the
    corpus with a case number so that no two are alike."""
    rng = random.Random(7)
    areas = max(1, pages // 6)
    entries, issues = [], []
    for n in range(size):
        problem = rng.choice(PROBLEMS)
        area = f"/area{rng.randrange(areas)}"
        base = entry_of(problem, rng.randrange(5))
        entries.append(
            Entry(
                title=f"{base.title} (case {n % 97})",
                description=base.description,
                type=base.type,
                page=area + (base.page or ""),
                severity=base.severity,
            )
        )
        raw = problem.issue(rng.randrange(5))
        raw["name"] += f" (case {rng.randrange(97)})"
        raw["url"] = "https://app.example.com" + area + page_of(raw["url"])
        issues.append(Issue.model_validate(raw))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        Matcher(Baseline(tuple(entries)), TODAY).match(issues, test_id=None, feature="")
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--thresholds", type=float, nargs="+", default=[0.2, 0.25, 0.3, 0.35, 0.4, 0.5]
    )
    parser.add_argument("--size", type=int, default=5000)
    args = parser.parse_args()
    print(f"chosen threshold {THRESHOLD}; 5 wordings of every problem")
    print("| corpus | threshold | missed (known, reworded) | wrong (known, reworded) |", end="")
    print(" new taken for known |")
    print("|---|---|---|---|---|")
    for name, problems in (
        (f"tuning set, {len(PROBLEMS)} problems", PROBLEMS),
        (f"held out, {len(HELD_OUT)} problems", HELD_OUT),
    ):
        for threshold in args.thresholds:
            missed, wrong, new = rates(problems, threshold)
            print(f"| {name} | {threshold:.2f} | {missed} | {wrong} | {new} |")
    print(f"\n| {args.size} issues against {args.size} entries | median of 3 |\n|---|---|")
    for pages in (6000, 600, 6):
        seconds = speed(args.size, pages)
        print(f"| spread over about {pages} pages | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
