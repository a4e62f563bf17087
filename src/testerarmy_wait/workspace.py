"""Files in the workspace: whether a path is inside it (the CI context says where the
workspace is), and writing a file there so that no reader ever sees half of it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def inside_workspace(path: Path, workspace: Path) -> bool:
    """True when ``path``, with every symbolic link followed, is inside ``workspace``."""
    try:
        path.resolve().relative_to(workspace.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def write_text_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write UTF-8 text (or its pieces, one after another) through a temporary file in the
    same directory and a rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for piece in [text] if isinstance(text, str) else text:
                handle.write(piece)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
