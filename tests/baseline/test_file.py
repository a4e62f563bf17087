"""The baseline file: read with the line of every mistake, written stably, and described
by the JSON Schema shipped in the package (the schema and the reader agree)."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from testerarmy_wait.baseline.file import (
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
    ('{"version": 2, "entries": []}', "line 1: version must be 1"),
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
        "line 2: entries[0].expires '2027-02-30' is not a date",
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
    if "not valid JSON" not in message:
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
