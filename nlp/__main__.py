"""``python -m nlp`` is ``python -m nlp.run``."""

import sys

from .run import main

sys.exit(main())
