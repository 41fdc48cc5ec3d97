"""``python -m nlp.view``: kept as a command; the code is ``nlp.cli.view``."""

import sys

from ..cli.view import main

if __name__ == "__main__":
    sys.exit(main())
