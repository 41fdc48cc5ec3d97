"""Running the pipeline over a corpus: files in, one record per file, then the corpus steps.

A ``Processor`` holds one pipeline (built once per process) and turns one path into one
record; one broken file never stops the run. ``CorpusRunner`` spreads the documents over
worker processes, collects the compact form of each record for the corpus steps, and
hands every record to a writer (``nlp.io.writers``); it keeps no module globals.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..corpus_steps.cross_year import compact
from ..errors import Errors, IngestError, NlpError
from ..io.readers import empty_report, load_report
from ..io.writers import OutputWriter
from ..records import Report
from .pipeline import Pipeline

logger = logging.getLogger(__name__)


def iter_corpus(root: Path) -> list[Path]:
    """Every non-hidden file under ``root`` (or ``root`` itself), in a stable order."""
    if root.is_file():
        return [root]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                files.append(Path(dirpath) / name)
    return files


@dataclass
class Outcome:
    """What a worker sends back: the record and the stage timings of this document."""

    record: dict[str, Any]
    timings: dict[str, float]


class Processor:
    """Turns paths into records with one pipeline (built lazily, once per process)."""

    def __init__(
        self,
        config: str | None = None,
        root: Path | None = None,
        overrides: dict[str, Any] | None = None,
    ):
        self.config = config
        self.root = root
        self.overrides = overrides
        self._pipeline: Pipeline | None = None
        self.ingest_seconds = 0.0

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline.from_config(self.config, self.overrides)
        return self._pipeline

    def load(self) -> Processor:
        """Build the pipeline now (imports, models, dictionaries) rather than lazily."""
        _ = self.pipeline
        return self

    def read(self, path: Path) -> Report:
        """The raw report of ``path``, or an empty one carrying the ingest error."""
        try:
            return load_report(path, self.root)
        except IngestError as e:
            report = empty_report(path, self.root)
            report.add_error("ingest", e.code, str(e), reason=e.reason)
            return report
        except (NlpError, OSError, ValueError) as e:  # unexpected reader failure
            report = empty_report(path, self.root)
            report.add_error(
                "ingest",
                "E109",
                Errors.E109.format(path=path, detail=e),
                reason=type(e).__name__,
            )
            return report

    def process(self, path: Path) -> Report:
        start = time.perf_counter()
        report = self.read(path)
        self.ingest_seconds = time.perf_counter() - start
        if report.errors:
            return report
        return self.pipeline(report)

    def outcome(self, path: Path) -> Outcome:
        before = {name: t.seconds for name, t in self.pipeline.timings.items()}
        self.ingest_seconds = 0.0
        report = self.process(path)
        timings = {
            name: t.seconds - before.get(name, 0.0)
            for name, t in self.pipeline.timings.items()
        }
        timings["ingest"] = self.ingest_seconds
        return Outcome(record=report.to_dict(), timings=timings)


# One Processor per worker process, made by the pool's initializer.
_WORKER: Processor | None = None
_WORKER_ERROR: str | None = None


def _init_worker(processor: Processor) -> None:
    """Build the pipeline once per process. Never raise here: a pool whose initializer
    raises respawns its workers forever; the error is reported per document instead."""
    global _WORKER, _WORKER_ERROR
    logging.basicConfig(level=logging.WARNING)
    _WORKER, _WORKER_ERROR = processor, None
    try:
        processor.load()  # a no-op when forked with the pipeline already built
    except Exception as e:  # noqa: BLE001 - reported with every document
        _WORKER_ERROR = f"{type(e).__name__}: {e}"


def _work(path: Path) -> Outcome:
    if _WORKER is None or _WORKER_ERROR is not None:
        report = empty_report(path, _WORKER.root if _WORKER else None)
        report.add_error(
            "pipeline", "E017", _WORKER_ERROR or "worker not initialised", "build"
        )
        return Outcome(record=report.to_dict(), timings={})
    return _WORKER.outcome(path)


@dataclass
class CorpusResult:
    """What a corpus run found besides the records: counts and corpus-step findings."""

    documents: int = 0
    startup_seconds: float = 0.0
    seconds: float = 0.0
    findings: dict[str, Any] = field(default_factory=dict)


class CorpusRunner:
    """Runs a ``Processor`` over files with ``jobs`` worker processes."""

    def __init__(self, processor: Processor, jobs: int = 1):
        self.processor = processor
        self.jobs = jobs
        self.startup_seconds = 0.0

    def outcomes(self, files: Sequence[Path]) -> Iterator[Outcome]:
        """Records in input order. The pipeline is built here first, so a bad config
        or a missing model fails the run at once instead of failing every document."""
        started = time.perf_counter()
        self.processor.load()  # raises here, in the parent, on a bad config or model
        self.startup_seconds = time.perf_counter() - started
        if self.jobs <= 1:
            for path in files:
                yield self.processor.outcome(path)
            return
        import multiprocessing as mp

        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(
            self.jobs, initializer=_init_worker, initargs=(self.processor,)
        ) as pool:
            yield from pool.imap(_work, files, chunksize=4)

    def run(
        self,
        files: Sequence[Path],
        on_record: Callable[[Outcome], None],
        progress: Callable[[Iterator[Outcome]], Iterator[Outcome]] | None = None,
    ) -> CorpusResult:
        """Every record to ``on_record`` in input order, then the corpus steps over
        the compact records; returns their findings by step name."""
        start = time.perf_counter()
        compacts: list[dict[str, Any]] = []
        outcomes = self.outcomes(files)
        if progress is not None:
            outcomes = progress(outcomes)
        documents = 0
        for outcome in outcomes:
            documents += 1
            compacts.append(compact(outcome.record))
            on_record(outcome)
        findings = self.processor.pipeline.run_corpus_steps(compacts)
        return CorpusResult(
            documents=documents,
            startup_seconds=self.startup_seconds,
            seconds=time.perf_counter() - start,
            findings=findings,
        )


def run_corpus(
    corpus: Path,
    out: Path,
    jobs: int = 1,
    config: str | None = None,
    progress: bool | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Process ``corpus`` (a folder, searched recursively, or one file) into the
    folder ``out``; the run's summary (also written to ``out/summary.json``)."""
    files = iter_corpus(corpus)
    root = corpus if corpus.is_dir() else corpus.parent
    processor = Processor(config, root, overrides)
    runner = CorpusRunner(processor, jobs)
    writer = OutputWriter(out)
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        def bar(outcomes):
            return tqdm(outcomes, total=len(files), unit="doc", desc="reports")

    result = runner.run(
        files, lambda outcome: writer.add(outcome.record, outcome.timings), bar
    )
    failed = writer.tally.failures
    elapsed = result.seconds
    startup = result.startup_seconds
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
        "characters": writer.tally.chars,
        "jobs": jobs,
    }
    return writer.finish(
        result.findings.get("cross_year.v1", {}),
        result.findings.get("recurring.v1", {}),
        summary,
    )
