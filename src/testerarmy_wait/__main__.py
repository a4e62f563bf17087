"""``python -m testerarmy_wait``: the same as the ``testerarmy-wait`` command."""

from testerarmy_wait.command import main

raise SystemExit(main())
