"""``python -m nlp.index``: kept as a command; the code is ``nlp.cli.index``."""

import sys

from .cli.index import main

if __name__ == "__main__":
    sys.exit(main())
