"""The workspace: where a CI job's files are (``GITHUB_WORKSPACE``, ``CI_PROJECT_DIR``, else the
current directory), and whether a path is inside it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

REPORT_DIR_NAME = "testerarmy-reports"


def workspace_from_env(env: Mapping[str, str]) -> Path:
    for var in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = env.get(var, "").strip()
        if value:
            return Path(value)
    return Path.cwd()


def default_report_dir(env: Mapping[str, str]) -> Path:
    return workspace_from_env(env) / REPORT_DIR_NAME


def inside_workspace(path: Path, workspace: Path) -> bool:
    """True when ``path``, with every symbolic link followed, is inside ``workspace``."""
    try:
        path.resolve().relative_to(workspace.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
