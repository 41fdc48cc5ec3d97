"""``python -m nlp.evaluate``: kept as a command; the code is ``nlp.cli.evaluate``."""

import sys

from .cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
