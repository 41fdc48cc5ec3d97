"""``python -m nlp.bench_search OUT [--reports N]``: what search indexing and queries cost.

Replicates the records of a run (``OUT`` from ``python -m nlp.run``) in memory under new
doc_ids until ``N`` reports (default 10,000), streams them into a fresh SQLite index and
measures the build rate (reports/s, sections/s), then runs the fixed query set of
``configs/search/bench_queries.yaml`` several times and reports the median and 95th
percentile latency (query cut with jieba, FTS5 match, BM25 ranking, facets over all hits,
snippets of the top 10). Also times reading records from JSON and the bulk NDJSON export.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR, load_yaml
from ..errors import NlpError
from ..search.documents import read_records
from ..search.es_export import write_bulk
from ..search.query import Filters, parse_years
from ..search.sqlite_index import SqliteIndex

QUERIES = CONFIG_DIR / "search" / "bench_queries.yaml"


def replicas(
    records: list[tuple[dict[str, Any], str]], n: int
) -> Iterator[tuple[dict[str, Any], str]]:
    """``n`` reports: the records again and again, each copy under a new doc_id."""
    for i in range(n):
        record, sha = records[i % len(records)]
        copy = i // len(records)
        if copy == 0:
            yield record, sha
            continue
        replica = dict(record)  # shallow: the builder does not modify records
        replica["doc_id"] = f"{record['doc_id']}~{copy:05d}"
        yield replica, hashlib.sha256(f"{sha}:{copy}".encode()).hexdigest()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _filters(spec: dict[str, Any]) -> Filters:
    year_from, year_to = parse_years(spec.get("year"))
    return Filters(
        labels=tuple(filter(None, [spec.get("label")])),
        categories=tuple(filter(None, [spec.get("category")])),
        agency=spec.get("agency"),
        year_from=year_from,
        year_to=year_to,
        province=spec.get("province"),
        admin_level=spec.get("admin_level"),
        template=spec.get("template"),
        failed_checks=spec.get("failed_checks"),
    )


def bench(out: Path, reports: int, db: Path, repeat: int) -> dict[str, Any]:
    start = time.perf_counter()
    records = list(read_records(out))
    read_seconds = time.perf_counter() - start
    base_chars = sum(len(r.get("text") or "") for r, _ in records)

    with SqliteIndex(db) as index:
        builder = index.builder
        builder(records[0][0])  # load jieba and warm the caches outside the timing
        stats = index.add(replicas(records, reports), commit_every=1000)
        start = time.perf_counter()
        index.optimize()
        optimize_seconds = time.perf_counter() - start
        totals = index.stats()

    sample = [builder(r, s) for r, s in replicas(records, min(reports, 1000))]
    start = time.perf_counter()
    sink = io.StringIO()
    bulk = write_bulk(iter(sample), sink)
    bulk_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for record, sha in replicas(records, min(reports, 1000)):
        builder(record, sha)
    build_seconds = time.perf_counter() - start

    specs = load_yaml(QUERIES)["queries"]
    per_query = []
    latencies: list[float] = []
    with SqliteIndex(db, readonly=True) as index:
        for spec in specs:
            filters = _filters(spec)
            times = []
            result = None
            for _ in range(repeat):
                t0 = time.perf_counter()
                result = index.search(
                    spec.get("query", ""),
                    filters,
                    limit=10,
                    per_report=bool(spec.get("per_report")),
                )
                times.append(time.perf_counter() - t0)
            latencies += times
            per_query.append(
                {
                    "query": spec.get("query", ""),
                    "filters": filters.to_dict(),
                    "per_report": bool(spec.get("per_report")),
                    "hits": result.total,
                    "median_ms": round(statistics.median(times) * 1000, 2),
                    "max_ms": round(max(times) * 1000, 2),
                }
            )

    built = stats.added + stats.replaced
    return {
        "source": str(out),
        "source_reports": len(records),
        "reports": totals["reports"],
        "sections": totals["sections"],
        "characters": base_chars * reports // max(1, len(records)),
        "build": {
            "seconds": round(stats.seconds, 2),
            "reports_per_second": round(built / stats.seconds, 1),
            "sections_per_second": round(stats.sections / stats.seconds, 1),
            "optimize_seconds": round(optimize_seconds, 2),
            "db_megabytes": round(db.stat().st_size / 2**20, 1),
            "documents_only_reports_per_second": round(
                min(reports, 1000) / build_seconds, 1
            ),
        },
        "read_records": {"reports_per_second": round(len(records) / read_seconds, 1)},
        "es_bulk": {
            "documents": bulk["documents"],
            "documents_per_second": round(bulk["documents"] / bulk_seconds, 1),
            "megabytes": round(len(sink.getvalue().encode()) / 2**20, 1),
        },
        "queries": {
            "distinct": len(specs),
            "repeat": repeat,
            "runs": len(latencies),
            "median_ms": round(statistics.median(latencies) * 1000, 2),
            "p95_ms": round(percentile(latencies, 95) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2),
            "per_query": per_query,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.bench_search",
        description="Index build rate and query latency over a run's records replicated "
        "to N reports.",
    )
    parser.add_argument("out", type=Path, help="run folder of `python -m nlp.run`")
    parser.add_argument(
        "--reports", type=int, default=10_000, help="reports to index (default: 10000)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each query (default: 5)"
    )
    parser.add_argument(
        "--db", type=Path, help="index file (default: a temporary file)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.reports < 1 or args.repeat < 1:
        parser.error("--reports and --repeat must be positive")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = args.db or Path(tmp) / "bench.db"
            if db.exists():
                parser.error(f"{db} exists; the benchmark builds a fresh index")
            result = bench(args.out, args.reports, db, args.repeat)
    except NlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    b, q = result["build"], result["queries"]
    print(
        f"Indexed {result['reports']} reports ({result['sections']} sections, replicated from "
        f"{result['source_reports']}) in {b['seconds']}s: {b['reports_per_second']} reports/s, "
        f"{b['sections_per_second']} sections/s; optimize {b['optimize_seconds']}s; "
        f"index {b['db_megabytes']} MB."
    )
    print(
        f"Documents alone: {b['documents_only_reports_per_second']} reports/s; reading "
        f"records from JSON: {result['read_records']['reports_per_second']} reports/s; "
        f"bulk NDJSON: {result['es_bulk']['documents_per_second']} documents/s."
    )
    print(
        f"Queries: {q['distinct']} queries x {q['repeat']} runs: median {q['median_ms']} ms, "
        f"95th percentile {q['p95_ms']} ms, max {q['max_ms']} ms."
    )
    for row in q["per_query"]:
        filters = ", ".join(f"{k}={v}" for k, v in row["filters"].items())
        print(
            f"  {row['median_ms']:>8.2f} ms  {row['hits']:>7} hits  {row['query'] or '-'}"
            f"{'  [' + filters + ']' if filters else ''}"
            f"{'  per report' if row['per_report'] else ''}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
