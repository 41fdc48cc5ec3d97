"""``python -m nlp.run CORPUS --out OUT``: process a folder of reports.

Writes ``OUT/docs/<file>.json`` per document, ``OUT/corpus.jsonl`` (one line per
document), ``OUT/summary.json`` and ``OUT/weaknesses.json``, and prints a one-screen
summary. Exit code 0 when every document was processed, 1 when some failed, 2 on bad
usage.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..errors import Errors, NlpError
from ..pipeline.corpus import run_corpus

logger = logging.getLogger("nlp.run")


def parse_overrides(values: list[str]) -> dict[str, dict[str, Any]]:
    """``--set stages.weaknesses.model_override_below=0.7`` -> {weaknesses: {...}}."""
    import yaml

    result: dict[str, dict[str, Any]] = {}
    for item in values:
        key, sep, value = item.partition("=")
        parts = key.split(".")
        if not sep or len(parts) < 3 or parts[0] != "stages":
            raise NlpError(
                Errors.E018.format(
                    path="--set", detail=f"{item!r}: use stages.STAGE.KEY=VALUE"
                )
            )
        result.setdefault(parts[1], {})[".".join(parts[2:])] = yaml.safe_load(value)
    return result


def print_summary(summary: dict[str, Any], out: Path) -> None:
    print(
        f"Read {summary['documents']} documents in {summary['seconds']:.2f}s: "
        f"{summary['startup_seconds']:.1f}s to load the pipeline, then "
        f"{summary['docs_per_second']} docs/s with {summary['jobs']} job(s)."
    )
    print(f"Processed: {summary['processed']}   Failed: {summary['failed']}")
    for failure in summary["failures"][:15]:
        print(f"  FAILED {failure['doc_id']}: {failure['errors'][0]}")
    if len(summary["failures"]) > 15:
        print(f"  ... and {len(summary['failures']) - 15} more (see summary.json)")
    c = summary["counts"]
    print(
        "Found: "
        + ", ".join(
            f"{c.get(k, 0)} {k}"
            for k in ("sections", "tables", "cells", "metrics", "checks", "weaknesses")
        )
    )
    fails = {k: v for k, v in summary["check_verdicts"].items() if k.endswith(":fail")}
    if fails:
        print(
            "Checks failed: "
            + ", ".join(f"{k.split(':')[0]} {v}" for k, v in fails.items())
        )
    recurring = summary.get("recurring_weaknesses") or {}
    if recurring.get("reports_by_category"):
        top = list(recurring["reports_by_category"].items())[:5]
        print(
            "Weaknesses by reports stating them: "
            + ", ".join(f"{k} {v}" for k, v in top)
        )
        for item in recurring.get("repeated", [])[:5]:
            print(
                f"  recurring: {item['agency']} {item['category']}: {item['summary']}"
            )
        more = len(recurring.get("repeated", [])) - 5
        if more > 0:
            print(f"  ... and {more} more (see weaknesses.json)")
    by_stage = defaultdict(float, summary["stage_seconds"])
    if by_stage:
        top = sorted(by_stage.items(), key=lambda kv: -kv[1])[:5]
        print("Time by stage: " + ", ".join(f"{k} {v:.2f}s" for k, v in top))
    print(
        f"Output: {out}/docs/, {out}/corpus.jsonl, {out}/summary.json, {out}/weaknesses.json"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.run",
        description="Read a folder of annual reports into JSON records.",
    )
    parser.add_argument(
        "corpus", type=Path, help="folder of reports (searched recursively) or one file"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="output folder (default: out)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default: 1)"
    )
    parser.add_argument(
        "--config",
        default=None,
        help="pipeline config (default: configs/pipeline.yaml)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="stages.STAGE.KEY=VALUE",
        help="override a stage's config value (repeatable)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log warnings and debug detail"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    if not args.corpus.exists():
        print(Errors.E300.format(path=args.corpus), file=sys.stderr)
        return 2
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        summary = run_corpus(
            args.corpus,
            args.out,
            jobs=args.jobs,
            config=args.config,
            progress=False if args.no_progress else None,
            overrides=parse_overrides(args.overrides),
        )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_summary(summary, args.out)
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
