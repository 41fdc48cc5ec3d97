"""``python -m nlp.run CORPUS --out OUT``: process a folder of reports (and crawl
dumps: CSV, TSV, JSONL, Parquet files whose rows are reports).

Writes ``OUT/docs/<name>.json`` per document, ``OUT/corpus.jsonl`` (one line per
document), ``OUT/summary.json`` and ``OUT/weaknesses.json`` — first into a staging
folder beside OUT, moved into place when the run is complete — and prints a
one-screen summary. Exit codes (docs/runs.md): 0 every document processed, 1 some
failed, 2 bad usage (nothing written), 3 the run could not complete (interrupted,
or the disk failed; the partial summary is in the staging folder, OUT untouched).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# Arrow's allocator for the run's processes (set before pyarrow is first used, and
# inherited by the forked workers), unless the caller chose one: the tidy tables
# are written in small batches, for which the system allocator is faster than
# Arrow's default mimalloc and keeps far less: on 2,000 reports the parent's peak
# went from 260-282 to 200 MiB and a worker's from 192 to 173 (docs/speed.md).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from ..config import config_path, load_yaml
from ..errors import Errors, NlpError
from ..io.readers import DEFAULT_LIMITS, Limits
from ..io.readers.crawl import Columns
from ..io.tables import PartSinks, finish_tables
from ..pipeline.corpus import RunIncomplete, RunUsageError, run_corpus, staging_for

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


def run_defaults(path: Path | None) -> dict[str, Any]:
    """The run's defaults: ``configs/run.yaml`` (or ``path``) over the built-in ones."""
    found: dict[str, Any] = {
        "limits": dataclasses.asdict(DEFAULT_LIMITS),
        "records": "slim",
        "follow_outside_links": False,
    }
    file = path or config_path("run")
    if path is None and not Path(file).is_file():
        return found
    data = load_yaml(file)
    unknown = set(data) - {"version", *found}
    if unknown:
        raise NlpError(
            Errors.E003.format(path=file, key=min(unknown), detail="unknown key")
        )
    try:
        limits = Limits.from_mapping(data.get("limits") or {})
    except ValueError as e:
        raise NlpError(Errors.E003.format(path=file, key="limits", detail=e)) from e
    found["limits"].update({k: getattr(limits, k) for k in (data.get("limits") or {})})
    if data.get("records", "slim") not in ("slim", "full"):
        raise NlpError(
            Errors.E003.format(path=file, key="records", detail="use slim or full")
        )
    found["records"] = data.get("records", "slim")
    found["follow_outside_links"] = bool(data.get("follow_outside_links", False))
    return found


def print_found(summary: dict[str, Any]) -> None:
    """The failed documents (the first 15) and the counts of what was found."""
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


def print_summary(summary: dict[str, Any], out: Path) -> None:
    print(
        f"Read {summary['documents']} documents in {summary['seconds']:.2f}s: "
        f"{summary['startup_seconds']:.1f}s to load the pipeline, then "
        f"{summary['docs_per_second']} docs/s with {summary['jobs']} job(s)."
    )
    print(f"Processed: {summary['processed']}   Failed: {summary['failed']}")
    skipped = summary.get("skipped") or []
    if skipped:
        reasons = defaultdict(int)
        for entry in skipped:
            reasons[entry["reason"]] += 1
        print(
            f"Skipped {len(skipped)} entries: "
            + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
            + " (see summary.json)"
        )
    print_found(summary)
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
    if summary.get("tables"):
        print(f"Tables: {out}/tables/{{{','.join(summary['tables'])}}}.parquet")


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--set``: which pipeline, and one stage's value changed (the
    options every command that builds the pipeline takes)."""
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
    add_pipeline_options(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-tables",
        action="store_true",
        help="do not write OUT/tables/*.parquet (the tidy tables; nlp.io.tables)",
    )
    parser.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not OCR PDF pages without a usable text layer: such a PDF fails "
        "with E161 (the same as NLP_OCR=off; the ocr extra reads them)",
    )
    parser.add_argument(
        "--records",
        choices=("slim", "full"),
        default=None,
        help="slim (default): tokens and sentences left empty; full: kept",
    )
    parser.add_argument(
        "--pretty", action="store_true", help="indent the records in docs/ (slower)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run into the same OUT",
    )
    parser.add_argument(
        "--follow-outside-links",
        action="store_true",
        help="read files and folders that links lead to outside the corpus",
    )
    parser.add_argument(
        "--run-config",
        type=Path,
        default=None,
        help="defaults of the limits and options (default: configs/run.yaml)",
    )
    limits = parser.add_argument_group(
        "limits per document (0: no limit; defaults from configs/run.yaml)"
    )
    for name, flag, kind, help_text in _LIMIT_FLAGS:
        limits.add_argument(
            flag,
            dest=name,
            type=kind,
            default=None,
            help=f"{help_text} (built-in default: {getattr(DEFAULT_LIMITS, name)})",
        )
    dumps = parser.add_argument_group("crawl dumps (.csv, .tsv, .jsonl, .parquet)")
    for key in ("text", "html", "title", "url", "date"):
        dumps.add_argument(
            f"--{key}-column",
            dest=f"{key}_column",
            default=None,
            help=f"column holding the {key} (default: a common name)",
        )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log warnings and debug detail"
    )
    args = parser.parse_args(argv)
    if args.no_ocr:
        # The PDF reader asks the environment, so worker processes see it too.
        os.environ["NLP_OCR"] = "off"
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    if not os.path.lexists(args.corpus):
        print(Errors.E300.format(path=args.corpus), file=sys.stderr)
        return 2
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    for name, flag, _, _ in _LIMIT_FLAGS:
        if getattr(args, name) is not None and getattr(args, name) < 0:
            parser.error(f"{flag} must be 0 (no limit) or more")
    try:
        defaults = run_defaults(args.run_config)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    limit_values = dict(defaults["limits"])
    for name, *_ in _LIMIT_FLAGS:
        if getattr(args, name) is not None:
            limit_values[name] = getattr(args, name) or None
    columns = Columns(
        text=args.text_column,
        html=args.html_column,
        title=args.title_column,
        url=args.url_column,
        date=args.date_column,
    )
    # Each worker writes its part of the tidy tables into the staging folder.
    tables_dir = staging_for(args.out) / "tables"
    try:
        summary = run_corpus(
            args.corpus,
            args.out,
            jobs=args.jobs,
            config=args.config,
            progress=False if args.no_progress else None,
            overrides=parse_overrides(args.overrides),
            limits=Limits(**limit_values),
            columns=columns,
            records=args.records or defaults["records"],
            pretty=args.pretty,
            resume=args.resume,
            follow_outside_links=args.follow_outside_links
            or defaults["follow_outside_links"],
            sinks=None if args.no_tables else PartSinks(tables_dir),
        )
        if not args.no_tables:
            summary["tables"] = finish_tables(args.out, summary)
    except RunIncomplete as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except (RunUsageError, NlpError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_summary(summary, args.out)
    return 0 if summary["failed"] == 0 else 1


_LIMIT_FLAGS = (
    ("max_bytes", "--max-bytes", int, "bytes of one input file or dump cell"),
    ("max_part_bytes", "--max-part-bytes", int, "unpacked bytes of one DOCX part"),
    ("max_unzipped_bytes", "--max-unzipped-bytes", int, "unpacked bytes of a DOCX"),
    ("max_chars", "--max-chars", int, "characters of text handed to cleaning"),
    ("max_html_depth", "--max-html-depth", int, "nesting depth of an HTML page"),
    ("timeout", "--timeout", float, "wall-time seconds per document"),
)


if __name__ == "__main__":
    sys.exit(main())
