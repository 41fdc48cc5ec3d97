"""``python -m nlp.evaluation.layouts OUTDIR [options]``: render the layout harness.

Renders every gold report of ``--gold`` (default ``corpora/gold corpora/heldout``) from
its source in ``--corpus`` (default ``corpora/sample``) in each of ``--layouts``
(default all) into ``OUTDIR/<layout>/<stem>.<ext>`` and writes ``OUTDIR/manifest.json``.
``--propose-regions`` instead adds heuristic table regions to ``--regions`` for the
reports it does not list yet (to be reviewed by eye before rendering).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..evaluation.layouts.build import (
    DEFAULT_REGIONS,
    LAYOUTS,
    gold_files,
    render_corpus,
    source_of,
)
from ..evaluation.layouts.regions import dump, load, propose, to_entry
from ..evaluation.layouts.source import read_source

REGIONS_HEADER = """\
# Table stretches of each report's own text, cut out and replaced by the regenerated
# template tables (nlp/evaluation/layouts/regions.py says how a region is written).
# Proposed by the heuristic (python -m nlp.evaluation.layouts --propose-regions) and
# checked by eye, one by one; `reviewed` says so and `note` what was seen.
"""


def propose_regions(corpus: Path, gold_dirs: list[Path], path: Path) -> int:
    """Add proposals for reports ``path`` does not list; returns how many."""
    reports = load(path) if path.exists() else {}
    added = 0
    for gold in gold_files(gold_dirs):
        source = source_of(gold, corpus)
        if source.name in reports:
            continue
        data = json.loads(gold.read_text(encoding="utf-8"))
        src = read_source(source)
        regions = propose(src, data) if data.get("cells") else []
        reports[source.name] = {
            "reviewed": False,
            "regions": [to_entry(src, r) for r in regions],
        }
        added += 1
    dump(path, reports, REGIONS_HEADER)
    return added


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    ap = argparse.ArgumentParser(
        prog="python -m nlp.evaluation.layouts", description=__doc__.splitlines()[0]
    )
    ap.add_argument("outdir", type=Path, nargs="?")
    ap.add_argument("--corpus", type=Path, default=Path("corpora/sample"))
    ap.add_argument(
        "--gold",
        type=Path,
        nargs="+",
        default=[Path("corpora/gold"), Path("corpora/heldout")],
    )
    ap.add_argument(
        "--layouts",
        default=",".join(LAYOUTS),
        help=f"comma-separated, of {','.join(LAYOUTS)}",
    )
    ap.add_argument("--regions", type=Path, default=DEFAULT_REGIONS)
    ap.add_argument("--propose-regions", action="store_true")
    args = ap.parse_args(argv)
    if args.propose_regions:
        n = propose_regions(args.corpus, args.gold, args.regions)
        print(f"{n} reports proposed in {args.regions}: review them before rendering")
        return 0
    if args.outdir is None:
        ap.error("OUTDIR is required")
    layouts = [x.strip() for x in args.layouts.split(",") if x.strip()]
    start = time.monotonic()
    try:
        manifest = render_corpus(
            args.outdir, args.corpus, args.gold, layouts, args.regions
        )
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - start
    print(
        f"{manifest['reports']} reports, {len(manifest['files'])} files in "
        f"{args.outdir} ({took:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
