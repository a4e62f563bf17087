"""Runs and verdicts for the report and CI tests: realistic, hostile and huge."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason, Trigger
from testerarmy_wait.policy import Policy
from testerarmy_wait.verdict import Links, Verdict, decide

CHECKOUT_ID = "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
SIGNUP_ID = "a81b07d4-2c3e-4f5a-8b9c-0d1e2f3a4b5c"
HOSTILE_ID = "0badc0de-0000-4000-8000-000000000001"

HOSTILE_STRINGS = [
    "::error::x",
    "::set-output name=x::y",
    "::add-mask::secret",
    "::stop-commands::t",
    "ghadelimiter_00000000-0000-0000-0000-000000000000",
    "</details>",
    "a | b | c",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;title\x07",
    "carriage\rreturn",
    "nul\x00byte",
    "line1\n::error::line2",
    "![img](https://evil.example/x.png)",
    "<script>alert(1)</script>",
    "**bold** _em_ `code` ~~del~~",
    "www.evil.example and foo@evil.example and https://evil.example",
    "# heading\n- list\n> quote\n1. item",
    "&lt;not a tag&gt; &amp;",
    "\u202eevil bidi",
    "$x^2$",
]


def step(
    index: int, title: str, *, status: str = "passed", ms: int = 3100, **extra: Any
) -> dict[str, Any]:
    start = index * 10_000
    return {
        "stepIndex": index,
        "title": title,
        "type": extra.pop("type", "act"),
        "status": status,
        "startedAtMs": start,
        "completedAtMs": start + ms,
        **extra,
    }


def checkout_run_data() -> dict[str, Any]:
    titles = [
        "Open the home page",
        'Search for "running shoes"',
        "Open the first product",
        "Add the product to the cart",
        "Open the cart",
        "Apply discount code SAVE10",
        "Check the order total",
        'Choose "Checkout as guest"',
        "Pay with a saved card",
        "Enter a new Visa card",
        "Submit the payment",
        "Check the confirmation page",
    ]
    steps = [step(i, t, ms=2000 + 900 * i) for i, t in enumerate(titles, 1)]
    steps[6] = step(
        7,
        titles[6],
        type="assert",
        status="failed",
        ms=5200,
        error="Total is $54.00, expected $48.60",
    )
    steps[8] = step(
        9,
        titles[8],
        status="failed",
        ms=41_000,
        errorCode="STEP_NO_CONCLUSION",
        error="Card declined",
    )
    return {
        "id": CHECKOUT_ID,
        "status": "completed",
        "type": "ci",
        "platform": "web",
        "durationMs": 134_000,
        "output": {
            "featureName": "Checkout flow",
            "result": "FAILED",
            "description": (
                "Guest checkout with a saved card: the payment step rejects valid cards, "
                "and the order total ignores a valid discount code."
            ),
            "issues": [
                {
                    "type": "warning",
                    "name": "Footer link contrast below 4.5:1",
                    "description": "Footer links are light grey on white (3.2:1).",
                    "url": "https://shop.example/",
                    "severity": 1,
                },
                {
                    "type": "issue",
                    "name": "Payment form rejects a valid Visa card",
                    "description": "A valid test Visa card is declined on the payment step.",
                    "url": "https://shop.example/checkout/payment",
                    "severity": 5,
                    "reproductionSteps": [
                        "Add any item to the cart and open the cart.",
                        'Choose "Checkout as guest".',
                        'Enter card 4242 4242 4242 4242, 12/30, CVC 123, and press "Pay".',
                    ],
                    "expectedBehavior": (
                        "The order is placed and the confirmation page shows an order number."
                    ),
                    "actualBehavior": (
                        'The form shows "Card declined" and stays on the payment step.'
                    ),
                    "screenshotUrl": "https://cdn.shop.example/shots/issue-1.png",
                    "tMs": 83_000,
                },
                {
                    "type": "issue",
                    "name": "Order total ignores discount code SAVE10",
                    "description": "The code is accepted but the total is unchanged.",
                    "url": "https://shop.example/cart",
                    "severity": 3,
                    "reproductionSteps": [
                        "Add any item to the cart.",
                        "Enter SAVE10 in the discount field and press Apply.",
                    ],
                    "expectedBehavior": "The total drops by 10%.",
                    "actualBehavior": '"Code applied" is shown, the total stays at $54.00.',
                    "screenshotUrl": "https://cdn.shop.example/shots/issue-2.png",
                    "tMs": 61_500,
                },
            ],
            "screenshots": [f"https://cdn.shop.example/shots/{n}.png" for n in range(1, 5)],
            "steps": steps,
        },
    }


def signup_run_data() -> dict[str, Any]:
    return {
        "id": SIGNUP_ID,
        "status": "completed",
        "durationMs": 62_000,
        "output": {
            "featureName": "Sign-up",
            "result": "PASS",
            "description": "Sign-up with email works.",
            "issues": [],
            "screenshots": [],
            "steps": [step(1, "Open sign-up"), step(2, "Submit the form")],
        },
    }


def hostile_run_data() -> dict[str, Any]:
    text = " ".join(HOSTILE_STRINGS)
    multiline = "\n".join(HOSTILE_STRINGS)
    return {
        "id": HOSTILE_ID,
        "status": "completed\x1b[31m::error::x",
        "durationMs": 1000,
        "output": {
            "featureName": "::error::feature </details> | <img src=x onerror=alert(1)>",
            "result": "FAILED",
            "description": multiline,
            "issues": [
                {
                    "type": kind,
                    "name": bad,
                    "description": multiline,
                    "url": url,
                    "severity": severity,
                    "reproductionSteps": HOSTILE_STRINGS,
                    "expectedBehavior": text,
                    "actualBehavior": multiline,
                    "screenshotUrl": url,
                    "tMs": 1234,
                }
                for bad, kind, url, severity in zip(
                    HOSTILE_STRINGS,
                    ["issue", "warning", "::error::", "</details>"] * 10,
                    [
                        "javascript:alert(1)",
                        "https://ok.example/a b)<x>",
                        "data:text/html,<script>alert(1)</script>",
                        'https://ok.example/p?q=1&r=")](javascript:x)',
                        "//evil.example",
                        "HTTPS://OK.EXAMPLE/up",
                    ]
                    * 10,
                    [5, 4, 3, 2, 1, None, "x"] * 10,
                    strict=False,
                )
            ],
            "screenshots": ["javascript:alert(1)", "https://ok.example/s.png)", "\x1b]8;;x\x07"],
            "steps": [
                step(
                    i,
                    bad,
                    status="failed" if i % 2 else "passed",
                    errorCode=bad,
                    error=bad,
                    type=bad,
                )
                for i, bad in enumerate(HOSTILE_STRINGS, 1)
            ],
        },
    }


def huge_run_data(
    *, issues: int = 5000, steps: int = 10_000, description_bytes: int = 2_000_000
) -> dict[str, Any]:
    return {
        "id": "11111111-2222-4333-8444-555555555555",
        "status": "completed",
        "durationMs": 3_600_000,
        "output": {
            "featureName": "Everything everywhere",
            "result": "FAILED",
            "description": "x" * description_bytes,
            "issues": [
                {
                    "type": "issue" if n % 3 else "warning",
                    "name": f"Issue number {n} <b>|</b>",
                    "description": "d" * 2000,
                    "url": f"https://big.example/page/{n}",
                    "severity": n % 5 + 1,
                    "reproductionSteps": [f"step {k}" * 20 for k in range(40)],
                    "expectedBehavior": "e" * 5000,
                    "actualBehavior": "a" * 5000,
                    "screenshotUrl": f"https://big.example/shot/{n}.png",
                    "tMs": n,
                }
                for n in range(issues)
            ],
            "screenshots": [f"https://big.example/s/{n}.png" for n in range(2000)],
            "steps": [
                step(
                    n, f"Step number {n} " + "t" * 200, status="failed" if n % 97 == 0 else "passed"
                )
                for n in range(steps)
            ],
        },
    }


def outcome(
    data: dict[str, Any], stop: StopReason = StopReason.FINISHED, **kwargs: Any
) -> RunOutcome:
    run = Run.model_validate(data)
    return RunOutcome(run_id=run.id, stop=stop, run=run, polls=kwargs.pop("polls", 3), **kwargs)


def verdict_of(*outcomes: RunOutcome, policy: Policy | None = None, **kwargs: Any) -> Verdict:
    kwargs.setdefault("elapsed_s", 151.0)
    kwargs.setdefault("requests", 19)
    return decide(list(outcomes), policy or Policy(), **kwargs)


def checkout_verdict() -> Verdict:
    return verdict_of(outcome(checkout_run_data()), outcome(signup_run_data()))


def hostile_verdict() -> Verdict:
    return verdict_of(outcome(hostile_run_data()), outcome(signup_run_data()))


@functools.cache
def huge_verdict() -> Verdict:
    return verdict_of(outcome(huge_run_data()))


def timeout_verdict() -> Verdict:
    run = Run.model_validate({"id": CHECKOUT_ID, "status": "running"})
    return verdict_of(RunOutcome(run_id=CHECKOUT_ID, stop=StopReason.TIMEOUT, run=run, polls=180))


def api_error_verdict() -> Verdict:
    return verdict_of(
        RunOutcome(
            run_id=CHECKOUT_ID,
            stop=StopReason.API_ERROR,
            problem="HTTP 401 from the API: invalid API key </details> ::error::x",
        )
    )


def triggered_verdict() -> Verdict:
    trigger = Trigger(
        kind="group", target="grp_checkout", parameters=(("ref", "main"),), batch_id="batch-42"
    )
    return verdict_of(
        outcome(checkout_run_data(), trigger=trigger),
        outcome(signup_run_data(), trigger=trigger),
        batch_id="batch-42",
    )


def with_links(
    verdict: Verdict,
    *,
    run_url: str | None = None,
    api_url: str | None = None,
    job_url: str | None = None,
) -> Verdict:
    """``verdict`` as the command reports it, with where its runs and job are."""
    return replace(verdict, links=Links(run_url=run_url, api_url=api_url, job_url=job_url))
