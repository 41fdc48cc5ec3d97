"""``python -m nlp.bench CORPUS [--repeat N] [--jobs N]``: what a run costs.

Throughput (documents and characters per second, per input format), peak memory, the
time spent in each stage, and two references measured on the same input: jieba alone
on the same normalised text (the pipeline's target is at most twice its cost) and
pdfplumber alone on the PDFs. Printed as a table and written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..config import CONFIG_DIR
from ..pipeline.corpus import CorpusRunner, Processor, iter_corpus


def _rss_mb() -> float:
    """Current resident memory of this process in MiB (Linux /proc; else peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def bench_pipeline(
    files: list[Path], root: Path, repeat: int, jobs: int, config: str | None
) -> dict[str, Any]:
    work = [f for _ in range(repeat) for f in files]
    # Start-up (imports, models, dictionaries) is paid once per process: timed apart.
    build_start = time.perf_counter()
    processor = Processor(config, root).load()
    startup = time.perf_counter() - build_start
    runner = CorpusRunner(processor, jobs)
    tokenizer = _jieba_tokenizer()
    jieba_seconds = 0.0
    stage_seconds: Counter[str] = Counter()
    by_format: dict[str, Counter] = defaultdict(Counter)
    rss_samples: list[float] = []
    texts: list[str] = []
    docs = chars = failed = 0
    start = time.perf_counter()
    for i, outcome in enumerate(runner.outcomes(work)):
        record = outcome.record
        if jobs == 1:
            # jieba alone on the same text, right after the pipeline, under the same load.
            t0 = time.perf_counter()
            for _token in tokenizer.tokenize(record.get("text", "")):
                pass
            jieba_seconds += time.perf_counter() - t0
        json.dumps(record, ensure_ascii=False)  # serialising is part of a run's cost
        docs += 1
        n = len(record.get("text", ""))
        chars += n
        failed += bool(record["errors"])
        stage_seconds.update(outcome.timings)
        fmt = record["source"]["format"]
        by_format[fmt]["docs"] += 1
        by_format[fmt]["chars"] += n
        by_format[fmt]["seconds"] += sum(outcome.timings.values())
        if i < len(files):
            texts.append(record.get("text", ""))
        if i % max(1, len(files)) == len(files) - 1:
            rss_samples.append(round(_rss_mb(), 1))
    elapsed = time.perf_counter() - start - jieba_seconds
    busy = sum(stage_seconds.values())
    return {
        "startup_seconds": round(startup, 2),
        "jieba_interleaved_ms_per_doc": round(jieba_seconds / max(1, docs) * 1000, 3)
        if jobs == 1
        else None,
        "documents": docs,
        "failed": failed,
        "characters": chars,
        "seconds": round(elapsed, 3),
        "docs_per_second": round(docs / elapsed, 2),
        "chars_per_second": round(chars / elapsed),
        "cpu_seconds_per_doc_ms": round(busy / max(1, docs) * 1000, 3),
        "by_format": {
            fmt: {
                "docs": c["docs"],
                "ms_per_doc": round(c["seconds"] / c["docs"] * 1000, 2),
                "docs_per_second_per_core": round(c["docs"] / c["seconds"], 1)
                if c["seconds"]
                else None,
            }
            for fmt, c in sorted(by_format.items())
        },
        "stage_seconds": {k: round(v, 4) for k, v in stage_seconds.most_common()},
        "stage_share": {k: round(v / busy, 3) for k, v in stage_seconds.most_common()}
        if busy
        else {},
        "rss_mb_after_each_pass": rss_samples,
        "peak_rss_mb": round(_peak_mb(), 1),
        "_texts": texts,
    }


def _jieba_tokenizer():
    """jieba with the project's user dictionary, as the pipeline's tokenizer loads it."""
    import logging

    import jieba

    jieba.setLogLevel(logging.ERROR)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    user_dict = CONFIG_DIR / "jieba_dict.txt"
    if user_dict.is_file():
        tokenizer.load_userdict(str(user_dict))
    return tokenizer


def bench_jieba(texts: list[str], repeat: int) -> dict[str, Any]:
    tokenizer = _jieba_tokenizer()
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            for _token in tokenizer.tokenize(text):
                pass
    elapsed = time.perf_counter() - start
    docs = len(texts) * repeat
    return {
        "docs": docs,
        "seconds": round(elapsed, 3),
        "ms_per_doc": round(elapsed / max(1, docs) * 1000, 3),
    }


def bench_pdfplumber(pdfs: list[Path]) -> dict[str, Any] | None:
    if not pdfs:
        return None
    import pdfplumber

    start = time.perf_counter()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
    elapsed = time.perf_counter() - start
    return {
        "pdfs": len(pdfs),
        "seconds": round(elapsed, 3),
        "pdfs_per_second": round(len(pdfs) / elapsed, 2),
    }


def format_table(result: dict[str, Any]) -> str:
    p = result["pipeline"]
    lines = [
        (
            f"Corpus: {result['corpus']}  ({result['files']} files x {result['repeat']} repeat, {result['jobs']} job(s), "
            f"{os.cpu_count()} CPUs)"
        ),
        (
            f"Throughput: {p['docs_per_second']} docs/s, {p['chars_per_second']} chars/s "
            f"({p['documents']} docs in {p['seconds']}s, {p['failed']} failed), after a one-off "
            f"start-up of {p['startup_seconds']}s per process (imports, models, dictionaries)"
        ),
        f"Peak memory: {p['peak_rss_mb']} MiB; RSS after each pass: {p['rss_mb_after_each_pass']} MiB",
        "",
        f"{'format':8s} {'docs':>6s} {'ms/doc':>8s} {'docs/s/core':>12s}",
    ]
    for fmt, f in p["by_format"].items():
        lines.append(
            f"{fmt:8s} {f['docs']:>6d} {f['ms_per_doc']:>8.2f} {f['docs_per_second_per_core']!s:>12s}"
        )
    lines += ["", f"{'stage':22s} {'seconds':>9s} {'share':>7s} {'ms/doc':>8s}"]
    for stage, seconds in p["stage_seconds"].items():
        lines.append(
            f"{stage:22s} {seconds:>9.3f} {p['stage_share'][stage]:>7.1%} {seconds / p['documents'] * 1000:>8.3f}"
        )
    j = result["jieba_alone"]
    reference = p["jieba_interleaved_ms_per_doc"] or j["ms_per_doc"]
    lines += [
        "",
        (
            f"jieba alone on the same text: {reference} ms/doc (timed after each document"
            f"{'' if p['jieba_interleaved_ms_per_doc'] else ' - separately, jobs > 1'}); whole pipeline: "
            f"{p['cpu_seconds_per_doc_ms']} ms/doc = {result['cost_vs_jieba']}x jieba (target <= 2x)"
        ),
    ]
    if result.get("pdfplumber_alone"):
        q = result["pdfplumber_alone"]
        lines.append(
            f"pdfplumber alone (text of every page): {q['pdfs_per_second']} PDFs/s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nlp.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--repeat", type=int, default=3, help="passes over the corpus (default 3)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1)"
    )
    parser.add_argument("--config", default=None, help="pipeline config")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("out/bench.json"),
        help="where to write the JSON",
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"Corpus path {args.corpus} does not exist.", file=sys.stderr)
        return 2
    files = iter_corpus(args.corpus)
    root = args.corpus if args.corpus.is_dir() else args.corpus.parent
    pipeline = bench_pipeline(files, root, args.repeat, args.jobs, args.config)
    texts = pipeline.pop("_texts")
    jieba_result = bench_jieba(texts, args.repeat)
    result = {
        "corpus": str(args.corpus),
        "files": len(files),
        "repeat": args.repeat,
        "jobs": args.jobs,
        "pipeline": pipeline,
        "jieba_alone": jieba_result,
        "cost_vs_jieba": round(
            pipeline["cpu_seconds_per_doc_ms"]
            / max(
                1e-9,
                pipeline["jieba_interleaved_ms_per_doc"] or jieba_result["ms_per_doc"],
            ),
            2,
        ),
        "pdfplumber_alone": bench_pdfplumber(
            [f for f in files if f.suffix.lower() == ".pdf"]
        ),
    }
    print(format_table(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
