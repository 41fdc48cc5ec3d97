"""The measuring process of ``python -m nlp.bench``: one corpus run, timed from inside.

``python -m nlp.cli.bench_child SPEC RESULT`` reads its settings from the JSON file
SPEC, builds the pipeline, runs it over the listed files with ``jobs`` worker
processes and writes what it measured to RESULT: start-up (interpreter, imports,
pipeline build; time from the parent's spawn, memory before the first document),
throughput after start-up, time per stage and per input format, the corpus steps,
this process's memory growth per report, and optionally the references measured on
the same input right after: the segmenter alone on the same normalised texts, and the
floor (read, decode, NFKC, one regex pass) on the text files.

The parent (``nlp.cli.bench``) samples the memory of this process and its workers.
"""

from __future__ import annotations

import time

CHILD_STARTED = time.monotonic()  # before any other import: the start-up clock

import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..pipeline.corpus import CorpusRunner, Processor

IMPORTED = time.monotonic()

# Modules that must not be imported unless a stage needs them (checked after build).
HEAVY = (
    "torch",
    "transformers",
    "pyspark",
    "sklearn",
    "scipy",
    "pandas",
    "pyarrow",
    "skops",
    "datasketch",
    "spacy",
    "jieba",
    "rjieba.rjieba",
    "pydantic",
    "cn2an",
    "opencc",
    "lxml",
    "docx",
    "pypdfium2",
    "pdfplumber",
    "numpy",
)
TEXT_FORMATS = (".txt", ".text", ".md", ".markdown", ".htm", ".html", ".shtml")
_FLOOR_REGEX = re.compile(r"\d+")


def pss_kib(pid: int | str = "self") -> int | None:
    """Proportional set size of a process in KiB (Linux ``smaps_rollup``)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kib() -> int | None:
    """Resident set size of this process in KiB (``VmRSS``). Unlike PSS it does not
    move when forked workers share or unshare pages: a measure of growth."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_corpus(processor: Any, files: list[Path], jobs: int, on_outcome) -> Any:
    """The one place the bench uses the runner's API (``nlp.pipeline.corpus``): every
    document's outcome (``.record``, ``.timings``) to ``on_outcome``, then the corpus
    steps; returns the run's result."""
    return CorpusRunner(processor, jobs).run(files, on_outcome)


class Tally:
    """What the outcomes of a run add up to."""

    def __init__(self, keep_texts: bool, expected: int):
        self.expected = expected
        self.docs = self.chars = self.failed = 0
        self.stage_seconds: Counter[str] = Counter()
        self.by_format: dict[str, Counter] = defaultdict(Counter)
        self.texts: list[str] | None = [] if keep_texts else None
        self.first_at: float | None = None
        self.last_at = 0.0
        self.rss: dict[int, int | None] = {}  # documents done -> RSS (KiB)
        self.json_seconds = 0.0

    def __call__(self, outcome: Any) -> None:
        record, timings = outcome.record, outcome.timings
        t0 = time.perf_counter()
        json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        self.json_seconds += time.perf_counter() - t0
        text = record.get("text", "")
        self.docs += 1
        self.chars += len(text)
        self.failed += bool(record.get("errors"))
        self.stage_seconds.update(timings)
        fmt = (record.get("source") or {}).get("format", "?")
        self.by_format[fmt]["docs"] += 1
        self.by_format[fmt]["chars"] += len(text)
        self.by_format[fmt]["seconds"] += sum(timings.values())
        if self.texts is not None:
            self.texts.append(text)
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = now
        if self.docs in (1, self.expected // 2, self.expected):
            self.rss[self.docs] = rss_kib()
        self.last_at = now

    def growth(self, start: int) -> int | None:
        """Bytes of RSS this process gained per report from document ``start`` on."""
        end = self.docs
        first, last = self.rss.get(start), self.rss.get(end)
        if first is None or last is None or end <= start:
            return None
        return round((last - first) * 1024 / (end - start))


def segmenter_alone(segmenter: Any, texts: list[str]) -> dict[str, Any]:
    """The pipeline's segmenter by itself on the pipeline's normalised texts."""
    start = time.perf_counter()
    for text in texts:
        segmenter.spans(text)
    seconds = time.perf_counter() - start
    return _rate(len(texts), sum(map(len, texts)), seconds) | {
        "segmenter": segmenter.name
    }


def floor(files: list[Path]) -> dict[str, Any]:
    """Read, decode (UTF-8, else GB18030), NFKC and one regex pass: what any
    pipeline pays at least per text report. Over the text formats only."""
    texts = [f for f in files if f.suffix.lower() in TEXT_FORMATS]
    chars = 0
    start = time.perf_counter()
    for path in texts:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        text = unicodedata.normalize("NFKC", text)
        sum(1 for _ in _FLOOR_REGEX.finditer(text))
        chars += len(text)
    return _rate(len(texts), chars, time.perf_counter() - start)


def _rate(docs: int, chars: int, seconds: float) -> dict[str, Any]:
    return {
        "reports": docs,
        "characters": chars,
        "seconds": round(seconds, 3),
        "reports_per_second": round(docs / seconds, 1) if seconds else None,
        "chars_per_second": round(chars / seconds) if seconds else None,
        "ms_per_report": round(seconds / docs * 1000, 3) if docs else None,
    }


def _tokenize_segmenter(pipeline: Any) -> Any:
    for stage in pipeline.stages:
        if getattr(stage, "segmenter", None) is not None:
            return stage.segmenter
    return None


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    spawned = float(spec["spawned"])
    files = [Path(p) for p in Path(spec["files"]).read_text("utf-8").splitlines()]
    imported = IMPORTED
    processor = Processor(spec.get("config"), Path(spec["root"])).load()
    built = time.monotonic()
    startup = {
        "seconds": round(built - spawned, 3),
        "interpreter_seconds": round(CHILD_STARTED - spawned, 3),
        "import_seconds": round(imported - CHILD_STARTED, 3),
        "build_seconds": round(built - imported, 3),
        "pss_mib_before_first_document": round((pss_kib() or 0) / 1024, 1),
        "heavy_modules_imported": [m for m in HEAVY if m in sys.modules],
    }
    references = bool(spec.get("references"))
    tally = Tally(keep_texts=references, expected=len(files))
    run_corpus(processor, files, int(spec["jobs"]), tally)
    done = time.monotonic()
    docs = max(tally.docs, 1)
    after = done - built
    busy = sum(tally.stage_seconds.values())
    result: dict[str, Any] = {
        "jobs": int(spec["jobs"]),
        "startup": startup,
        "reports": tally.docs,
        "failed": tally.failed,
        "characters": tally.chars,
        "whole": _rate(tally.docs, tally.chars, done - spawned),
        "after_startup": _rate(tally.docs, tally.chars, after),
        "first_document_after_build_seconds": round(
            (tally.first_at or done) - built, 3
        ),
        "corpus_steps_seconds": round(done - tally.last_at, 3),
        "busy_ms_per_report": round(busy / docs * 1000, 3),
        "json_ms_per_report": round(tally.json_seconds / docs * 1000, 3),
        "stages": {
            name: {
                "seconds": round(s, 3),
                "share": round(s / busy, 3) if busy else None,
                "ms_per_report": round(s / docs * 1000, 3),
                "reports_per_second": round(docs / s, 1) if s else None,
            }
            for name, s in tally.stage_seconds.most_common()
        },
        "by_format": {
            fmt: {
                "reports": int(c["docs"]),
                "ms_per_report": round(c["seconds"] / c["docs"] * 1000, 2),
                "reports_per_second_per_core": round(c["docs"] / c["seconds"], 1)
                if c["seconds"]
                else None,
            }
            for fmt, c in sorted(tally.by_format.items())
        },
        "parent_rss_growth_bytes_per_report": tally.growth(1),
        "parent_rss_growth_bytes_per_report_second_half": tally.growth(len(files) // 2),
    }
    if references and tally.texts is not None:
        segmenter = _tokenize_segmenter(processor.pipeline)
        if segmenter is not None:
            result["segmenter_alone"] = segmenter_alone(segmenter, tally.texts)
        result["floor"] = floor(files)
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(args[0]).read_text("utf-8"))
    result = measure(spec)
    Path(args[1]).write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
