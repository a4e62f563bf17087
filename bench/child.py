"""Run one child process and return its own resource usage (``os.wait4``), for the benches."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildUsage:
    code: int
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    output: bytes


def run_child(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> ChildUsage:
    """Run ``args`` to completion; CPU and peak RSS are this child's alone."""
    began = time.monotonic()
    with subprocess.Popen(
        list(args), env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as child:
        assert child.stdout is not None
        output = child.stdout.read()
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return ChildUsage(
        code=child.returncode,
        wall_s=time.monotonic() - began,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mib=usage.ru_maxrss / 1024,
        output=output,
    )


def github_step_env(work: Path, **inputs: str) -> dict[str, str]:
    """The environment of a GitHub step run in ``work`` (its workspace and home; outputs and
    summary files in it), with the action inputs given as ``INPUT_<NAME>`` (underscores in
    the keyword become dashes)."""
    env = {
        "PATH": os.environ["PATH"],
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        "HOME": str(work),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(work / "output"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
        "GITHUB_WORKSPACE": str(work),
    }
    env |= {f"INPUT_{name.replace('_', '-').upper()}": value for name, value in inputs.items()}
    return env
