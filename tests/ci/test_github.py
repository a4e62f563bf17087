from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from testerarmy_wait.ci import github
from testerarmy_wait.ci.github import (
    GitHubReporter,
    WorkflowCommands,
    announce,
    append_summary,
    escape_data,
    escape_property,
    format_outputs,
    write_outputs,
)
from testerarmy_wait.redaction import Redactor
from testerarmy_wait.report import escape
from tests.ci.runner import commands_processed, parse_output_file
from tests.report.factories import (
    HOSTILE_STRINGS,
    checkout_run_data,
    checkout_verdict,
    huge_verdict,
    outcome,
    verdict_of,
)

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,20}", fullmatch=True)
LOOKALIKES = st.sampled_from(
    [
        "ghadelimiter_",
        "ghadelimiter_00000000-0000-0000-0000-000000000000",
        "\nghadelimiter_1234\n",
        "x<<EOF\nEOF\n",
        "a=b\nc=d",
        "\r\n",
        "\r",
        "name<<ghadelimiter_x",
    ]
)
VALUES = st.lists(st.one_of(LOOKALIKES, st.text()), max_size=6).map("".join)


def normalised(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def test_escape_data_and_property_match_the_toolkit() -> None:
    assert escape_data("100%\r\nnext:a,b") == "100%25%0D%0Anext:a,b"
    assert escape_property("100%\r\nnext:a,b") == "100%25%0D%0Anext%3Aa%2Cb"
    assert escape_data("%0A") == "%250A"


def test_commands_are_written_to_the_injected_stream() -> None:
    out = io.StringIO()
    cmds = WorkflowCommands(out, Redactor())
    cmds.error("line one\nline two", title="Issue: a,b")
    cmds.warning("w")
    cmds.debug("d%")
    assert out.getvalue().splitlines() == [
        "::error title=Issue%3A a%2Cb::line one%0Aline two",
        "::warning::w",
        "::debug::d%25",
    ]


def test_mask_masks_the_value_and_each_of_its_lines() -> None:
    out = io.StringIO()
    cmds = WorkflowCommands(out, Redactor())
    cmds.mask("sk_abc")
    cmds.mask("one\ntwo")
    cmds.mask("  ")
    assert out.getvalue().splitlines() == [
        "::add-mask::sk_abc",
        "::add-mask::one%0Atwo",
        "::add-mask::one",
        "::add-mask::two",
    ]


def test_group_wraps_its_lines() -> None:
    out = io.StringIO()
    cmds = WorkflowCommands(out, Redactor())
    with cmds.group("Poll\nlog"):
        cmds.plain("inside")
    assert out.getvalue().splitlines() == ["::group::Poll log", "inside", "::endgroup::"]


def test_stop_commands_uses_a_fresh_random_token_each_time() -> None:
    out = io.StringIO()
    cmds = WorkflowCommands(out, Redactor())
    with cmds.stop_commands():
        cmds.untrusted("::error::not a command")
    with cmds.stop_commands():
        pass
    lines = out.getvalue().splitlines()
    first = lines[0].removeprefix("::stop-commands::")
    second = lines[3].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    assert lines[1:3] == ["::error::not a command", f"::{first}::"]
    processed, _ = commands_processed(out.getvalue())
    assert [c.name for c in processed] == ["stop-commands", "stop-commands"]


def test_plain_lines_can_never_be_commands() -> None:
    out = io.StringIO()
    WorkflowCommands(out, Redactor()).plain("::error::x\n::set-output name=a::b")
    processed, plain = commands_processed(out.getvalue())
    assert processed == []
    assert plain == ["| ::error::x ::set-output name=a::b"]


@given(st.text(max_size=80))
@example("run abc ##[set-output name=result;]PASS")
@example("##[error]x ##[warning]y")
def test_plain_lines_never_hold_a_legacy_command_anywhere(text: str) -> None:
    out = io.StringIO()
    WorkflowCommands(out, Redactor()).plain(text)
    processed, _plain = commands_processed(out.getvalue())
    assert processed == []


@given(st.dictionaries(NAMES, VALUES, max_size=8))
@example({"result": "ghadelimiter_00000000-0000-0000-0000-000000000000\nx", "a": "\r\n\r"})
def test_outputs_read_back_exactly_the_way_the_runner_parses_them(outputs: dict[str, str]) -> None:
    text = format_outputs(outputs)
    assert text == "" or text.endswith("\n")
    assert parse_output_file(text) == {k: normalised(v) for k, v in outputs.items()}


def test_a_delimiter_found_in_the_value_is_replaced_by_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = iter([uuid.UUID(int=1), uuid.UUID(int=2)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))
    clash = f"ghadelimiter_{uuid.UUID(int=1)}"
    text = format_outputs({"result": f"before\n{clash}\nafter"})
    assert text.startswith(f"result<<ghadelimiter_{uuid.UUID(int=2)}\n")
    assert parse_output_file(text) == {"result": f"before\n{clash}\nafter"}


@pytest.mark.parametrize("name", ["", "a=b", "a<<b", "a\nb", "a b", "1x"])
def test_invalid_output_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invalid output name"):
        format_outputs({name: "v"})


def test_write_outputs_appends_utf8_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "output"
    path.write_text("earlier=1\n", encoding="utf-8")
    write_outputs(path, {"result": "PASS ✓", "runId": "a,b"})
    assert parse_output_file(path.read_text(encoding="utf-8")) == {
        "earlier": "1",
        "result": "PASS ✓",
        "runId": "a,b",
    }


def test_append_summary_appends_and_ends_with_a_newline(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_summary(path, "## one")
    append_summary(path, "two\n")
    assert path.read_text(encoding="utf-8") == "## one\ntwo\n"


def test_announce_errors_for_blocking_issues_and_warnings_for_the_rest() -> None:
    out = io.StringIO()
    announce(checkout_verdict(), WorkflowCommands(out, Redactor()))
    processed, plain = commands_processed(out.getvalue())
    assert plain == []
    assert [c.name for c in processed] == ["error", "error", "warning"]
    assert processed[0].properties.startswith("title=Blocking issue (5 · critical)%3A Payment form")
    assert "https%3A" not in processed[0].data  # data keeps ':'; only properties escape it


def test_annotations_are_made_only_for_what_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 issues with long texts: only the ten annotations of each kind (and the titles
    the tenth names) are cleaned, not every issue's text."""
    cleaned: list[int] = []
    real = escape.one_line

    def counting(text: str | None, limit: int | None = None) -> str:
        cleaned.append(len(text or ""))
        return real(text, limit)

    monkeypatch.setattr(github, "one_line", counting)
    out = io.StringIO()
    announce(huge_verdict(), WorkflowCommands(out, Redactor()))
    processed, _ = commands_processed(out.getvalue())
    assert [c.name for c in processed].count("error") == 10
    assert "more errors" in processed[9].properties
    assert len(cleaned) < 200  # was one call per issue and field: over 15,000
    assert sum(cleaned) < 1_000_000


def test_announce_keeps_ten_per_type_and_the_tenth_sums_up_the_rest() -> None:
    data = checkout_run_data()
    data["output"]["issues"] = [
        {
            "name": f"bug {n}",
            "description": "d",
            "url": "https://x.example",
            "severity": 4,
            "type": t,
        }
        for n in range(25)
        for t in ("issue", "warning")
    ]
    out = io.StringIO()
    announce(verdict_of(outcome(data)), WorkflowCommands(out, Redactor()))
    processed, _ = commands_processed(out.getvalue())
    errors = [c for c in processed if c.name == "error"]
    warnings = [c for c in processed if c.name == "warning"]
    assert len(errors) == 10
    assert len(warnings) == 10
    assert errors[-1].properties == "title=16 more errors"
    assert "bug 24" in errors[-1].data


def test_hostile_issue_text_in_annotations_stays_one_escaped_command_each() -> None:
    data = checkout_run_data()
    data["output"]["issues"] = [
        {"name": bad, "description": bad, "url": bad, "severity": 5} for bad in HOSTILE_STRINGS[:9]
    ]
    out = io.StringIO()
    announce(verdict_of(outcome(data)), WorkflowCommands(out, Redactor()))
    processed, plain = commands_processed(out.getvalue())
    assert plain == []
    assert [c.name for c in processed] == ["error"] * 9
    assert "\x1b" not in out.getvalue()
    assert "\x00" not in out.getvalue()


def test_every_workflow_command_text_is_redacted_but_the_mask_itself() -> None:
    secret = "sk_live_secretvalue123"
    out = io.StringIO()
    cmds = WorkflowCommands(out, Redactor([secret]))
    cmds.mask(secret)
    cmds.plain(f"plain {secret}")
    cmds.warning(f"warning {secret}", title=f"title {secret}")
    cmds.start_group(f"group {secret}")
    with cmds.stop_commands():
        cmds.untrusted(f"server text {secret}")
    lines = out.getvalue().splitlines()
    assert lines[0] == f"::add-mask::{secret}"
    assert all(secret not in line for line in lines[1:])
    assert sum("***" in line for line in lines) == 4


def test_every_secret_is_masked_by_the_runner_short_ones_too() -> None:
    """Our own redaction skips secrets under four characters (they would match everywhere);
    the runner is still asked to mask them."""
    out = io.StringIO()
    GitHubReporter(out, Redactor(["k9x", "sk_live_secretvalue123", "k9x"])).begin([])
    masks = [line for line in out.getvalue().splitlines() if line.startswith("::add-mask::")]
    assert masks == ["::add-mask::k9x", "::add-mask::sk_live_secretvalue123"]
