"""``python -m testerarmy_wait_sandbox [options]``"""

import sys

from .cli import main

sys.exit(main(sys.argv[1:], prog="python -m testerarmy_wait_sandbox"))
