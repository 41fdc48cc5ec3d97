"""``python -m nlp.spark INPUT OUT``: a corpus run on PySpark (the ``spark`` extra).

INPUT is a folder of reports, a glob, or crawl dumps (``*.csv``, ``*.jsonl``,
``*.parquet``), local or any Hadoop URI (``hdfs://``, ``s3a://``). Writes
``OUT/records/year=*/`` and ``OUT/tables/<name>/year=*/`` (Parquet) and, for a local
OUT, ``summary.json`` and ``weaknesses.json``. Exit code 0 when every document was
processed, 1 when some failed, 2 on bad usage or a failed job.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ..errors import Errors, NlpError
from .run import add_pipeline_options, parse_overrides, print_found

try:  # PySpark is the optional ``spark`` extra: say how to get it, not a traceback.
    from ..spark.job import SparkSettings, run_spark
except ImportError as e:
    MISSING: ImportError | None = e
else:
    MISSING = None

logger = logging.getLogger("nlp.spark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.spark",
        description="Read a corpus into records and tidy tables on Spark.",
    )
    parser.add_argument("input", help="folder, glob or crawl dumps (any Hadoop URI)")
    parser.add_argument("out", help="output folder or URI")
    parser.add_argument(
        "--master",
        default="local[2]",
        help="Spark master (default local[2]; under spark-submit its --master wins)",
    )
    parser.add_argument(
        "--max-failures",
        type=int,
        default=4,
        help="attempts per task before the job fails (spark.task.maxFailures)",
    )
    parser.add_argument("--partitions", type=int, default=None, help="input partitions")
    add_pipeline_options(parser)
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Spark setting (repeatable)",
    )
    parser.add_argument(
        "--run-config",
        default="run",
        help="the run's limits per document (default configs/run.yaml, as nlp.run)",
    )
    parser.add_argument("--no-tables", action="store_true", help="records only")
    for part in ("text", "html", "title", "url", "date"):
        parser.add_argument(
            f"--{part}-column", default=None, help=f"crawl dumps: the {part} column"
        )
    parser.add_argument("-v", "--verbose", action="store_true", help="log detail")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--conf {item!r}: use KEY=VALUE")
        conf[key] = value
    if MISSING is not None:
        print(f"error: {Errors.E903} ({MISSING})", file=sys.stderr)
        return 2
    try:
        settings = SparkSettings(
            master=args.master,
            max_failures=args.max_failures,
            partitions=args.partitions,
            config=args.config,
            overrides=parse_overrides(args.overrides),
            tables=not args.no_tables,
            text_column=args.text_column,
            html_column=args.html_column,
            title_column=args.title_column,
            url_column=args.url_column,
            date_column=args.date_column,
            spark_conf=conf,
            run_config=args.run_config,
        )
        summary = run_spark(args.input, args.out, settings)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(
        f"Read {summary['documents']} documents in {summary['seconds']:.1f}s on "
        f"{summary['master']} ({summary['startup_seconds']:.1f}s start-up, "
        f"{summary['docs_per_second']} docs/s)."
    )
    print(f"Processed: {summary['processed']}   Failed: {summary['failed']}")
    print_found(summary)
    print(f"Output: {args.out}/records/, {args.out}/tables/ (Parquet, by year)")
    return 0 if summary["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
