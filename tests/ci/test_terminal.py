from __future__ import annotations

import io
import re

from testerarmy_wait.ci.terminal import CLEAR_LINE, StatusLine, render_text
from testerarmy_wait.outcome import Progress
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.verdict import usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    checkout_verdict,
    hostile_verdict,
    huge_verdict,
    timeout_verdict,
)

OUR_SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def test_text_report_has_verdict_runs_and_issues_worst_first_with_repro_steps() -> None:
    text = render_text(checkout_verdict(), color=False)
    lines = text.splitlines()
    assert lines[0] == "tester.army — FAILED: 2 blocking issues in 1 of 2 runs"
    assert lines[1].startswith("Policy: ")
    assert any(line.startswith("  FAILED    Checkout flow") for line in lines)
    critical = text.index("[5 · critical] issue: Payment form rejects")
    major = text.index("[3 · major] issue: Order total ignores")
    minor = text.index("[1 · minor] warning: Footer link contrast")
    assert critical < major < minor
    assert "1. Add any item to the cart and open the cart." in text
    assert "step failed #9 Pay with a saved card [STEP_NO_CONCLUSION]: Card declined" in text
    assert "  PASS      Sign-up" in text


def test_text_report_without_color_has_no_escape_at_all_even_for_hostile_text() -> None:
    text = render_text(hostile_verdict(), color=False)
    assert not CONTROL.search(text)


def test_colored_report_has_only_our_own_color_codes() -> None:
    text = render_text(hostile_verdict(), color=True)
    assert OUR_SGR.search(text)
    assert not CONTROL.search(OUR_SGR.sub("", text))


def test_errors_say_what_to_check() -> None:
    assert "raise timeout" in render_text(timeout_verdict(), color=False)
    usage = render_text(usage_error("run-id 'x' is not a UUID"), color=False)
    assert "What to check:" in usage
    assert "not a UUID" in usage


def test_huge_run_text_is_bounded() -> None:
    text = render_text(huge_verdict(), color=False)
    assert "…and 4950 more issues" in text
    assert len(text) < 200_000


def progress(status: str, polls: int, note: str | None = None) -> Progress:
    return Progress(
        run_id=CHECKOUT_ID, status=status, polls=polls, elapsed_s=polls * 10.0, note=note
    )


def test_plain_progress_prints_a_line_only_when_the_status_changes() -> None:
    out = io.StringIO()
    line = StatusLine(out, Redactor(), is_tty=False)
    for event in [
        progress("queued", 1),
        progress("queued", 2),
        progress("running", 3),
        progress("running", 4),
    ]:
        line.update(event)
    line.clear()
    assert out.getvalue().splitlines() == [
        f"{CHECKOUT_ID[:8]}: queued after 10.0 s, 1 poll",
        f"{CHECKOUT_ID[:8]}: running after 30.0 s, 3 polls",
    ]


def test_plain_progress_prints_notes_such_as_retries() -> None:
    out = io.StringIO()
    line = StatusLine(out, Redactor(), is_tty=False)
    line.update(progress("running", 1))
    line.update(progress("running", 2, note="HTTP 503, retrying in 2.0 s"))
    assert out.getvalue().splitlines()[-1].endswith("(HTTP 503, retrying in 2.0 s)")


def test_tty_status_line_redraws_in_place_and_clears() -> None:
    out = io.StringIO()
    now = [0.0]
    line = StatusLine(out, Redactor(), is_tty=True, width=lambda: 80, clock=lambda: now[0])
    line.update(progress("queued", 1))
    now[0] += 0.05
    line.update(progress("queued", 1))  # within a tenth of a second: not redrawn
    now[0] += 0.1
    line.update(progress("running\x1b[31m", 2))
    assert "\n" not in out.getvalue()
    assert out.getvalue().count(CLEAR_LINE) == 2
    assert out.getvalue().endswith("Waiting: 3f2a9c1e running — 20.0 s, 2 polls")
    line.write("a note")
    assert out.getvalue().endswith(
        f"{CLEAR_LINE}a note\n{CLEAR_LINE}Waiting: 3f2a9c1e running — 20.0 s, 2 polls"
    )
    line.clear()
    assert out.getvalue().endswith(CLEAR_LINE)


def test_tty_status_line_fits_the_terminal_width() -> None:
    out = io.StringIO()
    line = StatusLine(out, Redactor(), is_tty=True, width=lambda: 30)
    line.update(progress("running", 1))
    assert len(out.getvalue().removeprefix(CLEAR_LINE)) <= 29
