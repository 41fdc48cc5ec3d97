"""``python -m nlp.index OUT``: index the records of a run for search.

By default adds the reports of ``OUT`` (a folder written by ``python -m nlp.run``) to
an embedded SQLite FTS5 index (``--db``), replacing changed reports and skipping
unchanged ones. ``--format es-bulk --out FILE`` writes Elasticsearch/OpenSearch bulk
NDJSON instead, ``--es-url URL`` pushes to a cluster, ``--write-template`` regenerates
the index template from configs/search/fields.yaml. Exit code 0 on success, 1 when some
records could not be indexed (listed; the others are), 2 on errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ..errors import NlpError
from ..search.documents import DocumentBuilder, read_records
from ..search.es_export import (
    DEFAULT_INDEX,
    TEMPLATE_PATH,
    push,
    write_bulk,
    write_template,
)
from ..search.sqlite_index import SqliteIndex

DEFAULT_DB = Path("search.db")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.index",
        description="Index the records of `python -m nlp.run` for search (SQLite FTS5 or "
        "Elasticsearch/OpenSearch).",
    )
    parser.add_argument(
        "out",
        nargs="?",
        type=Path,
        help="run folder (corpus.jsonl or docs/*.json), or a .jsonl file",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=DEFAULT_DB,
        help=f"SQLite index file (default: {DEFAULT_DB})",
    )
    parser.add_argument(
        "--format",
        choices=("sqlite", "es-bulk"),
        default="sqlite",
        help="sqlite (default) or es-bulk (bulk NDJSON, needs --out)",
    )
    parser.add_argument(
        "--out", dest="file", type=Path, help="bulk NDJSON file to write"
    )
    parser.add_argument(
        "--index",
        default=DEFAULT_INDEX,
        help=f"Elasticsearch index name (default: {DEFAULT_INDEX})",
    )
    parser.add_argument(
        "--es-url", help="push to this cluster with the elasticsearch client"
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="remove reports of the index that are not in OUT",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="delete the index file first"
    )
    parser.add_argument(
        "--write-template",
        nargs="?",
        const=TEMPLATE_PATH,
        type=Path,
        metavar="FILE",
        help=f"write the index template (default: {TEMPLATE_PATH})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log progress detail"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    try:
        if args.write_template:
            path = write_template(args.write_template, index_pattern=f"{args.index}*")
            print(f"Wrote the index template for {args.index}* to {path}")
            if args.out is None:
                return 0
        if args.out is None:
            parser.error("name the run folder OUT (or use --write-template)")
        if not args.out.exists():
            print(f"error: {args.out} does not exist", file=sys.stderr)
            return 2
        records = read_records(args.out)
        if not args.no_progress and sys.stderr.isatty():
            from tqdm import tqdm

            records = tqdm(records, unit="report", desc="indexing")
        if args.es_url or args.format == "es-bulk":
            return _export(args, parser, records)
        return _sqlite(args, records)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _sqlite(args: argparse.Namespace, records) -> int:
    if args.rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    with SqliteIndex(args.db) as index:
        stats = index.add(records, prune=args.prune)
        if stats.added + stats.replaced + stats.removed:
            index.optimize()
        totals = index.stats()
    rate = (stats.added + stats.replaced) / stats.seconds if stats.seconds else 0
    print(
        f"Indexed {args.out} into {args.db} in {stats.seconds:.2f}s: "
        f"{stats.added} added, {stats.replaced} replaced, {stats.unchanged} unchanged, "
        f"{stats.removed} removed; {stats.sections} sections written "
        f"({rate:.0f} reports/s)."
    )
    for failure in stats.failed[:15]:
        print(f"  FAILED {failure['doc_id']}: {failure['error']}")
    if len(stats.failed) > 15:
        print(f"  ... and {len(stats.failed) - 15} more")
    print(
        f"The index holds {totals['reports']} reports and {totals['sections']} sections. "
        f"Search it: python -m nlp.search QUERY --db {args.db}"
    )
    return 1 if stats.failed else 0


def _export(args: argparse.Namespace, parser: argparse.ArgumentParser, records) -> int:
    builder = DocumentBuilder()
    documents = (builder(record, sha) for record, sha in records)
    if args.es_url:
        counts = push(documents, args.es_url, index=args.index)
        print(
            f"Pushed {counts['documents']} documents of {counts['reports']} reports to "
            f"{args.es_url} index {args.index}."
        )
        return 0
    if args.file is None:
        parser.error("--format es-bulk needs --out FILE")
    args.file.parent.mkdir(parents=True, exist_ok=True)
    with args.file.open("w", encoding="utf-8") as out:
        counts = write_bulk(documents, out, index=args.index)
    print(
        f"Wrote {counts['documents']} documents of {counts['reports']} reports to "
        f"{args.file} (bulk NDJSON for index {args.index}). Load it with:\n"
        f"  curl -XPUT $ES/_index_template/{args.index} -H 'Content-Type: application/json' "
        f"-d @{TEMPLATE_PATH}\n"
        f"  curl -XPOST $ES/_bulk -H 'Content-Type: application/x-ndjson' "
        f"--data-binary @{args.file}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
