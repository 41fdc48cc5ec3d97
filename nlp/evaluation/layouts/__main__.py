"""``python -m nlp.evaluation.layouts``: kept as a command; the code is
``nlp.cli.layouts``."""

import sys

from ...cli.layouts import main

if __name__ == "__main__":
    sys.exit(main())
