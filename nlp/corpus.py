"""Processing a whole corpus: files in, one record per file, errors kept per document.

Used by ``nlp.run`` and ``nlp.bench``. A worker process builds the pipeline once and
turns one path into one record; one broken file never stops the run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Errors, IngestError, NlpError
from .ingest import empty_report, load_report
from .pipeline import Pipeline
from .records import Report

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

    def __init__(self, config: str | None = None, root: Path | None = None):
        self.config = config
        self.root = root
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline.from_config(self.config)
        return self._pipeline

    def load(self) -> Processor:
        """Build the pipeline now (imports, models, dictionaries) rather than lazily."""
        _ = self.pipeline
        return self

    def process(self, path: Path) -> Report:
        import time

        start = time.perf_counter()
        try:
            report = load_report(path, self.root)
        except IngestError as e:
            report = empty_report(path, self.root)
            report.add_error("ingest", e.code, str(e))
            return report
        except (NlpError, OSError, ValueError) as e:  # unexpected reader failure
            report = empty_report(path, self.root)
            report.add_error(
                "ingest", type(e).__name__, Errors.E109.format(path=path, detail=e)
            )
            return report
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
        timings["ingest+clean"] = self.ingest_seconds
        return Outcome(record=report.to_dict(), timings=timings)


_WORKER: Processor | None = None


_WORKER_ERROR: str | None = None
# How long the last process_corpus took to build its pipeline (imports, models).
startup_seconds = 0.0


def _init_worker(config: str | None, root: Path | None) -> None:
    """Build the pipeline once per process. Never raise here: a pool whose initializer
    raises respawns its workers forever; the error is reported per document instead."""
    global _WORKER, _WORKER_ERROR
    logging.basicConfig(level=logging.WARNING)
    if (
        _WORKER is not None
        and _WORKER._pipeline is not None
        and _WORKER.config == config
    ):
        return  # forked from the parent with the pipeline already built
    _WORKER = Processor(config, root)
    try:
        _WORKER.load()
    except Exception as e:  # noqa: BLE001 - reported with every document
        _WORKER_ERROR = f"{type(e).__name__}: {e}"


def _work(path: Path) -> Outcome:
    if _WORKER is None or _WORKER_ERROR is not None:
        report = empty_report(path, _WORKER.root if _WORKER else None)
        report.add_error("pipeline", "build", _WORKER_ERROR or "worker not initialised")
        return Outcome(record=report.to_dict(), timings={})
    return _WORKER.outcome(path)


def process_corpus(
    files: list[Path], root: Path | None, config: str | None = None, jobs: int = 1
) -> Iterator[Outcome]:
    """Records in input order; ``jobs`` > 1 spreads documents over processes.

    The pipeline is built here first, so a bad config or a missing model fails the run
    at once with its own error instead of failing every document.
    """
    global _WORKER, _WORKER_ERROR, startup_seconds
    import time

    started = time.perf_counter()
    _WORKER, _WORKER_ERROR = Processor(config, root), None
    _WORKER.load()  # raises here, in the parent, on a bad config or model
    startup_seconds = time.perf_counter() - started
    if jobs <= 1:
        for path in files:
            yield _work(path)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(config, root)) as pool:
        yield from pool.imap(_work, files, chunksize=4)
