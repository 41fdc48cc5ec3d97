"""``python -m nlp.schema``: kept as a command; the code is ``nlp.cli.schema``."""

import sys

from .cli.schema import main

if __name__ == "__main__":
    sys.exit(main())
