"""The baseline file: JSON, versioned, one entry per accepted issue; read with the line of
every entry so that a mistake is reported where it is, and written in a stable order so that
a change reviews well.

    {
      "$schema": "https://.../baseline.schema.json",
      "version": 1,
      "entries": [
        {"testId": "...", "type": "issue", "page": "/checkout/payment",
         "title": "Payment never completes", "severity": 5,
         "reason": "SHOP-123", "expires": "2027-01-31"}
      ]
    }
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from datetime import date
from pathlib import Path
from typing import Any, Final

from testerarmy_wait.baseline.fingerprint import page_of, type_of
from testerarmy_wait.baseline.model import FORMAT_VERSION, SCHEMA_URL, Baseline, Entry
from testerarmy_wait.errors import UsageError

MAX_FILE_BYTES: Final = 16 * 1024 * 1024
MAX_TEXT: Final = 2000
_TOP_KEYS: Final = frozenset({"$schema", "version", "entries", "comment"})
_ENTRY_KEYS: Final = frozenset(
    {"testId", "feature", "type", "page", "title", "description", "severity", "reason", "expires"}
)
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class BaselineError(UsageError):
    """A baseline file that cannot be used (exit 2), naming the file, the line and what."""


class _Located(dict[str, Any]):
    """A JSON object that knows the line it starts on."""

    line = 0


def _decoder(text: str) -> json.JSONDecoder:
    decoder = json.JSONDecoder()

    def parse_object(state: tuple[str, int], *args: Any) -> tuple[dict[str, Any], int]:
        pairs, end = json.decoder.JSONObject(state, *args)  # type: ignore[attr-defined]
        located = _Located(pairs)
        located.line = text.count("\n", 0, state[1]) + 1
        return located, end

    # The pure-Python scanner calls parse_object, so every object can note its line.
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


def parse_baseline(text: str, display: str) -> Baseline:
    """The baseline in ``text`` (the file at ``display``), or ``BaselineError``."""
    try:
        data = _decoder(text).decode(text)
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"baseline {display} line {error.lineno}: not valid JSON ({error.msg})"
        ) from None
    except RecursionError:
        raise BaselineError(f"baseline {display}: nested too deeply") from None

    def fail(line: int, problem: str) -> BaselineError:
        return BaselineError(f"baseline {display} line {line}: {problem}")

    if not isinstance(data, _Located):
        raise fail(1, "the file must hold one JSON object with version and entries")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise fail(data.line, f"unknown key {unknown[0]!r} (expected version and entries)")
    if data.get("version") != FORMAT_VERSION:
        raise fail(
            data.line,
            f"version must be {FORMAT_VERSION} (found {json.dumps(data.get('version'))[:40]}); "
            "a newer testerarmy-wait may have written it",
        )
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise fail(data.line, "entries must be a list")
    return Baseline(tuple(_entry(e, n, fail, data.line) for n, e in enumerate(entries)), display)


def _entry(raw: Any, n: int, fail: Any, top_line: int) -> Entry:
    where = f"entries[{n}]"
    if not isinstance(raw, _Located):
        raise fail(top_line, f"{where} must be an object")
    line = raw.line
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise fail(line, f"{where}: unknown key {unknown[0]!r}")

    def text(key: str, *, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise fail(line, f"{where}.{key} must be a{' non-empty' if required else ''} string")
        if len(value) > MAX_TEXT:
            raise fail(line, f"{where}.{key} is longer than {MAX_TEXT} characters")
        return value

    title = text("title", required=True) or ""
    test_id, feature = text("testId"), text("feature")
    if test_id is not None and feature is not None:
        raise fail(line, f"{where}: give testId or feature, not both")
    severity = raw.get("severity")
    if severity is not None and (
        isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 5
    ):
        raise fail(line, f"{where}.severity must be a whole number from 1 to 5")
    expires = text("expires")
    day: date | None = None
    if expires is not None:
        try:
            if not _DATE.fullmatch(expires):
                raise ValueError
            day = date.fromisoformat(expires)
        except ValueError:
            raise fail(line, f"{where}.expires {expires!r} is not a date (YYYY-MM-DD)") from None
    page = text("page")
    return Entry(
        title=title.strip(),
        description=text("description"),
        type=type_of(text("type")),
        page=None if page is None else page_of(page),
        test_id=test_id.strip() if test_id else None,
        feature=feature.strip() if feature else None,
        severity=severity,
        reason=text("reason"),
        expires=day,
        line=line,
    )


def read_baseline(path: Path, display: str) -> Baseline:
    """The baseline at ``path``; a missing, unreadable or malformed file is a usage error."""
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
        raise BaselineError(f"baseline {display}: larger than {MAX_FILE_BYTES // 2**20} MiB")
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
