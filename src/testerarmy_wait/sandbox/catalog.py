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
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from . import rewordings
from .scenarios import STEP_ERROR_CODES, JSONObject, Scenario

SHOP = "https://shop.example.com"
SHOTS = "https://cdn.sandbox.tester.army/screenshots"

#: Every piece of hostile text the ``hostile`` scenarios carry.
HOSTILE_PIECES: tuple[str, ...] = (
    "::error::x",
    "::error file=app.js,line=1,title=pwned::owned",
    "::warning::x",
    "::notice::x",
    "::set-output name=x::y",
    "::set-output name=result::PASS",
    "::add-mask::",
    "::add-mask::sk_live_not_a_secret",
    "::stop-commands::pwned",
    "::pwned::",
    "::group::x",
    "::endgroup::",
    "::save-state name=x::y",
    "##[set-output name=result;]PASS",
    "text before ##[error]pwned",
    "##[add-mask]x",
    "%0A::error::encoded%0D%0A",
    "ghadelimiter_8a6f0b1e-5c2d-4e7f-9a3b-1c2d3e4f5a6b",
    "EOF",
    "result<<EOF\nPASS\nEOF",
    "result=PASS",
    "result=PASS\nissueCount=0",
    "TESTERARMY_RESULT=PASS",
    "</details>",
    "</summary>",
    "<details open><summary>x",
    "| a | b |",
    "|",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![pixel](https://evil.example/pixel.png)",
    "```",
    "<!--",
    "# heading",
    "@everyone",
    "${{ secrets.GITHUB_TOKEN }}",
    "$(id)",
    "`id`",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[H",
    "\x9b31m",
    "nul\x00byte",
    "bell\x07",
    "back\x08space",
    "carriage\rreturn",
    "del\x7f",
    "line\u2028separator",
    "\u202eright-to-left",
    "\ufeffbom",
    "tab\there",
    "new\nline",
)

#: One string with every hostile piece, one per line.
HOSTILE_TEXT = "\n".join(HOSTILE_PIECES)


def hostile(prefix: str) -> str:
    """A plausible start followed by every hostile piece."""
    return f"{prefix}\n{HOSTILE_TEXT}"


def _step(
    index: int,
    title: str,
    start_ms: int,
    end_ms: int,
    *,
    kind: str = "act",
    summary: str | None = None,
    error: str | None = None,
    error_code: str | None = None,
) -> JSONObject:
    step: JSONObject = {
        "stepIndex": index,
        "title": title,
        "type": kind,
        "status": "failed" if error else "passed",
        "summary": summary or title,
        "error": error,
        "startedAtMs": start_ms,
        "completedAtMs": end_ms,
    }
    if error_code:
        step["errorCode"] = error_code
    return step


def _issue(
    name: str,
    severity: int,
    *,
    kind: str = "issue",
    url: str,
    description: str,
    repro: list[str],
    expected: str,
    actual: str,
    screenshot: str | None = None,
    t_ms: int = 0,
) -> JSONObject:
    issue: JSONObject = {
        "type": kind,
        "name": name,
        "description": description,
        "url": url,
        "severity": severity,
        "reproductionSteps": repro,
        "expectedBehavior": expected,
        "actualBehavior": actual,
        "tMs": t_ms,
    }
    if screenshot:
        issue["screenshotUrl"] = screenshot
    return issue


def _passes() -> Scenario:
    steps = [
        _step(0, "Open the sign-in page", 0, 3100, kind="act"),
        _step(1, "Sign in with the test account", 3100, 11800, kind="login"),
        _step(2, "Verify the dashboard greets the user", 11800, 16400, kind="assert"),
        _step(3, "Open account settings", 16400, 24900),
        _step(4, "Capture the settings page", 24900, 27300, kind="screenshot"),
    ]
    return Scenario(
        name="passes",
        description="completed, PASS",
        queued_seconds=2,
        running_seconds=42,
        output={
            "featureName": "Sign-in",
            "result": "PASS",
            "description": "Signed in with the test account and reached account settings. "
            "No issues found.",
            "issues": [],
            "screenshots": [f"{SHOTS}/passes-1.png", f"{SHOTS}/passes-2.png"],
            "steps": steps,
        },
    )


def _issues_found() -> Scenario:
    url = "https://app.example.com"
    issues = [
        _issue(
            "Password reset link leads to a 500 page",
            5,
            url=f"{url}/reset-password",
            description="Following the reset link from the e-mail shows an internal error.",
            repro=["Open /forgot-password", "Request a reset link", "Open the link"],
            expected="A form to choose a new password",
            actual="HTTP 500 'Something went wrong'",
            screenshot=f"{SHOTS}/issues-1.png",
            t_ms=18200,
        ),
        _issue(
            "Profile photo upload never finishes",
            4,
            url=f"{url}/settings/profile",
            description="Uploading a 200 KB PNG keeps the spinner forever.",
            repro=["Open profile settings", "Choose a PNG photo", "Click Upload"],
            expected="The photo is replaced within a few seconds",
            actual="Spinner still visible after 60 s; no error shown",
            screenshot=f"{SHOTS}/issues-2.png",
            t_ms=35400,
        ),
        _issue(
            "Date of birth accepts 31 February",
            3,
            url=f"{url}/settings/profile",
            description="The date field saves an impossible date.",
            repro=["Open profile settings", "Enter 31/02/1990", "Save"],
            expected="A validation message",
            actual="'Saved' toast; the profile shows 03/03/1990",
            t_ms=41000,
        ),
        _issue(
            "Save button has low contrast",
            2,
            kind="warning",
            url=f"{url}/settings/profile",
            description="Contrast ratio 2.9:1 is below WCAG AA.",
            repro=["Open profile settings"],
            expected="Contrast of at least 4.5:1",
            actual="Contrast of 2.9:1",
            t_ms=42000,
        ),
        _issue(
            "Console warning about a deprecated API",
            1,
            kind="warning",
            url=f"{url}/dashboard",
            description="The browser console logs a deprecation warning on every page.",
            repro=["Open the dashboard", "Open the browser console"],
            expected="A clean console",
            actual="'[Deprecation] Synchronous XMLHttpRequest' on load",
            t_ms=5000,
        ),
    ]
    steps = [
        _step(0, "Sign in", 0, 6200, kind="login"),
        _step(1, "Request a password reset", 6200, 18200),
        _step(
            2,
            "Verify the reset form appears",
            18200,
            27900,
            kind="assert",
            error="Expected a password form, found an error page",
            error_code="STEP_NO_CONCLUSION",
        ),
        _step(3, "Open profile settings", 27900, 31000),
        _step(
            4,
            "Upload a profile photo",
            31000,
            96000,
            error="Upload did not finish within the step deadline",
            error_code="STEP_DEADLINE_EXHAUSTED",
        ),
        _step(5, "Enter a date of birth", 96000, 101000),
        _step(
            6,
            "Sign in as the billing admin",
            101000,
            104000,
            kind="login",
            error="The stored credential was rejected",
            error_code="AUTH_CREDENTIAL_INVALID",
        ),
        _step(7, "Capture the profile page", 104000, 106000, kind="screenshot"),
    ]
    return Scenario(
        name="issues-found",
        description="completed, FAILED with issues and warnings of mixed severities",
        queued_seconds=3,
        running_seconds=118,
        output={
            "featureName": "Account settings",
            "result": "FAILED",
            "description": "Tested password reset and profile editing. Found 3 issues "
            "(critical, major, moderate) and 2 warnings.",
            "issues": issues,
            "screenshots": [f"{SHOTS}/issues-1.png", f"{SHOTS}/issues-2.png"],
            "steps": steps,
        },
    )


def _warnings_only() -> Scenario:
    base = _passes()
    assert base.output is not None
    output = dict(base.output)
    output["featureName"] = "Search"
    output["description"] = "Search works; two non-blocking observations."
    output["issues"] = [
        _issue(
            "Search results flash an empty state",
            2,
            kind="warning",
            url="https://app.example.com/search?q=shoes",
            description="'No results' shows for ~300 ms before results render.",
            repro=["Search for 'shoes'"],
            expected="A loading indicator",
            actual="'No results' briefly visible",
            t_ms=8000,
        ),
        _issue(
            "Missing alt text on product thumbnails",
            1,
            kind="warning",
            url="https://app.example.com/search?q=shoes",
            description="Thumbnails have empty alt attributes.",
            repro=["Search for 'shoes'", "Inspect a thumbnail"],
            expected="Descriptive alt text",
            actual='alt=""',
            t_ms=9000,
        ),
    ]
    return Scenario(
        name="warnings-only",
        description="completed, PASS with two warnings",
        queued_seconds=2,
        running_seconds=51,
        output=output,
    )


def _infra_failure() -> Scenario:
    return Scenario(
        name="infra-failure",
        description="failed: the browser could not start",
        status="failed",
        queued_seconds=4,
        running_seconds=9,
        error={
            "code": "BROWSER_START_FAILED",
            "message": "The browser could not be started: no capacity in region eu-north1. "
            "Retry in a few minutes.",
        },
        fields={"autoRetryCount": 2},
    )


def _planner_skipped() -> Scenario:
    return Scenario(
        name="planner-skipped",
        description="completed, planner_skipped output (nothing user-visible to test)",
        queued_seconds=1,
        running_seconds=6,
        output={
            "kind": "planner_skipped",
            "reason": "The pull request only changes CI configuration and documentation; "
            "there is nothing user-visible to test.",
        },
        fields={"type": "ci"},
    )


def _cancelled() -> Scenario:
    return Scenario(
        name="cancelled",
        description="cancelled by someone else while running",
        status="cancelled",
        queued_seconds=2,
        running_seconds=20,
    )


def _slow() -> Scenario:
    base = _passes()
    return Scenario(
        name="slow",
        description="completed, PASS after 30 s queued and 25 minutes running",
        queued_seconds=30,
        running_seconds=25 * 60,
        output=base.output,
    )


def _checkout_flow() -> Scenario:
    titles = [
        ("Open the shop home page", "act"),
        ("Search for 'trail running shoes'", "act"),
        ("Open the first product", "act"),
        ("Choose size 42 and add to cart", "act"),
        ("Verify the cart shows 1 item at €129.00", "assert"),
        ("Apply discount code SPRING20", "act"),
        ("Verify the total drops by 20%", "assert"),
        ("Proceed to checkout as a guest", "act"),
        ("Fill in the shipping address", "act"),
        ("Pay with test card 4242 4242 4242 4242", "act"),
        ("Verify the order confirmation page", "assert"),
        ("Capture the final page", "screenshot"),
    ]
    bounds = [
        0,
        4200,
        9800,
        15300,
        22100,
        26000,
        33900,
        39400,
        47800,
        71200,
        142600,
        361500,
        366000,
    ]
    steps = []
    for i, (title, kind) in enumerate(titles):
        error = code = None
        if i == 6:
            error = "Total stayed at €129.00 after the code was accepted"
        if i == 10:
            error = "No confirmation within the step deadline; the page shows a spinner"
            code = "STEP_DEADLINE_EXHAUSTED"
        steps.append(
            _step(i, title, bounds[i], bounds[i + 1], kind=kind, error=error, error_code=code)
        )
    issues = [
        _issue(
            "Payment with a valid card never completes",
            5,
            url=f"{SHOP}/checkout/payment",
            description="After submitting a valid test card the payment step spins forever; "
            "no order is created and no error is shown.",
            repro=[
                "Add any product to the cart",
                "Check out as a guest with a valid address",
                "Pay with card 4242 4242 4242 4242, 12/34, CVC 123",
            ],
            expected="An order confirmation page with an order number",
            actual="Spinner for more than 3 minutes; POST /api/payments returned 502",
            screenshot=f"{SHOTS}/checkout-payment.png",
            t_ms=142600,
        ),
        _issue(
            "Discount code accepted but not applied",
            4,
            url=f"{SHOP}/cart",
            description="SPRING20 shows 'Code applied' but the total is unchanged.",
            repro=["Add a €129.00 product to the cart", "Enter SPRING20", "Click Apply"],
            expected="Total €103.20 (20% off)",
            actual="Total €129.00 with the message 'Code applied'",
            screenshot=f"{SHOTS}/checkout-discount.png",
            t_ms=33900,
        ),
        _issue(
            "Postcode field does not announce its format",
            1,
            kind="warning",
            url=f"{SHOP}/checkout/shipping",
            description="Screen readers get no hint about the expected postcode format.",
            repro=["Open the shipping step", "Focus the postcode field"],
            expected="An accessible description of the format",
            actual="No aria-describedby on the field",
            t_ms=47800,
        ),
    ]
    return Scenario(
        name="checkout-flow",
        description="a shop checkout: critical payment bug, major discount bug, minor warning",
        queued_seconds=4,
        running_seconds=372,
        duration_ms=371842,
        output={
            "featureName": "Checkout",
            "result": "FAILED",
            "description": "Bought a product as a guest. The discount code is not applied "
            "and payment never completes. 2 issues, 1 warning.",
            "issues": issues,
            "screenshots": [
                f"{SHOTS}/checkout-cart.png",
                f"{SHOTS}/checkout-discount.png",
                f"{SHOTS}/checkout-payment.png",
                f"{SHOTS}/checkout-final.png",
            ],
            "steps": steps,
        },
        test_plan={
            "instructions": "Buy a product as a guest with a discount code and a test card.",
            "focusAreas": ["cart", "discounts", "checkout", "payments"],
            "complexity": "moderate",
            "changeType": "frontend",
            "steps": [
                {"title": "Add a product to the cart", "type": "act"},
                {"title": "Apply discount code SPRING20", "type": "act"},
                {"title": "The total drops by 20%", "type": "assert"},
                {"title": "Pay with the test card", "type": "act"},
                {"title": "The order confirmation is shown", "type": "assert"},
                {"title": "Capture the confirmation", "type": "screenshot"},
            ],
        },
        fields={"userName": "Demo User", "executionMode": "deep"},
    )


def _hostile() -> Scenario:
    text = HOSTILE_TEXT
    issues = [
        _issue(
            hostile(f"Hostile {kind} {severity}"),
            severity,
            kind=kind,
            url=url,
            description=hostile("description"),
            repro=[hostile("step 1"), *HOSTILE_PIECES],
            expected=hostile("expected"),
            actual=hostile("actual"),
            screenshot=hostile("javascript:alert(1)"),
            t_ms=1000 * severity,
        )
        for severity, kind, url in (
            (5, "issue", "javascript:alert(1)"),
            (3, "issue", "https://evil.example/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
            (1, "warning", "https://evil.example/a?b=%0A::error::x"),
        )
    ]
    steps = [
        _step(
            i,
            hostile(f"title {i}"),
            i * 1000,
            i * 1000 + 900,
            kind="act",
            summary=hostile(f"summary {i}"),
            error=hostile(f"error {i}") if i % 2 else None,
            error_code="STEP_NO_CONCLUSION" if i % 2 else None,
        )
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
            "instructions": text,
            "focusAreas": list(HOSTILE_PIECES),
            "complexity": "simple",
            "changeType": "frontend",
            "steps": [{"title": piece, "type": "act"} for piece in HOSTILE_PIECES[:10]],
        },
        fields={
            "userName": hostile("user"),
            "externalRef": {"note": text},
            "input": {"prompt": text, "targetUrl": "https://evil.example/"},
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


def _account_output(
    keys: Sequence[str], wording: int, extra: Sequence[JSONObject] = ()
) -> JSONObject:
    issues = [rewordings.problem(k).issue(wording) for k in keys] + list(extra)
    return {
        "featureName": "Account settings",
        "result": "FAILED",
        "description": "Edited the profile and checked the order history. "
        f"{len(issues)} issues found.",
        "issues": issues,
        "screenshots": [f"{SHOTS}/account-{wording}.png"],
        "steps": [
            _step(0, "Sign in with the test account", 0, 9000, kind="login"),
            _step(1, "Open profile settings and change the display name", 9000, 31000),
            _step(2, "Upload a PNG avatar", 31000, 44000),
            _step(
                3,
                "Reload and verify the new name",
                44000,
                52000,
                kind="assert",
                error="The old display name is shown after the reload",
            ),
            _step(4, "Open the latest order", 52000, 61000),
        ],
    }


def _account(name: str, description: str, **fields: Any) -> Scenario:
    return Scenario(
        name=name,
        description=description,
        queued_seconds=2,
        running_seconds=64,
        **fields,
    )


def _reworded_issues() -> Scenario:
    return _account(
        "reworded-issues",
        "completed, FAILED: the same four account problems, in other words on every run",
        output=_account_output(rewordings.KNOWN_SET, 0),
        output_variants=tuple(_account_output(rewordings.KNOWN_SET, n) for n in _ACCOUNT_WORDINGS),
    )


def _known_issue_fixed() -> Scenario:
    keys = [k for k in rewordings.KNOWN_SET if k != rewordings.FIXED]
    return _account(
        "known-issue-fixed",
        "completed, FAILED: the account problems reworded, the avatar upload one fixed",
        output=_account_output(keys, 4),
    )


def _new_beside_known() -> Scenario:
    new = rewordings.problem(rewordings.NEW).issue(0)
    return _account(
        "new-beside-known",
        "completed, FAILED: the account problems reworded, and a new one on the orders page",
        output=_account_output(rewordings.KNOWN_SET, 1, extra=[new]),
    )


_BUILDERS: dict[str, Any] = {
    "passes": _passes,
    "issues-found": _issues_found,
    "warnings-only": _warnings_only,
    "infra-failure": _infra_failure,
    "planner-skipped": _planner_skipped,
    "cancelled": _cancelled,
    "slow": _slow,
    "checkout-flow": _checkout_flow,
    "hostile": _hostile,
    "hostile-failed": _hostile_failed,
    "hostile-skipped": _hostile_skipped,
    "huge": _huge,
    "reworded-issues": _reworded_issues,
    "known-issue-fixed": _known_issue_fixed,
    "new-beside-known": _new_beside_known,
}

#: Names of the built-in scenarios.
BUILTIN_SCENARIOS: tuple[str, ...] = tuple(_BUILDERS)


@cache
def builtin_scenario(name: str) -> Scenario:
    """The built-in scenario called ``name`` (KeyError if there is none)."""
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise KeyError(
            f"unknown scenario {name!r}; built-in: {', '.join(BUILTIN_SCENARIOS)}"
        ) from None
    scenario: Scenario = builder()
    return scenario
