"""A small launcher: run one command and write its own resource usage as JSON.

On Linux a child's peak RSS (``ru_maxrss``) starts at its parent's high-water mark when it is
forked, so a command started straight from a large benchmark process reports the benchmark's
memory as its own. This launcher is a small process: the command it starts reports its own
peak. Used as ``python bench/launcher.py USAGE.json -- COMMAND...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    usage_path, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        sys.stderr.write("usage: launcher.py USAGE.json -- COMMAND...\n")
        return 2
    began = time.monotonic()
    child = subprocess.Popen(command)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = code = os.waitstatus_to_exitcode(status)
    with open(usage_path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "code": code,
                "wall_s": time.monotonic() - began,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mib": usage.ru_maxrss / 1024,
            },
            handle,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
