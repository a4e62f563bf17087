"""Whether a path is inside the workspace (the CI context says where the workspace is)."""

from __future__ import annotations

from pathlib import Path


def inside_workspace(path: Path, workspace: Path) -> bool:
    """True when ``path``, with every symbolic link followed, is inside ``workspace``."""
    try:
        path.resolve().relative_to(workspace.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
