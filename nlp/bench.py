"""``python -m nlp.bench``: kept as a command; the code is ``nlp.cli.bench``."""

import sys

from .cli.bench import main

if __name__ == "__main__":
    sys.exit(main())
