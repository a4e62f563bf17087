"""The ``testerarmy-wait`` command's entry point: signal handlers first, everything else after.

Importing httpx and pydantic takes a few hundred milliseconds; a job cancelled in that time
must still end cleanly (``CANCELLED``, outputs written, 130/143), and as PID 1 in a container
a SIGTERM without a handler would be ignored. So this module imports nothing at load time.

The handlers stay until the very end: the process leaves through ``os._exit`` once its output
is flushed, because the interpreter's own shutdown would put the default handlers back, and a
second SIGTERM in that moment would kill it after all.
"""

from __future__ import annotations


def main() -> int:
    import contextlib
    import os
    import sys

    from testerarmy_wait.signals import install_for_process

    signals = install_for_process()
    from testerarmy_wait.cli import main as run

    try:
        code = run(signals=signals)
    except SystemExit as leaving:  # --help and --version end here
        code = leaving.code if isinstance(leaving.code, int) else 0 if leaving.code is None else 2
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
