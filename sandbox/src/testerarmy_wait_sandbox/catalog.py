"""The named scenarios the sandbox ships with.

=================  =========================================================
name               what the run reports once it is terminal
=================  =========================================================
passes             completed, PASS, 5 passed steps, 2 screenshots
issues-found       completed, FAILED: issues of severity 5/4/3, warnings of
                   severity 2/1, failed steps with errorCodes, screenshots,
                   reproduction steps, expected/actual
warnings-only      completed, PASS with two warnings (severity 2 and 1)
infra-failure      failed, output null, error {code, message}, autoRetryCount 2
planner-skipped    completed, CI run, output {kind: planner_skipped, reason}
cancelled          cancelled (by someone else) while running, output null
slow               completed, PASS after 30 s queued and 25 min running
checkout-flow      completed, FAILED: a shop checkout, critical payment bug,
                   major discount bug, minor warning, 12 steps, screenshots
hostile            completed, FAILED; every server string carries workflow
                   commands, delimiter look-alikes, markdown/HTML, ANSI and
                   control characters, newlines
hostile-failed     failed; error code and message are hostile
hostile-skipped    completed, planner_skipped with a hostile reason
huge               completed, FAILED: 2 MB description, 5,000 issues,
                   10,000 steps
reworded-issues    completed, FAILED: four account problems (three on one
                   page), in other words and URLs on every run
known-issue-fixed  completed, FAILED: the same problems reworded, one fixed
new-beside-known   completed, FAILED: the same problems reworded, and a new
                   one on a page a known one is on
=================  =========================================================

``passes`` to ``checkout-flow`` are plain data in ``data/builtin.json`` (a scenario file); the
others are built here, the hostile and account ones from pieces kept there too.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Final

from .builtin_data import DATA
from .scenarios import STEP_ERROR_CODES, JSONObject, Scenario

_PLAIN: Final = {s["name"]: s for s in DATA["scenarios"]}
SHOTS = "https://cdn.sandbox.tester.army/screenshots"

#: Every piece of hostile text the ``hostile`` scenarios carry.
HOSTILE_PIECES: tuple[str, ...] = tuple(DATA["hostilePieces"])

#: One string with every hostile piece, one per line.
HOSTILE_TEXT = "\n".join(HOSTILE_PIECES)


def hostile(prefix: str) -> str:
    """A plausible start followed by every hostile piece."""
    return f"{prefix}\n{HOSTILE_TEXT}"


def _hostile() -> Scenario:
    issues = [
        {
            "type": kind,
            "name": hostile(f"Hostile {kind} {severity}"),
            "description": hostile("description"),
            "url": url,
            "severity": severity,
            "reproductionSteps": [hostile("step 1"), *HOSTILE_PIECES],
            "expectedBehavior": hostile("expected"),
            "actualBehavior": hostile("actual"),
            "tMs": 1000 * severity,
            "screenshotUrl": hostile("javascript:alert(1)"),
        }
        for severity, kind, url in (
            (5, "issue", "javascript:alert(1)"),
            (3, "issue", "https://evil.example/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
            (1, "warning", "https://evil.example/a?b=%0A::error::x"),
        )
    ]
    steps: list[JSONObject] = [
        {
            "stepIndex": i,
            "title": hostile(f"title {i}"),
            "type": "act",
            "status": "failed" if i % 2 else "passed",
            "summary": hostile(f"summary {i}"),
            "error": hostile(f"error {i}") if i % 2 else None,
            "startedAtMs": i * 1000,
            "completedAtMs": i * 1000 + 900,
            **({"errorCode": "STEP_NO_CONCLUSION"} if i % 2 else {}),
        }
        for i in range(4)
    ]
    return Scenario(
        name="hostile",
        description="completed, FAILED; hostile text in every server string",
        queued_seconds=1,
        running_seconds=20,
        output={
            "featureName": hostile("Checkout"),
            "result": "FAILED",
            "description": hostile("description"),
            "issues": issues,
            "screenshots": [hostile("javascript:alert(1)"), *HOSTILE_PIECES],
            "steps": steps,
        },
        test_plan={
            "instructions": HOSTILE_TEXT,
            "focusAreas": list(HOSTILE_PIECES),
            "complexity": "simple",
            "changeType": "frontend",
            "steps": [{"title": piece, "type": "act"} for piece in HOSTILE_PIECES[:10]],
        },
        fields={
            "userName": hostile("user"),
            "externalRef": {"note": HOSTILE_TEXT},
            "input": {"prompt": HOSTILE_TEXT, "targetUrl": "https://evil.example/"},
        },
    )


def _hostile_failed() -> Scenario:
    return Scenario(
        name="hostile-failed",
        description="failed; hostile error code and message",
        status="failed",
        queued_seconds=1,
        running_seconds=5,
        error={"code": hostile("INTERNAL"), "message": hostile("message")},
        fields={"userName": hostile("user")},
    )


def _hostile_skipped() -> Scenario:
    return Scenario(
        name="hostile-skipped",
        description="completed, planner_skipped with a hostile reason",
        queued_seconds=1,
        running_seconds=3,
        output={"kind": "planner_skipped", "reason": hostile("reason")[:2000]},
        fields={"type": "ci"},
    )


def _huge() -> Scenario:
    sentence = "The agent walked through the page and checked every control. "
    description = (sentence * (2 * 1024 * 1024 // len(sentence) + 1))[: 2 * 1024 * 1024]
    issues: list[JSONObject] = []
    for i in range(5000):
        issues.append(
            {
                "type": "warning" if i % 3 == 0 else "issue",
                "name": f"Issue {i}: control {i} misbehaves",
                "description": f"Control {i} did not respond as expected.",
                "url": f"https://app.example.com/page/{i % 97}",
                "severity": i % 5 + 1,
                "reproductionSteps": [f"Open page {i % 97}", f"Use control {i}"],
                "expectedBehavior": "It responds",
                "actualBehavior": "It does not",
                "tMs": i * 10,
            }
        )
    steps: list[JSONObject] = []
    for i in range(10000):
        step: JSONObject = {
            "stepIndex": i,
            "title": f"Step {i}",
            "type": "act",
            "status": "failed" if i % 50 == 49 else "passed",
            "summary": f"Did step {i}",
            "error": "It went wrong" if i % 50 == 49 else None,
            "startedAtMs": i * 100,
            "completedAtMs": i * 100 + 90,
        }
        if i % 50 == 49:
            step["errorCode"] = STEP_ERROR_CODES[i % len(STEP_ERROR_CODES)]
        steps.append(step)
    return Scenario(
        name="huge",
        description="completed, FAILED: 2 MB description, 5,000 issues, 10,000 steps",
        queued_seconds=1,
        running_seconds=1000,
        output={
            "featureName": "Everything",
            "result": "FAILED",
            "description": description,
            "issues": issues,
            "screenshots": [f"{SHOTS}/huge-{i}.png" for i in range(100)],
            "steps": steps,
        },
    )


# ---------------------------------------------------------------- known issues, reworded
#: Wordings of the account problems that the matcher recognises in one another as known
#: (wordings 2 and 3 of some of them it shows only as possibly known; see
#: bench/baseline_matching.py).
_ACCOUNT_WORDINGS = (0, 1, 4)


def _account_output(keys: Sequence[str], wording: int, *new: str) -> JSONObject:
    """The account run's output with the problems ``keys`` in ``wording``, ``new`` in 0."""
    from .rewordings import problem

    output: JSONObject = copy.deepcopy(DATA["account"]["output"])
    issues = [problem(k).issue(wording) for k in keys] + [problem(k).issue(0) for k in new]
    return {
        **output,
        "description": f"{output['description']} {len(issues)} issues found.",
        "issues": issues,
        "screenshots": [f"{SHOTS}/account-{wording}.png"],
    }


def _account(name: str, description: str, **fields: Any) -> Scenario:
    account = copy.deepcopy(DATA["account"])
    return Scenario.from_dict({**account, "name": name, "description": description, **fields})


def _reworded_issues() -> Scenario:
    from .rewordings import KNOWN_SET

    return _account(
        "reworded-issues",
        "completed, FAILED: the same four account problems, in other words on every run",
        output=_account_output(KNOWN_SET, 0),
        outputVariants=[_account_output(KNOWN_SET, n) for n in _ACCOUNT_WORDINGS],
    )


def _known_issue_fixed() -> Scenario:
    from .rewordings import FIXED, KNOWN_SET

    return _account(
        "known-issue-fixed",
        "completed, FAILED: the account problems reworded, the avatar upload one fixed",
        output=_account_output([k for k in KNOWN_SET if k != FIXED], 4),
    )


def _new_beside_known() -> Scenario:
    from .rewordings import KNOWN_SET, NEW

    return _account(
        "new-beside-known",
        "completed, FAILED: the account problems reworded, and a new one on the orders page",
        output=_account_output(KNOWN_SET, 1, NEW),
    )


_BUILT: dict[str, Callable[[], Scenario]] = {
    "hostile": _hostile,
    "hostile-failed": _hostile_failed,
    "hostile-skipped": _hostile_skipped,
    "huge": _huge,
    "reworded-issues": _reworded_issues,
    "known-issue-fixed": _known_issue_fixed,
    "new-beside-known": _new_beside_known,
}

#: Names of the built-in scenarios.
BUILTIN_SCENARIOS: tuple[str, ...] = (*_PLAIN, *_BUILT)


@cache
def builtin_scenario(name: str) -> Scenario:
    """The built-in scenario called ``name`` (KeyError if there is none)."""
    if name in _PLAIN:  # a copy: a run's output must never change the catalog's data
        return Scenario.from_dict(copy.deepcopy(_PLAIN[name]))
    try:
        builder = _BUILT[name]
    except KeyError:
        raise KeyError(
            f"unknown scenario {name!r}; built-in: {', '.join(BUILTIN_SCENARIOS)}"
        ) from None
    return builder()
