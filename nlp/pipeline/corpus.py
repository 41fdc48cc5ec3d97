"""Running the pipeline over a corpus: inputs in, one record per report, then the
corpus steps.

A ``Processor`` (``nlp.pipeline.processor``) turns one input into one record,
whatever goes wrong.

``run_corpus`` (``python -m nlp.run``) plans the inputs (``nlp.io.inputs``), forks
worker processes that read, process and write their own records (``nlp.io.writers``)
and send back small summaries, replaces a worker that overruns the time limit or
dies, and writes the whole run into a staging folder that is moved into place only
when complete (``--resume`` continues an interrupted one). ``CorpusRunner`` is the
in-memory form (every record to a callback), for the bench and the evaluations.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import jsonfmt
from ..corpus_steps.cross_year import (
    compact,
    evidence_cells,
    neighbour_pairs,
    neighbour_plan,
    neighbours_wanted,
)
from ..errors import Errors, NlpError
from ..io.inputs import CorpusPlan, Input, plan_corpus, shown
from ..io.readers import (
    DEFAULT_LIMITS,
    Limits,
    empty_report,
    file_sha256,
)
from ..io.readers.crawl import Columns
from ..io.writers import (
    SLIM_EMPTY,
    RunTally,
    SinkFactory,
    SpooledSummaries,
    finish_run,
    read_spool,
)
from .neighbours import neighbour_cfg
from .processor import Outcome, Processor
from .workers import WorkerPool, WorkerSpec, peak_rss_kib

logger = logging.getLogger(__name__)


def iter_corpus(root: Path, follow_outside_links: bool = True) -> list[Path]:
    """Every input file under ``root`` (or ``root`` itself), in a stable order. A
    listing for library callers (the bench's replicated corpus is links): links
    leading outside are followed unless asked not to; ``nlp.run`` does not."""
    return [item.path for item in plan_corpus(Path(root), follow_outside_links).inputs]


# ---------------------------------------------------------------- in memory
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
        gc.freeze()
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
    """Runs a ``Processor`` over files with ``jobs`` worker processes, every record
    to the caller (the bench, evaluations); ``run_corpus`` is the disk-writing run."""

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
        gc.freeze()
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


# ---------------------------------------------------------------- on disk
STATE_FILE = "run.json"
PROGRESS = ".progress.jsonl"
# What a run writes into OUT; anything else found there is carried over.
RUN_ENTRIES = frozenset(
    [
        "docs",
        "corpus.jsonl",
        "summary.json",
        "weaknesses.json",
        "tables",
        STATE_FILE,
        PROGRESS,
    ]
)


class RunUsageError(NlpError):
    """The run cannot start as asked (exit code 2; nothing is written)."""


class RunIncomplete(NlpError):
    """The run started but could not complete (exit code 3); ``summary`` is the
    partial summary written into the staging folder."""

    def __init__(self, message: str, summary: dict[str, Any]):
        super().__init__(message)
        self.summary = summary


def staging_for(out: Path) -> Path:
    """The folder a run is written into before it is moved to ``out``: beside it,
    on the same file system, so the move is a rename."""
    out = Path(os.path.abspath(out))
    return out.parent / f".{out.name}.partial"


def is_run_folder(path: Path) -> bool:
    return any(
        (path / name).exists() for name in ("summary.json", "corpus.jsonl", "docs")
    )


def _write_state(staging: Path, state: str, **extra: Any) -> None:
    data = {"state": state, "pid": os.getpid(), "time": time.time(), **extra}
    tmp = staging / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, staging / STATE_FILE)


def _publish(staging: Path, out: Path) -> None:
    """Move the finished run into place; keep what else the old OUT held."""
    if out.exists():
        for entry in list(out.iterdir()):
            if entry.name not in RUN_ENTRIES:
                os.rename(entry, staging / entry.name)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, old)
        os.rename(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out)


@dataclass
class _Progress:
    """The parent's running state: small per document (id, file name, order)."""

    spool: Any
    inputs: list[Input]
    done_count: int = 0
    done_dumps: dict[int, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    bar: Any = None

    def doc(self, index: int, row: int, summary: dict[str, Any]) -> None:
        config = summary.pop("config", None)
        if config and not self.config:
            self.config = config
        self.spool.write(jsonfmt.dumps_str({"key": [index, row], **summary}) + "\n")
        self.done_count += 1

    def done(self, index: int, sha: str) -> None:
        if sha:
            self.done_dumps[index] = sha
            line = {"dump_done": self.inputs[index].doc_id, "sha256": sha}
            self.spool.write(jsonfmt.dumps_str(line) + "\n")
        self.spool.flush()
        if self.bar is not None:
            self.bar.update(1)


def _resumable(
    staging: Path, plan: CorpusPlan, limits: Limits
) -> tuple[list[dict[str, Any]], set[int]]:
    """The spooled summaries still valid (record file present, input unchanged)
    and the indexes of the inputs they cover entirely."""
    entries = list(read_spool(staging / PROGRESS))
    dumps_done: dict[str, str] = {}
    for entry in entries:
        if "dump_done" in entry:
            dumps_done[entry["dump_done"]] = entry["sha256"]
    summaries: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if "doc_id" in entry and (staging / "docs" / entry["name"]).is_file():
            summaries[entry["doc_id"]] = entry
    keep: list[dict[str, Any]] = []
    covered: set[int] = set()
    for index, item in enumerate(plan.inputs):
        if item.kind == "dump":
            sha = file_sha256(item.path, limits)
            if sha and dumps_done.get(item.doc_id) == sha:
                prefix = item.doc_id + "#row="
                rows = [s for k, s in summaries.items() if k.startswith(prefix)]
                for s in rows:
                    s["key"] = [index, int(s["doc_id"].rpartition("=")[2])]
                keep.extend(rows)
                covered.add(index)
            continue
        summary = summaries.get(item.doc_id)
        if (
            summary
            and summary.get("input_sha256")
            and file_sha256(item.path, limits) == summary["input_sha256"]
        ):
            summary["key"] = [index, 0]
            keep.append(summary)
            covered.add(index)
    return keep, covered


def run_corpus(
    corpus: Path,
    out: Path,
    jobs: int = 1,
    config: str | None = None,
    progress: bool | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    limits: Limits | None = None,
    columns: Columns | None = None,
    records: str = "slim",
    pretty: bool = False,
    resume: bool = False,
    follow_outside_links: bool = False,
    sinks: SinkFactory | None = None,
) -> dict[str, Any]:
    """Process ``corpus`` (a folder, searched recursively, or one file; crawl dumps
    among them are read row by row) into the folder ``out``; the run's summary
    (also ``out/summary.json``).

    Raises ``RunUsageError`` before writing anything when the corpus holds nothing
    to read or ``out`` is not a run folder, and ``RunIncomplete`` (the partial
    summary written in the staging folder, the previous ``out`` untouched) when the
    run is interrupted or cannot go on. ``sinks`` makes extra record sinks per
    worker (``nlp.io.writers``)."""
    corpus, out = Path(corpus), Path(os.path.abspath(out))
    limits = limits or DEFAULT_LIMITS
    started = time.perf_counter()
    plan = plan_corpus(corpus, follow_outside_links)
    if not plan.inputs:
        detail = f" ({len(plan.skipped)} entries skipped)" if plan.skipped else ""
        raise RunUsageError(Errors.E124.format(path=corpus, detail=detail))
    if out.exists() and not (
        out.is_dir() and (is_run_folder(out) or not any(out.iterdir()))
    ):
        raise RunUsageError(Errors.E125.format(path=out))
    processor = Processor(
        config,
        plan.root,
        overrides,
        limits,
        columns,
        discard=SLIM_EMPTY if records == "slim" else (),
    )
    processor.load()  # a bad config or model is bad usage: raised before any write
    startup = time.perf_counter() - started
    staging = staging_for(out)
    reused: list[dict[str, Any]] = []
    covered: set[int] = set()
    if resume:
        if not (staging / STATE_FILE).is_file():
            raise RunUsageError(
                Errors.E126.format(detail=f"no interrupted run at {staging}")
            )
        reused, covered = _resumable(staging, plan, limits)
        # A worker stopped while writing leaves its temporary file (RecordWriter).
        for stale in (staging / "docs").glob(".*.tmp"):
            stale.unlink(missing_ok=True)
    elif staging.exists():
        logger.warning("discarding the interrupted run in %s", staging)
        shutil.rmtree(staging)
    (staging / "docs").mkdir(parents=True, exist_ok=True)
    base = {
        "corpus": shown(corpus),
        "out": shown(out),
        "inputs": len(plan.inputs),
        "jobs": jobs,
        "records": records,
        # Stages whose fields this run does not write (--records slim), not run.
        "stages_not_run": sorted(processor.pipeline.unneeded),
        "limits": dataclasses.asdict(limits),
        "skipped": plan.skipped,
    }
    _write_state(staging, "running", corpus=base["corpus"])
    spool_path = staging / PROGRESS
    with spool_path.open("w", encoding="utf-8") as spool:
        for entry in reused:
            spool.write(jsonfmt.dumps_str(entry) + "\n")
    state = _Progress(spool_path.open("a", encoding="utf-8"), plan.inputs)
    state.done_count = len(reused)
    pool: Any = None
    try:
        parent_start_kib = peak_rss_kib("VmRSS") or 0
        tasks = [(i, item, 1) for i, item in enumerate(plan.inputs) if i not in covered]
        show = sys.stderr.isatty() if progress is None else progress
        if show:
            from tqdm import tqdm

            state.bar = tqdm(total=len(tasks), unit="file", desc="reports")
        pool = WorkerPool(
            processor,
            jobs,
            WorkerSpec(staging / "docs", records, pretty, sinks),
            state.doc,
            state.done,
        )
        with _terminate_as_interrupt():
            pool.run(tasks)
        state.spool.close()
        if state.bar is not None:
            state.bar.close()
        documents_peak_kib = peak_rss_kib() or 0
        rereads = _reread_with_neighbours(
            staging,
            plan,
            processor,
            WorkerSpec(staging / "docs", records, pretty, sinks),
            jobs,
        )
        summary = _finish(
            staging, plan, processor, state, base, startup, started, pretty
        )
        summary["resumed"] = len(reused)
        # Read again with the same agency's neighbouring years (nlp.pipeline.neighbours).
        summary["neighbour_rereads"] = rereads
        summary["workers_replaced"] = pool.replaced
        summary["memory_mib"] = {
            "worker_peak_rss": round(pool.peak_rss_kib / 1024, 1),
            "parent_rss_after_build": round(parent_start_kib / 1024, 1),
            # The parent's peak while the documents were processed; the corpus
            # steps run after, over records read back from the spool.
            "parent_peak_rss_documents": round(documents_peak_kib / 1024, 1),
            "parent_peak_rss": round((peak_rss_kib() or 0) / 1024, 1),
        }
        _write_state(staging, "complete", corpus=base["corpus"])
        (staging / PROGRESS).unlink(missing_ok=True)
        (staging / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _publish(staging, out)
        return summary
    except (KeyboardInterrupt, Exception) as e:
        if pool is not None:
            pool.close()
        if isinstance(e, RunUsageError):
            raise
        with contextlib.suppress(Exception):
            state.spool.close()
        interrupted = isinstance(e, KeyboardInterrupt)
        done = state.done_count
        if interrupted:
            message = Errors.E128.format(
                done=done,
                total=len(plan.inputs),
                out=shown(out),
                staging=shown(staging),
            )
        else:
            message = Errors.E127.format(kind=type(e).__name__, detail=e)
        partial = {
            **base,
            "state": "interrupted" if interrupted else "failed",
            "message": message,
            "documents_done": done,
            "seconds": round(time.perf_counter() - started, 3),
        }
        with contextlib.suppress(OSError):
            _write_state(
                staging, partial["state"], corpus=base["corpus"], message=message
            )
            (staging / "summary.json").write_text(
                json.dumps(partial, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        raise RunIncomplete(message, partial) from e


def _neighbour_pairs(
    spool: Path, plan: CorpusPlan
) -> tuple[dict[str, dict[str, str]], dict[str, tuple[int, int, int, int, str]]]:
    """``neighbour_pairs`` over the spooled summaries, and where each document's
    summary is. The spool is in the order the workers finished; the reports are
    given in input order, so that of two reports of one agency and year the same
    one is read again whatever the number of jobs or their timing (the first, as
    the cross-year checks take it)."""
    # doc_id -> (index, row, spool offset, errors of the first reading, a dump's sha)
    where: dict[str, tuple[int, int, int, int, str]] = {}
    light: list[tuple[int, int, str, str | None, int | None, bool]] = []
    for offset, entry in read_spool(spool, offsets=True):
        found = entry.get("compact")
        if "doc_id" not in entry or not found:
            continue
        meta = found.get("meta") or {}
        where[entry["doc_id"]] = (
            entry["key"][0],
            entry["key"][1],
            offset,
            len(entry.get("errors") or ()),
            # Only a dump's row needs its file's hash again (a hash is 113 bytes).
            (entry.get("input_sha256") or "")
            if plan.inputs[entry["key"][0]].kind == "dump"
            else "",
        )
        light.append(
            (
                entry["key"][0],
                entry["key"][1],
                entry["doc_id"],
                meta.get("agency"),
                meta.get("year"),
                bool(found.get("unsettled")),
            )
        )
    light.sort(key=lambda report: report[:2])
    return neighbour_pairs(report[2:] for report in light), where


def _reread_with_neighbours(
    staging: Path,
    plan: CorpusPlan,
    processor: Processor,
    spec: WorkerSpec,
    jobs: int,
) -> int:
    """Read again, with ``jobs`` workers, every report whose run-together digits its
    neighbouring years may settle (``nlp.pipeline.neighbours``); the new record
    replaces the old one and its summary is spooled after it (the last one counts).
    Two passes over the spool: the parent keeps a few fields a document, and the
    compact records of the neighbours only. The number of reports read again."""
    spool = staging / PROGRESS
    pairs, where = _neighbour_pairs(spool, plan)
    if not pairs:
        return 0
    offered = {}
    with spool.open("rb") as f:
        for doc in neighbours_wanted(pairs):
            f.seek(where[doc][2])
            offered[doc] = evidence_cells(jsonfmt.loads(f.readline())["compact"])
    neighbours = neighbour_plan(pairs, offered)
    # A dump's hash is the one its first reading took, not computed again a row.
    tasks = [
        (
            index,
            plan.inputs[index],
            row,
            neighbour_cfg(neighbours[doc]),
            errors,
            sha,
        )
        for doc in neighbours
        for index, row, _, errors, sha in [where[doc]]
    ]
    tasks.sort(key=lambda task: (task[0], task[2]))  # input order, as the parts need
    done = 0
    with spool.open("a", encoding="utf-8") as out:

        def on_doc(index: int, row: int, summary: dict[str, Any]) -> None:
            nonlocal done
            out.write(jsonfmt.dumps_str({"key": [index, row], **summary}) + "\n")
            done += 1

        # The same workers as the first reading, their records and tidy rows
        # replacing the first ones (WorkerSpec.again); a second reading that fails
        # or is lost leaves the first (neighbours.failed_again).
        WorkerPool(
            processor,
            jobs,
            dataclasses.replace(spec, again=True),
            on_doc,
            lambda index, sha: None,
        ).run(tasks)
    return done


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run like Ctrl-C: workers stopped, state recorded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _finish(
    staging: Path,
    plan: CorpusPlan,
    processor: Processor,
    state: _Progress,
    base: dict[str, Any],
    startup: float,
    started: float,
    pretty: bool,
) -> dict[str, Any]:
    """Aggregate the spooled summaries, run the corpus steps, write the rest.

    The parent keeps one offset per document into the spool (plus the failures);
    the corpus steps read the compact records from the spool as they go."""
    tally = RunTally()
    keyed: list[tuple[int, int, int]] = []  # (input index, row, spool offset)
    failures: list[tuple[tuple[int, int], dict[str, Any]]] = []
    slowest = ("", 0.0)
    spool = staging / PROGRESS
    for offset, entry in read_spool(spool, offsets=True):
        if "doc_id" in entry:
            keyed.append((entry["key"][0], entry["key"][1], offset))
    keyed.sort()
    # A document spooled twice (read again with its neighbouring years): its last
    # summary counts.
    offsets = array(
        "q",
        (
            o
            for i, (a, b, o) in enumerate(keyed)
            if i + 1 == len(keyed) or keyed[i + 1][:2] != (a, b)
        ),
    )
    del keyed
    for entry in SpooledSummaries(spool, offsets):
        key = (entry["key"][0], entry["key"][1])
        before = len(tally.failures)
        tally.add(entry)
        seconds = sum(entry["timings"].values())
        if seconds > slowest[1]:
            slowest = (entry["doc_id"], seconds)
        if len(tally.failures) > before:
            failures.append((key, tally.failures.pop()))
    failures.sort(key=lambda kv: kv[0])
    tally.failures = [f for _, f in failures]
    tally.config = state.config
    summaries = SpooledSummaries(spool, offsets)
    findings = processor.pipeline.run_corpus_steps(summaries.compacts())
    names = ((s["doc_id"], s["name"]) for s in summaries)
    elapsed = time.perf_counter() - started
    documents = len(offsets)
    summary = {
        **base,
        "state": "complete",
        "documents": documents,
        "processed": documents - len(tally.failures),
        "failed": len(tally.failures),
        "failures": tally.failures,
        "seconds": round(elapsed, 3),
        "startup_seconds": round(startup, 3),
        # Documents per second once the pipeline is built (start-up is paid once).
        "docs_per_second": round(documents / (elapsed - startup), 2)
        if elapsed > startup
        else None,
        "characters": tally.chars,
        "slowest": {"doc_id": slowest[0], "seconds": round(slowest[1], 3)},
    }
    return finish_run(
        staging,
        names,
        findings.get("cross_year.v1", {}),
        findings.get("recurring.v1", {}),
        summary,
        tally,
        pretty,
    )
