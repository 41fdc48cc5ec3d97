"""``python -m nlp.tables``: kept as a command; the code is ``nlp.cli.tables``."""

import sys

from .cli.tables import main

if __name__ == "__main__":
    sys.exit(main())
