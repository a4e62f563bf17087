from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from testerarmy_wait.models import Run
from testerarmy_wait.outcome import RunOutcome, StopReason
from testerarmy_wait.policy import Policy
from testerarmy_wait.report.dotenv import MAX_BYTES, render_dotenv
from testerarmy_wait.verdict import decide, usage_error
from tests.report.factories import (
    CHECKOUT_ID,
    SIGNUP_ID,
    checkout_verdict,
    hostile_verdict,
    outcome,
    signup_run_data,
    verdict_of,
)

LINE = re.compile(r"[A-Za-z0-9_]+=[A-Za-z0-9_.,:-]*")


def parse_dotenv(text: str) -> dict[str, str]:
    """GitLab's rules: every line KEY=VALUE, no blanks, no comments, no quotes."""
    assert text.endswith("\n")
    pairs = {}
    for line in text[:-1].split("\n"):
        assert LINE.fullmatch(line), line
        key, value = line.split("=", 1)
        assert key not in pairs
        pairs[key] = value
    assert len(text.encode()) <= MAX_BYTES
    assert len(pairs) <= 20
    return pairs


def test_dotenv_has_the_verdict_values() -> None:
    values = parse_dotenv(render_dotenv(checkout_verdict()))
    assert values == {
        "TESTERARMY_RESULT": "FAILED",
        "TESTERARMY_STATUS": "completed",
        "TESTERARMY_EXIT_CODE": "1",
        "TESTERARMY_DURATION_MS": "134000",
        "TESTERARMY_ISSUE_COUNT": "3",
        "TESTERARMY_BLOCKING_ISSUE_COUNT": "2",
        "TESTERARMY_KNOWN_ISSUE_COUNT": "0",
        "TESTERARMY_RUN_COUNT": "2",
        "TESTERARMY_FLAKY_COUNT": "0",
        "TESTERARMY_RUN_IDS_TRUNCATED": "false",
        "TESTERARMY_RUN_IDS": f"{CHECKOUT_ID},{SIGNUP_ID}",
    }


def test_server_text_never_reaches_the_dotenv_file() -> None:
    text = render_dotenv(hostile_verdict())
    values = parse_dotenv(text)
    assert values["TESTERARMY_STATUS"] == "completed,other"
    assert "error" not in text


def test_usage_error_dotenv_has_empty_duration_and_no_ids() -> None:
    values = parse_dotenv(render_dotenv(usage_error("bad")))
    assert values["TESTERARMY_RESULT"] == "ERROR"
    assert values["TESTERARMY_EXIT_CODE"] == "2"
    assert values["TESTERARMY_DURATION_MS"] == ""
    assert values["TESTERARMY_RUN_IDS"] == ""
    assert values["TESTERARMY_STATUS"] == "unknown"


def test_many_run_ids_are_truncated_to_fit_and_say_so() -> None:
    outcomes = [
        outcome({**signup_run_data(), "id": f"00000000-0000-4000-8000-{n:012d}"})
        for n in range(400)
    ]
    values = parse_dotenv(render_dotenv(verdict_of(*outcomes)))
    assert values["TESTERARMY_RUN_IDS_TRUNCATED"] == "true"
    assert values["TESTERARMY_RUN_COUNT"] == "400"
    kept = values["TESTERARMY_RUN_IDS"].split(",")
    assert 50 < len(kept) < 400
    assert kept[0] == "00000000-0000-4000-8000-000000000000"


@given(st.text(), st.text())
def test_any_run_id_or_status_gives_a_valid_file(run_id: str, status: str) -> None:
    run = Run.model_validate({"id": run_id or "x", "status": status})
    verdict = decide([RunOutcome(run_id=run_id, stop=StopReason.TIMEOUT, run=run)], Policy())
    parse_dotenv(render_dotenv(verdict))
