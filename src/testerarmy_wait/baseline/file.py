"""The baseline file: JSON, versioned, one entry per accepted issue; read with the line of
every entry so that a mistake is reported where it is, and written in a stable order so that
a change reviews well.

    {
      "$schema": "https://.../baseline.schema.json",
      "version": 2,
      "entries": [
        {"testId": "...", "type": "issue", "page": "/checkout/payment",
         "title": "Payment never completes", "severity": 5,
         "reason": "SHOP-123", "expires": "2027-01-31"}
      ]
    }
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, NoReturn

from pydantic import ValidationError

from testerarmy_wait.baseline.document import MAX_TEXT, FileEntry
from testerarmy_wait.baseline.fingerprint import MAX_STEPS, page_of, type_of
from testerarmy_wait.baseline.model import (
    FORMAT_VERSION,
    READ_VERSIONS,
    SCHEMA_URL,
    Baseline,
    Entry,
)
from testerarmy_wait.errors import UsageError

#: A baseline is a reviewed list, not a data dump: a larger file is refused before it is read.
MAX_FILE_BYTES: Final = 4 * 1024 * 1024
#: Entries beyond this are refused as they are read: matching stays fast and memory small.
MAX_ENTRIES: Final = 20_000
_TOP_KEYS: Final = frozenset({"$schema", "version", "entries", "comment"})
_SPACE: Final = re.compile(r"[ \t\n\r]*")
#: What of the file's own text an error may quote: a short plain name, nothing else.
_SAFE_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_$-]{0,23}")


class BaselineError(UsageError):
    """A baseline file that cannot be used (exit 2), naming the file, the line and what."""


def _named(key: str) -> str:
    """A key of the file as an error may show it: quoted when it is a short plain name, else
    described (the file's text never reaches the log, summary or reports)."""
    return repr(key) if _SAFE_NAME.fullmatch(key) else f"({len(key)} characters, not shown)"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) < 1000:
        return str(value)
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), "a number"
    )


class _Reader:
    """One pass over the text, left to right: the top-level object by hand, each entry with the
    standard library's scanner, checked as soon as it is read. Line numbers are counted
    forward from the last position asked for, so reading is linear in the file's size."""

    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display
        self.pos = 0
        self._line_pos = 0
        self._line = 1
        self._decoder = json.JSONDecoder()

    def line_at(self, pos: int) -> int:
        if pos >= self._line_pos:
            self._line += self.text.count("\n", self._line_pos, pos)
            self._line_pos = pos
        return self._line

    def fail(self, pos: int, problem: str) -> NoReturn:
        raise BaselineError(f"baseline {self.display} line {self.line_at(pos)}: {problem}")

    def invalid(self, pos: int, what: str) -> NoReturn:
        self.fail(pos, f"not valid JSON ({what})")

    def skip_space(self) -> str:
        """The next character after white space ("" at the end)."""
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos
        return self.text[self.pos : self.pos + 1]

    def expect(self, char: str, what: str) -> None:
        if self.skip_space() != char:
            self.invalid(self.pos, f"expecting {what}")
        self.pos += 1

    def string(self) -> str:
        if self.skip_space() != '"':
            self.invalid(self.pos, "expecting a property name in double quotes")
        value = self.value()
        if not isinstance(value, str):  # pragma: no cover - a '"' starts a string or fails
            self.invalid(self.pos, "expecting a property name in double quotes")
        return value

    def value(self) -> Any:
        self.skip_space()
        try:
            value, self.pos = self._decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as error:
            self.invalid(error.pos, error.msg)
        except RecursionError:
            self.fail(self.pos, "nested too deeply")
        return value

    def ended(self, close: str, what: str) -> bool:
        """Past the ``,`` after a member (False) or the ``close`` that ends ``what`` (True)."""
        following = self.skip_space()
        self.pos += 1
        if following not in (close, ","):
            self.invalid(self.pos - 1, f"expecting ',' or '{close}' in {what}")
        return following == close

    def items(self, on_key: Callable[[str, int], None]) -> None:
        """The members of an object, handed to ``on_key`` (name, line) one at a time; the
        reader stands on each value when it is called."""
        self.expect("{", "an object")
        if self.skip_space() == "}":
            self.pos += 1
            return
        seen: set[str] = set()
        while True:
            self.skip_space()
            key_pos = self.pos
            key = self.string()
            if key in seen:
                self.fail(key_pos, f"key {_named(key)} appears twice")
            seen.add(key)
            self.expect(":", "':' after a property name")
            on_key(key, key_pos)
            if self.ended("}", "an object"):
                return


def parse_baseline(text: str, display: str) -> Baseline:
    """The baseline in ``text`` (the file at ``display``), or ``BaselineError``; read in one
    pass, every entry checked as it is read, the file's own text never quoted."""
    reader = _Reader(text, display)
    if reader.skip_space() != "{":
        reader.fail(reader.pos, "the file must hold one JSON object with version and entries")
    top_pos = reader.pos
    found: dict[str, Any] = {}
    entries: list[Entry] = []

    def on_key(key: str, pos: int) -> None:
        if key not in _TOP_KEYS:
            reader.fail(pos, f"unknown key {_named(key)} (expected version and entries)")
        if key == "entries":
            _read_entries(reader, entries)
            found[key] = True
        else:
            found[key] = reader.value()

    reader.items(on_key)
    if reader.skip_space():
        reader.invalid(reader.pos, "extra data after the object")
    version = found.get("version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        reader.fail(
            top_pos,
            f"version must be {' or '.join(map(str, READ_VERSIONS))} (found {_kind(version)}); "
            "a newer testerarmy-wait may have written it",
        )
    if "entries" not in found:
        reader.fail(top_pos, "entries must be a list")
    for key in ("$schema", "comment"):
        if key in found and not isinstance(found[key], str):
            reader.fail(top_pos, f"{key} must be a string")
    return Baseline(tuple(entries), display)


def _read_entries(reader: _Reader, entries: list[Entry]) -> None:
    if reader.skip_space() != "[":
        reader.fail(reader.pos, "entries must be a list")
    reader.pos += 1
    if reader.skip_space() == "]":
        reader.pos += 1
        return
    while True:
        reader.skip_space()
        pos = reader.pos
        if len(entries) == MAX_ENTRIES:
            reader.fail(pos, f"more than {MAX_ENTRIES} entries")
        entries.append(_entry(reader.value(), len(entries), reader, pos))
        if reader.ended("]", "a list"):
            return


def _entry(raw: Any, n: int, reader: _Reader, pos: int) -> Entry:
    where = f"entries[{n}]"
    if not isinstance(raw, dict):
        reader.fail(pos, f"{where} must be an object")
    line = reader.line_at(pos)
    try:
        held = FileEntry.model_validate(raw)
    except ValidationError as error:
        reader.fail(pos, _problem(error, where))
    return Entry(
        title=held.title.strip(),
        description=held.description,
        type=type_of(held.type),
        page=None if held.page is None else page_of(held.page),
        test_id=held.test_id.strip() if held.test_id else None,
        feature=held.feature.strip() if held.feature else None,
        severity=held.severity,
        reason=held.reason,
        expires=held.day,
        expected=held.expected,
        actual=held.actual,
        reproduction=tuple(held.reproduction),
        step=held.step,
        line=line,
    )


#: What each of an entry's keys must be, said when it is not.
_MUST: Final = {
    "title": "must be a non-empty string",
    "severity": "must be a whole number from 1 to 5",
    "expires": "is not a date (YYYY-MM-DD)",
    "reproduction": "must be a list of strings",
}
_ALIASES: Final = {
    name: info.alias for name, info in FileEntry.model_fields.items() if info.alias is not None
}
_FIELD_ORDER: Final = {_ALIASES.get(name, name): n for n, name in enumerate(FileEntry.model_fields)}


def _problem(error: ValidationError, where: str) -> str:
    """The first thing wrong with an entry, in our words: pydantic's own messages may quote
    the input, and the file's text never reaches the log."""
    details = error.errors(include_url=False, include_input=False, include_context=False)
    unknown = sorted(str(d["loc"][0]) for d in details if d["type"] == "extra_forbidden")
    if unknown:
        return f"{where}: unknown key {_named(unknown[0])}"
    keyed = [d for d in details if d["loc"]]
    if not keyed:  # the check of the whole entry
        return f"{where}: give testId or feature, not both"
    first = min(keyed, key=lambda d: _FIELD_ORDER.get(str(d["loc"][0]), len(_FIELD_ORDER)))
    key = str(first["loc"][0])
    if key == "reproduction" and first["type"] in ("too_long", "string_too_long"):
        return f"{where}.reproduction: at most {MAX_STEPS} steps of {MAX_TEXT} characters"
    if first["type"] == "string_too_long":
        return f"{where}.{key} is longer than {MAX_TEXT} characters"
    return f"{where}.{key} {_MUST.get(key, 'must be a string')}"


def read_baseline(path: Path, display: str) -> Baseline:
    """The baseline at ``path``; a missing, unreadable, oversized or malformed file is a usage
    error. At most ``MAX_FILE_BYTES`` are read."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {display}: no such file (write one with `testerarmy-wait baseline`)"
        ) from None
    except OSError as error:
        raise BaselineError(f"baseline {display}: cannot read it ({error.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise BaselineError(
            f"baseline {display}: larger than {MAX_FILE_BYTES // 2**20} MiB; "
            "a baseline lists reviewed issues, keep it small"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BaselineError(f"baseline {display} line {line}: not UTF-8") from None
    return parse_baseline(text, display)


def dump_baseline(entries: list[Entry]) -> str:
    """The file's text: entries sorted (test, feature, page, type, title), two-space indent,
    one key per line, a newline at the end."""
    ordered = sorted(entries, key=Entry.sort_key)
    document = {
        "$schema": SCHEMA_URL,
        "version": FORMAT_VERSION,
        "entries": [e.to_json() for e in ordered],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
