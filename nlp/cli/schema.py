"""``python -m nlp.schema``: print the JSON Schema of the output records."""

from __future__ import annotations

import json
import sys

from ..io.schema import record_schema


def main() -> int:
    print(json.dumps(record_schema(), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
