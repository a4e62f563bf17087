"""The baseline file: read with the line of every mistake, written stably, and described
by the JSON Schema shipped in the package (the schema and the reader agree)."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from testerarmy_wait.baseline.document import schema_text
from testerarmy_wait.baseline.file import (
    MAX_ENTRIES,
    MAX_FILE_BYTES,
    BaselineError,
    dump_baseline,
    parse_baseline,
    read_baseline,
)
from testerarmy_wait.baseline.model import Entry
from testerarmy_wait.errors import UsageError

GOOD = """{
  "version": 1,
  "entries": [
    {
      "testId": "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c",
      "type": "issue",
      "page": "/checkout/payment",
      "title": "Payment never completes",
      "severity": 5,
      "reason": "SHOP-123",
      "expires": "2027-01-31"
    },
    {"feature": "Account settings", "title": "Save button has low contrast", "type": "warning"},
    {"title": "Console warns about a deprecated API"}
  ]
}
"""


def schema() -> dict[str, Any]:
    text = resources.files("testerarmy_wait").joinpath("baseline/baseline.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_accepts(text: str) -> bool:
    try:
        jsonschema.validate(json.loads(text), schema(), format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError:
        return False
    return True


def test_a_good_file_is_read_with_the_line_of_each_entry() -> None:
    baseline = parse_baseline(GOOD, "qa/baseline.json")
    first, second, third = baseline.entries
    assert (first.line, second.line, third.line) == (4, 13, 14)
    assert first.test_id == "3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c"
    assert (first.severity, first.reason, first.expires) == (5, "SHOP-123", date(2027, 1, 31))
    assert first.page == "/checkout/payment"
    assert second.feature == "Account settings"
    assert second.type == "warning"
    assert (third.type, third.page, third.scope) == ("issue", None, "any test")
    assert baseline.path == "qa/baseline.json"
    assert schema_accepts(GOOD)


BAD = [
    ('{"version": 1, "entries": [\n  {"title": "x",}\n]}', "line 2: not valid JSON"),
    ("[]", "line 1: the file must hold one JSON object"),
    ('{"version": 3, "entries": []}', "line 1: version must be 1 or 2 (found 3)"),
    ('{"version": 1}', "line 1: entries must be a list"),
    ('{"version": 1, "entries": [], "extra": 1}', "line 1: unknown key 'extra'"),
    (
        '{"version": 1, "entries": [\n\n  {"title": "x", "colour": "red"}]}',
        "line 3: entries[0]: unknown key 'colour'",
    ),
    (
        '{"version": 1, "entries": [\n  {"title": ""}]}',
        "line 2: entries[0].title must be a non-empty string",
    ),
    ('{"version": 1, "entries": [\n  {"page": "/x"}]}', "line 2: entries[0].title must be"),
    (
        '{"version": 1, "entries": [\n  {"title": "x", "severity": 7}]}',
        "line 2: entries[0].severity must be a whole number from 1 to 5",
    ),
    ('{"version": 1, "entries": [\n  {"title": "x", "severity": true}]}', "entries[0].severity"),
    (
        '{"version": 1, "entries": [\n  {"title": "x", "expires": "2027-02-30"}]}',
        "line 2: entries[0].expires is not a date",
    ),
    (
        '{"version": 1, "entries": [\n  {"title": "x", "expires": "31/01/2027"}]}',
        "is not a date (YYYY-MM-DD)",
    ),
    (
        '{"version": 1, "entries": [\n  {"title": "x", "testId": "a", "feature": "b"}]}',
        "line 2: entries[0]: give testId or feature, not both",
    ),
    ('{"version": 1, "entries": [\n  {"title": 5}]}', "entries[0].title must be"),
    ('{"version": 1, "entries": ["x"]}', "entries[0] must be an object"),
    ('{"version": 1, "entries": []} []', "line 1: not valid JSON (extra data after the object)"),
    ('{"version": 1, "entries": [], "version": 1}', "line 1: key 'version' appears twice"),
    ('{"version": 1, "entries": [\n{"title": "x"} {"title": "y"}]}', "line 2: not valid JSON"),
    ('{"version": 1, "entries": {}}', "line 1: entries must be a list"),
    ('{"version": true, "entries": []}', "version must be 1 or 2 (found true)"),
    ('{"version": 1, "entries": [], "comment": 5}', "comment must be a string"),
    ('{\n"entries": [], "version": 1,\n"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "line 3"),
    ('{"version": 1, "entries": [' + "[" * 100_000 + "]" * 100_000 + "]}", "nested too deeply"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_malformed_file_is_a_usage_error_naming_the_line_and_the_problem(
    text: str, message: str
) -> None:
    with pytest.raises(BaselineError) as raised:
        parse_baseline(text, "b.json")
    assert isinstance(raised.value, UsageError)
    assert str(raised.value).startswith("baseline b.json")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    # JSON Schema sees parsed data: no syntax, duplicate keys or nesting limits
    if not any(m in message for m in ("not valid JSON", "twice", "nested", "line 3")):
        assert not schema_accepts(text), "the schema lets through what the reader refuses"


def test_a_missing_or_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="baseline qa/b.json: no such file"):
        read_baseline(tmp_path / "nope.json", "qa/b.json")
    (tmp_path / "bin.json").write_bytes(b'{"version": 1,\n "entries": ["\xff"]}')
    with pytest.raises(BaselineError, match="line 2: not UTF-8"):
        read_baseline(tmp_path / "bin.json", "bin.json")


def test_written_files_are_sorted_stable_and_valid_against_the_schema() -> None:
    entries = [
        Entry(title="b", page="/x", feature="F", reason="R", expires=date(2027, 1, 1)),
        Entry(title="a", page="/x", feature="F", severity=3),
        Entry(title="z", test_id="T", description="d"),
        Entry(title="any page"),
    ]
    text = dump_baseline(entries)
    assert text == dump_baseline(list(reversed(entries)))
    assert text.endswith("}\n")
    assert schema_accepts(text)
    again = parse_baseline(text, "b.json")
    assert dump_baseline(list(again.entries)) == text
    # any test before a feature before a test id; then page, type and title
    assert [e.title for e in again.entries] == ["any page", "a", "b", "z"]


def test_hostile_text_round_trips_as_data() -> None:
    title = '"},{"title":"injected"} </script> \u202e \x00 ::error::x'
    text = dump_baseline([Entry(title=title, reason="\n".join(["a", "b"]))])
    [entry] = parse_baseline(text, "b.json").entries
    assert entry.title == title.strip()
    assert entry.reason == "a\nb"


HOSTILE = "ghp_" + "A1b2" * 9  # looks like a token: never quoted back


@pytest.mark.parametrize(
    "text",
    [
        '{"version": 1, "entries": [], "HOSTILE": 1}',
        '{"version": 1, "entries": [], "<img src=x onerror=alert(1)>": 1}',
        '{"version": "HOSTILE", "entries": []}',
        '{"version": 1, "entries": [{"title": "x", "HOSTILE": 1}]}',
        '{"version": 1, "entries": [{"title": "x", "expires": "HOSTILE"}]}',
        '{"version": 1, "entries": [{"title": "x", "severity": "HOSTILE"}]}',
        '{"version": 1, "entries": [], "HOSTILE": 1, "HOSTILE": 2}',
    ],
)
def test_an_error_never_quotes_the_files_own_text(text: str) -> None:
    with pytest.raises(BaselineError) as raised:
        parse_baseline(text.replace("HOSTILE", HOSTILE), "b.json")
    message = str(raised.value)
    assert HOSTILE[:8] not in message
    assert "<img" not in message
    assert message.startswith("baseline b.json line 1: ")


def test_a_short_plain_key_is_named_and_a_long_one_described() -> None:
    with pytest.raises(BaselineError, match="unknown key 'colour'"):
        parse_baseline('{"version": 1, "entries": [{"title": "x", "colour": 1}]}', "b.json")
    with pytest.raises(BaselineError, match=r"unknown key \(30 characters, not shown\)"):
        parse_baseline('{"version": 1, "entries": [], "%s": 1}' % ("k" * 30), "b.json")


def test_lines_are_right_deep_into_a_large_file() -> None:
    good = '  {"title": "Saved filter lost after reload", "page": "/reports/*"},\n'
    text = '{\n"version": 1,\n"entries": [\n' + good * 9_000 + '  {"title": ""}\n]}\n'
    with pytest.raises(BaselineError, match=r"line 9004: entries\[9000\]\.title"):
        parse_baseline(text, "b.json")
    ok = parse_baseline(text.replace('{"title": ""}', '{"title": "last"}'), "b.json")
    assert [e.line for e in ok.entries[:2]] == [4, 5]
    assert ok.entries[-1].line == 9004


def test_entries_are_checked_as_they_are_read() -> None:
    """Two megabytes of empty objects stop at the first one, not after building them all."""
    text = '{"version": 1, "entries": [' + "{}," * 700_000 + "{}]}"
    with pytest.raises(BaselineError, match=r"line 1: entries\[0\]\.title must be"):
        parse_baseline(text, "b.json")


def test_more_entries_than_the_limit_are_refused_where_the_limit_is_passed() -> None:
    text = '{"version": 1, "entries": [\n' + '{"title": "t"},\n' * MAX_ENTRIES + '{"title": "t"}]}'
    with pytest.raises(BaselineError) as raised:
        parse_baseline(text, "b.json")
    assert f"line {MAX_ENTRIES + 2}: more than {MAX_ENTRIES} entries" in str(raised.value)
    fits = '{"version": 1, "entries": [' + ",".join(['{"title": "t"}'] * MAX_ENTRIES) + "]}"
    assert len(parse_baseline(fits, "b.json").entries) == MAX_ENTRIES


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"version": 1, "entries": [' + "[]," * 5_300_000 + "[]]}")
    assert path.stat().st_size > MAX_FILE_BYTES
    with pytest.raises(BaselineError, match="baseline big.json: larger than 4 MiB"):
        read_baseline(path, "big.json")
    assert MAX_FILE_BYTES == 4 * 2**20


def test_version_2_keeps_what_the_agent_said_and_version_1_is_still_read() -> None:
    entry = Entry(
        title="Amount field accepts negative numbers",
        test_id="T",
        expected="Negative amounts are rejected.",
        actual="-50 is accepted.",
        reproduction=("Open a new transfer", "Type -50"),
        step="Enter the amount",
    )
    text = dump_baseline([entry])
    assert '"version": 2' in text
    assert schema_accepts(text)
    [again] = parse_baseline(text, "b.json").entries
    assert (again.expected, again.actual, again.step) == (entry.expected, entry.actual, entry.step)
    assert again.reproduction == entry.reproduction
    assert not again.legacy
    old = parse_baseline(GOOD, "b.json").entries[0]  # a file of version 1
    assert old.legacy


@pytest.mark.parametrize(
    ("reproduction", "message"),
    [
        ('"Open the page"', "entries[0].reproduction must be a list of strings"),
        ("[1, 2]", "entries[0].reproduction must be a list of strings"),
        ("[" + ", ".join(['"x"'] * 21) + "]", "entries[0].reproduction: at most 20 steps"),
    ],
)
def test_reproduction_steps_are_a_short_list_of_strings(reproduction: str, message: str) -> None:
    text = f'{{"version": 2, "entries": [\n{{"title": "x", "reproduction": {reproduction}}}]}}'
    with pytest.raises(BaselineError, match=re.escape(f"line 2: {message}")):
        parse_baseline(text, "b.json")
    assert not schema_accepts(text)


def test_the_shipped_schema_is_the_one_generated_from_the_model() -> None:
    shipped = resources.files("testerarmy_wait").joinpath("baseline/baseline.schema.json")
    assert shipped.read_text(encoding="utf-8") == schema_text(), (
        "baseline.schema.json drifted from baseline/document.py; regenerate it with "
        "`python -m testerarmy_wait.baseline.document > "
        "src/testerarmy_wait/baseline/baseline.schema.json`"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{"title": "ghp_SECRETSECRET", "severity": "ghp_SECRETSECRET"}', ".severity must be"),
        ('{"title": "x", "page": "' + "ghp_SECRET" * 201 + '"}', ".page is longer than 2000"),
        ('{"title": "x", "reproduction": ["ghp_SECRET", 5]}', ".reproduction must be a list"),
        ('{"title": ["ghp_SECRET"], "reason": 1}', ".title must be a non-empty string"),
        ('{"title": "x", "test_id": "ghp_SECRET"}', ": unknown key 'test_id'"),
        ('{"title": "\\u001c\\u3000", "page": "ghp_SECRET"}', ".title must be a non-empty string"),
    ],
)
def test_a_wrong_entry_is_named_in_our_words_never_quoting_the_file(
    entry: str, message: str
) -> None:
    with pytest.raises(BaselineError) as raised:
        parse_baseline(f'{{"version": 2, "entries": [\n{entry}]}}', "b.json")
    said = str(raised.value)
    assert f"line 2: entries[0]{message}" in said
    assert "SECRET" not in said
    assert "pydantic" not in said
