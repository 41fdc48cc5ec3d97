"""``python -m nlp.run CORPUS --out OUT``: process a folder of reports.

Writes ``OUT/docs/<file>.json`` per document, ``OUT/corpus.jsonl`` (one line per
document), ``OUT/summary.json`` and ``OUT/weaknesses.json``, and prints a one-screen
summary. Exit code 0 when every document was processed, 1 when some failed, 2 on bad
usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from . import corpus as corpus_module
from .checks.cross_year import compact, cross_year_checks
from .corpus import iter_corpus, process_corpus
from .errors import Errors, NlpError

logger = logging.getLogger("nlp.run")


def output_name(doc_id: str) -> str:
    """File name under OUT/docs for a document id (sub-folders flattened with '__')."""
    return doc_id.replace("/", "__") + ".json"


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def run(
    corpus: Path,
    out: Path,
    jobs: int = 1,
    config: str | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    files = iter_corpus(corpus)
    root = corpus if corpus.is_dir() else corpus.parent
    docs_dir = out / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    stage_seconds: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    failed: list[dict[str, Any]] = []
    compacts: list[dict[str, Any]] = []
    doc_ids: list[str] = []
    config_used: dict[str, Any] = {}
    chars = 0
    show = sys.stderr.isatty() if progress is None else progress
    outcomes = process_corpus(files, root, config=config, jobs=jobs)
    if show:
        from tqdm import tqdm

        outcomes = tqdm(outcomes, total=len(files), unit="doc", desc="reports")
    for outcome in outcomes:
        record = outcome.record
        doc_ids.append(record["doc_id"])
        stage_seconds.update(outcome.timings)
        chars += len(record.get("text", ""))
        _write_json(docs_dir / output_name(record["doc_id"]), record)
        if record["errors"]:
            failed.append(
                {
                    "doc_id": record["doc_id"],
                    "errors": [
                        f"{e['stage']}/{e['code']}: {e['message']}"
                        for e in record["errors"]
                    ],
                }
            )
        counts["sections"] += len(record["sections"])
        counts["tables"] += len(record["tables"])
        counts["cells"] += sum(len(t["cells"]) for t in record["tables"])
        counts["metrics"] += len(record["metrics"])
        counts["weaknesses"] += len(record["weaknesses"])
        counts["checks"] += len(record["checks"])
        for check in record["checks"]:
            verdicts[f"{check['kind']}:{check['verdict']}"] += 1
        config_used = record.get("config") or config_used
        compacts.append(compact(record))

    cross = cross_year_checks(compacts)
    for doc_id, checks in cross.items():
        path = docs_dir / output_name(doc_id)
        record = json.loads(path.read_text(encoding="utf-8"))
        base = len(record["checks"])
        for i, check in enumerate(checks):
            check.id = f"xy{base + i}"
            record["checks"].append(check.to_dict())
            verdicts[f"cross_year:{check.verdict}"] += 1
        _write_json(path, record)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as jsonl:
        for doc_id in doc_ids:
            text = (docs_dir / output_name(doc_id)).read_text(encoding="utf-8")
            jsonl.write(json.dumps(json.loads(text), ensure_ascii=False) + "\n")

    recurring = _recurring(compacts)
    _write_json(out / "weaknesses.json", recurring)
    elapsed = time.perf_counter() - start
    startup = corpus_module.startup_seconds
    summary = {
        "corpus": str(corpus),
        "documents": len(files),
        "processed": len(files) - len(failed),
        "failed": len(failed),
        "failures": failed,
        "seconds": round(elapsed, 3),
        "startup_seconds": round(startup, 3),
        # Documents per second once the pipeline is built (start-up is paid once).
        "docs_per_second": round(len(files) / (elapsed - startup), 2)
        if elapsed > startup
        else None,
        "characters": chars,
        "jobs": jobs,
        "counts": dict(counts),
        "check_verdicts": dict(sorted(verdicts.items())),
        "stage_seconds": {k: round(v, 4) for k, v in stage_seconds.most_common()},
        "cross_year": [
            {"doc_id": doc_id, **c.to_dict()}
            for doc_id, checks in sorted(cross.items())
            for c in checks
        ],
        "recurring_weaknesses": recurring.get("summary", {}),
        "config": config_used,
    }
    _write_json(out / "summary.json", summary)
    return summary


def _recurring(compacts: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        from .weaknesses.recurring import find_recurring
    except ImportError:
        return {}
    return find_recurring(compacts)


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
        summary = run(
            args.corpus,
            args.out,
            jobs=args.jobs,
            config=args.config,
            progress=False if args.no_progress else None,
        )
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_summary(summary, args.out)
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
