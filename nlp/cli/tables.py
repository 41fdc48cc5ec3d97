"""``python -m nlp.tables OUT``: the tidy Parquet tables of a finished run.

Reads ``OUT/corpus.jsonl`` (records with their cross-year checks) and writes
``OUT/tables/{reports,sections,cells,metrics,checks,weaknesses}.parquet``. ``nlp.run``
writes them itself unless given ``--no-tables``; this rebuilds them (or builds them
for a run made before tables existed). Exit code 0, or 2 when OUT holds no records.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import NlpError
from ..io.tables import write_tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.tables",
        description="Write the tidy Parquet tables of a run folder.",
    )
    parser.add_argument("out", type=Path, help="a run folder (holds corpus.jsonl)")
    args = parser.parse_args(argv)
    try:
        counts = write_tables(args.out)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"Wrote {args.out}/tables/: "
        + ", ".join(f"{name}.parquet {n} rows" for name, n in counts.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
