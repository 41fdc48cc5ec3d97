"""``python -m nlp`` is ``python -m nlp.run``."""

import sys

from .cli.run import main

sys.exit(main())
