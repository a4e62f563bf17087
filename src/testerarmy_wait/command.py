"""The ``testerarmy-wait`` command's entry point: signal handlers first, everything else after.

Importing httpx and pydantic takes a few hundred milliseconds; a job cancelled in that time
must still end cleanly (``CANCELLED``, outputs written, 130/143), and as PID 1 in a container
a SIGTERM without a handler would be ignored. So this module imports nothing at load time.
"""

from __future__ import annotations


def main() -> int:
    from testerarmy_wait.signals import install_for_process

    signals = install_for_process()
    from testerarmy_wait.cli import main as run

    return run(signals=signals)
