"""``python -m nlp.search``: kept as a command; the code is ``nlp.cli.search``."""

import sys

from ..cli.search import main

sys.exit(main())
