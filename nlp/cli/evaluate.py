"""``python -m nlp.evaluate GOLD_DIR [--pred OUT]``: score output against gold (docs/GOLD.md).

Runs the pipeline on the gold's reports (or reads an existing ``nlp.run`` output) and
prints, for every task, the score overall and per document, as a table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import Errors, NlpError
from ..evaluation import evaluate, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("gold", type=Path, help="folder of *.gold.json files")
    parser.add_argument(
        "--pred",
        type=Path,
        default=None,
        help="an nlp.run output folder to score instead of running",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="folder with the gold's reports (default: beside the gold)",
    )
    parser.add_argument(
        "--config",
        default=None,
        help="pipeline config (default: configs/pipeline.yaml)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the scores as JSON here"
    )
    parser.add_argument(
        "--misses", action="store_true", help="print what each task got wrong"
    )
    parser.add_argument("--quiet", action="store_true", help="overall scores only")
    args = parser.parse_args(argv)
    if not args.gold.is_dir():
        print(Errors.E300.format(path=args.gold), file=sys.stderr)
        return 2
    try:
        result = evaluate(args.gold, args.corpus, args.pred, args.config)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_table(result, per_document=not args.quiet))
    if args.misses:
        print(json.dumps(result["misses"], ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
