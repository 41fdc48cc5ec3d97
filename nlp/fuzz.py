"""``python -m nlp.fuzz``: kept as a command; the code is ``nlp.cli.fuzz``."""

import sys

from .cli.fuzz import main

if __name__ == "__main__":
    sys.exit(main())
