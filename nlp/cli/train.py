"""``python -m nlp.train TASK [--config FILE] [--backend B] --out DIR``: train a model.

See ``nlp.training.loop`` for what it does.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import NlpError
from ..training.loop import BACKEND_NAMES, TASKS, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument(
        "--config", type=Path, default=None, help="default: configs/train/TASK.yaml"
    )
    parser.add_argument("--backend", choices=BACKEND_NAMES, default="sklearn")
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="local transformer checkpoint directory (transformers backend)",
    )
    parser.add_argument(
        "--compare",
        nargs="*",
        default=[],
        choices=BACKEND_NAMES,
        help="also train these backends on the same split and report them in the card",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        meta = train(
            args.task,
            args.out,
            args.config,
            args.backend,
            args.checkpoint,
            args.compare,
        )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    m = meta["metrics"]
    print(
        f"{args.task} ({args.backend}): accuracy {m['accuracy']}, macro-F1 {m['macro_f1']} on {m['n']} held-out "
        f"gold examples; majority {m['baseline_majority']['accuracy']}, rules {m['baseline_rules']['accuracy']}"
    )
    for name, other in meta.get("backends_compared", {}).items():
        print(f"  {name}: accuracy {other['accuracy']}, macro-F1 {other['macro_f1']}")
    print(
        f"Wrote {args.out}/meta.json and {args.out}/README.md in {meta['train_seconds']}s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
