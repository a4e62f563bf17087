"""The baseline file's shape, declared once: pydantic models of the document and of one entry.

The reader (``file.py``) walks the top-level object by hand to know the line of every entry
and checks each entry against ``FileEntry``; the JSON Schema shipped beside this module
(``baseline.schema.json``, for editors and other tools) is generated from ``BaselineDocument``:
``python -m testerarmy_wait.baseline.document > src/testerarmy_wait/baseline/baseline.schema.json``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic import model_validator as entry_check

from testerarmy_wait.baseline.fingerprint import MAX_STEPS
from testerarmy_wait.baseline.model import SCHEMA_URL

MAX_TEXT: Final = 2000
_DAY: Final = r"^\d{4}-\d{2}-\d{2}$"

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


class FileEntry(BaseModel):
    """One accepted issue as the file holds it (see ``model.Entry`` for what it means)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        populate_by_name=False,
        json_schema_extra={"not": {"required": ["testId", "feature"]}},
    )

    test_id: Text | None = Field(
        None, alias="testId", description="Only for runs of this saved test."
    )
    feature: Text | None = Field(
        None,
        description="Only for runs of this feature name (case and spacing ignored). "
        "Without testId and feature: any test.",
    )
    type: Text | None = Field(
        None,
        json_schema_extra={"default": "issue"},
        description="The issue type: issue or warning.",
    )
    page: Text | None = Field(
        None,
        description="The URL path the issue is on, ids as *, e.g. /orders/*. Without it: any "
        "page; an empty string: issues without a URL.",
    )
    title: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT, pattern=r"\S")] = (
        Field(
            description="The issue's title as the agent wrote it once; reworded titles still match."
        )
    )
    description: Text | None = Field(
        None, description="The issue's description once: more words to recognise it by."
    )
    expected: Text | None = Field(None, description="The issue's expected behaviour once.")
    actual: Text | None = Field(None, description="The issue's actual behaviour once.")
    reproduction: list[Text] = Field(
        default_factory=list,
        max_length=MAX_STEPS,
        description="The issue's reproduction steps once.",
    )
    step: Text | None = Field(
        None,
        description="The title of the test step the issue was reported in: an issue reported "
        "in the same step is in the same place, whatever its page.",
    )
    severity: Annotated[int, Field(ge=1, le=5)] | None = Field(
        None,
        description="The worst severity accepted: a report of the issue that got worse is new "
        "again.",
    )
    reason: Text | None = Field(None, description="Why it is accepted, e.g. a ticket link.")
    expires: Annotated[str, StringConstraints(pattern=_DAY)] | None = Field(
        None,
        json_schema_extra={"format": "date"},
        description="From the day after this date the entry matches nothing.",
    )

    @field_validator("title")
    @classmethod
    def _words_in_it(cls, value: str) -> str:
        if not value.strip():  # Python's white space: what the reader strips
            raise ValueError("blank")
        return value

    @field_validator("expires")
    @classmethod
    def _a_real_day(cls, value: str | None) -> str | None:
        if value is not None:
            date.fromisoformat(value)  # 2027-02-30 matches the pattern, is no day
        return value

    @entry_check(mode="after")
    def _one_scope(self) -> FileEntry:
        if self.test_id is not None and self.feature is not None:
            raise ValueError("give testId or feature, not both")
        return self

    @property
    def day(self) -> date | None:
        return None if self.expires is None else date.fromisoformat(self.expires)


class BaselineDocument(BaseModel):
    """Known tester.army issues that are reported but never fail the job. Written by
    `testerarmy-wait baseline`, reviewed and committed by the team."""

    model_config = ConfigDict(strict=True, extra="forbid", title="testerarmy-wait baseline")

    schema_url: str | None = Field(None, alias="$schema")
    version: Literal[1, 2] = Field(
        description="The format's version: 2 adds expected, actual, reproduction and step; 1 is "
        "still read."
    )
    comment: str | None = Field(None, description="Free text for the reader.")
    entries: list[FileEntry]


def _tidy(node: Any) -> Any:
    """The generated schema, without the titles pydantic makes up for every property and
    without the ``null`` it allows for a key that is simply left out."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy = {key: _tidy(value) for key, value in node.items()}
    if "properties" in tidy:
        for prop in tidy["properties"].values():
            prop.pop("title", None)
            if "default" in prop and prop["default"] is None:
                del prop["default"]
            options = prop.pop("anyOf", None)
            if options is not None:
                kept = [o for o in options if o != {"type": "null"}]
                prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
    return tidy


def json_schema() -> dict[str, Any]:
    """The baseline file's JSON Schema, as shipped."""
    generated = _tidy(BaselineDocument.model_json_schema(by_alias=True))
    entry = generated.pop("$defs")["FileEntry"]
    entry.pop("title", None)
    entry.pop("description", None)
    generated["properties"]["entries"]["items"] = {"$ref": "#/$defs/entry"}
    generated["properties"]["$schema"] = {"type": "string"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_URL,
        "title": generated.pop("title"),
        "description": re.sub(r"\s+", " ", generated.pop("description")),
        **generated,
        "$defs": {"entry": entry},
    }


def schema_text() -> str:
    """The schema file's text: two-space indent, a newline at the end."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped file
    print(schema_text(), end="")
