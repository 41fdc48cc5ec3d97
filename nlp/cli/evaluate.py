"""``python -m nlp.evaluate GOLD_DIR [--pred OUT]``: score output against gold (docs/GOLD.md).

Runs the pipeline on the gold's reports (or reads an existing ``nlp.run`` output) and
prints, for every task, the score overall and per document, as a table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import Errors, NlpError
from ..evaluation import evaluate, format_table, scans
from ..evaluation.crossval import crossval, default_gold_dirs, format_crossval
from ..evaluation.harness import (
    MANIFEST,
    format_entries,
    format_prose_rows,
    format_rows,
    manifest_entries,
    prose_rows,
    score_files,
    summary_rows,
)
from ..pipeline.corpus import Processor


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
    _add_harness_flags(parser)
    _add_scan_flags(parser)
    # Agency-grouped cross-validation (nlp.evaluation.crossval).
    parser.add_argument(
        "--cv",
        nargs="*",
        type=Path,
        default=None,
        metavar="GOLD_DIR",
        help="also score by cross-validation grouped by agency over these gold "
        "folders (default: every gold folder of configs/train/sections.yaml), "
        "models refitted per fold, beside the shipped pipeline's plain score",
    )
    parser.add_argument(
        "--cv-folds",
        type=int,
        default=None,
        help="deal agency groups to this many folds (default: leave one group out)",
    )
    parser.add_argument(
        "--cv-json", type=Path, default=None, help="write the CV scores as JSON here"
    )
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
    code = _run_harness(args) or _run_scans(args)
    if code or args.cv is None:
        return code
    return _crossval(args)


# ------------------------------------------------ the tables, per layout and format


def _add_harness_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "tables per layout and source format (nlp/evaluation/harness.py)"
    )
    group.add_argument(
        "--layouts",
        nargs="?",
        type=Path,
        const=MANIFEST,
        default=None,
        metavar="MANIFEST",
        help="also read back every layout rendering the manifest lists (default "
        "corpora/layouts/manifest.json) and print cells and false fails per layout",
    )
    group.add_argument(
        "--only-layouts",
        default=None,
        help="comma-separated layouts of --layouts to read (default: all)",
    )
    group.add_argument(
        "--by-format",
        action="store_true",
        help="also print cells and false fails per source format of the gold's corpus",
    )
    group.add_argument(
        "--harness-misses",
        action="store_true",
        help="print each cell missed and each false fail of --layouts/--by-format",
    )
    group.add_argument(
        "--harness-json", type=Path, default=None, help="write those scores as JSON"
    )


def _run_harness(args: argparse.Namespace) -> int:
    if not args.layouts and not args.by_format:
        return 0
    processor = Processor(args.config)
    out = {}
    try:
        if args.by_format:
            corpus = args.corpus or args.gold.parent / "sample"
            out["formats"] = score_files(format_entries(args.gold, corpus), processor)
        if args.layouts:
            only = (
                [x.strip() for x in args.only_layouts.split(",") if x.strip()]
                if args.only_layouts
                else None
            )
            entries = manifest_entries(args.layouts, only)
            out["layouts"] = score_files(entries, processor)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    titles = {
        "formats": f"Tables per source format of {args.gold}:",
        "layouts": f"Tables per layout of {args.layouts}:",
    }
    prose_titles = {
        "formats": f"Prose per source format of {args.gold}:",
        "layouts": f"Prose per layout of {args.layouts}:",
    }
    for key, groups in out.items():
        print()
        print(format_rows(summary_rows(groups), titles[key]))
        print()
        print(format_prose_rows(prose_rows(groups), prose_titles[key]))
        if args.harness_misses:
            for name, group in sorted(groups.items()):
                for miss in group.misses:
                    print(name, json.dumps(miss, ensure_ascii=False))
    if args.harness_json:
        data = {
            key: {
                "summary": summary_rows(groups),
                "prose": prose_rows(groups),
                "groups": {n: g.to_json() for n, g in groups.items()},
            }
            for key, groups in out.items()
        }
        args.harness_json.write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


# ------------------------------------------------------ scanned PDFs read by OCR


def _add_scan_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "scanned PDFs read by OCR (nlp/evaluation/scans.py; needs the ocr extra)"
    )
    group.add_argument(
        "--scans",
        action="store_true",
        help="also scan a few pdf renderings (rasterised, noised, sealed), read them "
        "back by OCR and print character accuracy, sections, cells and metrics per "
        "dpi and noise level",
    )
    group.add_argument(
        "--scan-reports",
        default=",".join(scans.DEFAULT_REPORTS),
        help="comma-separated report names of the pdf layout to scan",
    )
    group.add_argument(
        "--scan-grid",
        default=None,
        help="comma-separated DPI:LEVEL conditions for every report (levels: "
        f"{', '.join(scans.LEVELS)}; default: 200:mild for all, a grid for the first)",
    )
    group.add_argument(
        "--scans-json", type=Path, default=None, help="write the scan scores as JSON"
    )
    group.add_argument(
        "--scan-engines",
        default=None,
        help="comma-separated OCR engines (rapidocr, tesseract) to compare on the "
        "same page images instead of scanning: accuracy and CPU-seconds a page",
    )


def _run_scans(args: argparse.Namespace) -> int:
    if args.scan_engines:
        engines = [x.strip() for x in args.scan_engines.split(",") if x.strip()]
        try:
            table = scans.compare_engines(engines)
        except NlpError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print()
        print(scans.format_engines(table))
        _write_json(args.scans_json, table)
        return 0
    if not args.scans:
        return 0
    reports = [x.strip() for x in args.scan_reports.split(",") if x.strip()]
    grid = None
    if args.scan_grid:
        grid = []
        for item in args.scan_grid.split(","):
            dpi, _, level = item.strip().partition(":")
            if not dpi.isdigit() or level not in scans.LEVELS:
                print(f"error: --scan-grid {item!r}: use DPI:LEVEL", file=sys.stderr)
                return 2
            grid.append((int(dpi), level))
    try:
        entries = scans.scan_entries(reports, grid)
        table = scans.rows(scans.score(entries, Processor(args.config)))
    except (NlpError, KeyError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print()
    print(scans.format_rows(table))
    _write_json(args.scans_json, table)
    return 0


def _crossval(args: argparse.Namespace) -> int:
    gold_dirs = args.cv or default_gold_dirs()
    corpus = args.corpus or _sample_beside(gold_dirs[0])
    try:
        result = crossval(
            gold_dirs,
            corpus,
            args.config,
            args.cv_folds,
            progress=lambda m: print(f"  cv: {m}", file=sys.stderr),
        )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print()
    print(format_crossval(result, " ".join(["python -m nlp.evaluate", *sys.argv[1:]])))
    if args.misses:
        print(json.dumps(result["misses"], ensure_ascii=False, indent=1))
    if args.cv_json:
        args.cv_json.write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


def _sample_beside(gold_dir: Path) -> Path:
    return gold_dir.parent / "sample"


if __name__ == "__main__":
    sys.exit(main())


def _write_json(path: Path | None, data: Any) -> None:
    """``data`` as indented JSON at ``path`` (nothing when no path was given)."""
    if path is not None:
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )
