"""``python -m nlp.bench_search``: kept as a command; the code is ``nlp.cli.bench_search``."""

import sys

from .cli.bench_search import main

if __name__ == "__main__":
    sys.exit(main())
