"""The sandbox's built-in data, ``data/builtin.json``: the plain ``scenarios``, the
``hostilePieces``, the ``account`` run that the account scenarios fill in, and the
``problems`` of ``rewordings``. Read once, when the sandbox is first used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

DATA: Final[dict[str, Any]] = json.loads(
    Path(__file__).with_name("data").joinpath("builtin.json").read_bytes()
)
