"""``python -m nlp.spark``: kept as a command; the code is ``nlp.cli.spark``."""

import sys

from ..cli.spark import main

if __name__ == "__main__":
    sys.exit(main())
