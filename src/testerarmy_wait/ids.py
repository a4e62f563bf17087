"""Run, test, group and batch ids: canonical UUIDs, the one form accepted from users and from
the server (ids go into URLs, logs and outputs)."""

from __future__ import annotations

import re
from typing import Final

_CANONICAL: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def canonical_uuid(value: object) -> str | None:
    """``value`` in lower case when it is a UUID in the canonical 8-4-4-4-12 form, else None."""
    if isinstance(value, str) and _CANONICAL.fullmatch(value):
        return value.lower()
    return None


def is_canonical_uuid(value: object) -> bool:
    return canonical_uuid(value) is not None
