"""``python -m nlp.run``: kept as a command; the code is ``nlp.cli.run``."""

import sys

from .cli.run import main

if __name__ == "__main__":
    sys.exit(main())
