"""``python -m nlp.train``: kept as a command; the code is ``nlp.cli.train``."""

import sys

from .cli.train import main

if __name__ == "__main__":
    sys.exit(main())
