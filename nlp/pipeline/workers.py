"""Worker processes that read, process and write their own records.

The parent forks ``jobs`` workers after the pipeline is built (``gc.freeze()`` first,
so the pipeline's objects stay shared), sends each one input at a time and receives
one small summary per record. A worker that sends nothing for longer than the
document's time limit plus a grace period is killed and replaced; so is one that
dies. The document it was on fails (``timeout`` or ``worker_died``) and, in a crawl
dump, reading goes on from the next row.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ..corpus_steps.cross_year import compact
from ..errors import Errors, NlpError
from ..io.inputs import Input, shown
from ..io.readers import empty_report, file_sha256, row_doc_id
from ..io.writers import (
    PARENT_SINKS,
    REREAD_SINKS,
    RecordWriter,
    SinkFactory,
    error_lines,
    summarize,
)
from .neighbours import failed_again

logger = logging.getLogger(__name__)

# A dump whose worker dies this many times in a row without finishing a row is
# given up (its remaining rows are not read).
MAX_DEATHS_WITHOUT_PROGRESS = 3
# Inputs sent to a worker ahead of the one it works on: it starts the next as soon as
# it finishes one, instead of waiting for the parent (which shares the cores) to
# answer. A task sent ahead and not started is given back if the worker is lost.
IN_FLIGHT = 2


def peak_rss_kib(field: str = "VmHWM") -> int | None:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class WorkerSpec:
    """How workers write: where, in which form, and their extra sinks. ``again``:
    the workers read reports a second time (``_read_again``), with outside
    evidence; their records replace the first ones, their sinks are
    ``REREAD_SINKS``'s."""

    docs_dir: Path
    records: str = "slim"
    pretty: bool = False
    sinks: SinkFactory | None = None
    again: bool = False


def write_summarized(
    writer: RecordWriter,
    record: dict[str, Any],
    timings: dict[str, float],
    input_sha: str = "",
) -> dict[str, Any]:
    """Write ``record``; what the parent keeps of it (``summarize``). ``input_sha``
    is a dump's (its rows share it); a file's is in its record."""
    name = writer.write(record)
    return summarize(
        record,
        timings,
        compact(record),
        name,
        input_sha or record["source"].get("sha256", ""),
    )


class RunAborted(Exception):
    """The run itself cannot go on (a record cannot be written: disk full...)."""


def _worker_main(
    conn: Connection, processor: Any, spec: WorkerSpec, number: int
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()
    sinks = REREAD_SINKS if spec.again else number
    writer = RecordWriter(
        spec.docs_dir,
        spec.records,
        spec.pretty,
        spec.sinks(sinks) if spec.sinks else (),
    )
    sent_config = False
    try:
        while True:
            task = conn.recv()
            if task is None:
                break
            if spec.again:
                _read_again(conn, processor, writer, task)
                continue
            index, item, start = task
            sha = (
                file_sha256(item.path, processor.limits) if item.kind == "dump" else ""
            )
            try:
                for outcome, row in processor.outcomes(item, start):
                    summary = write_summarized(
                        writer, outcome.record, outcome.timings, sha
                    )
                    if not sent_config and outcome.record.get("config"):
                        summary["config"] = outcome.record["config"]
                        sent_config = True
                    conn.send(("doc", index, row, summary))
            except Exception as e:  # noqa: BLE001 - a record could not be written
                conn.send(("fatal", index, f"{type(e).__name__}: {e}"))
                return
            conn.send(("done", index, sha, peak_rss_kib()))
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        writer.close()


def _read_again(
    conn: Connection, processor: Any, writer: RecordWriter, task: tuple
) -> None:
    """One report read a second time: ``task`` is (input index, input, dump row or
    0, component_cfg, errors of the first reading, a dump's hash). A second reading
    that fails where the first did not is not written (``failed_again``): the first
    stays, and the parent is told why."""
    index, item, row, component_cfg, first_errors, dump_sha = task
    doc_id = row_doc_id(item.doc_id, row) if row else item.doc_id
    try:
        outcome = processor.again(item, row, component_cfg)
    except NlpError as e:  # the input changed under the run
        conn.send(("note", index, f"{doc_id}: {e}"))
    else:
        if failed_again(first_errors, outcome.record):
            detail = "; ".join(error_lines(outcome.record))
            conn.send(("note", index, f"{doc_id}: {Errors.E130.format(detail=detail)}"))
        else:
            summary = write_summarized(
                writer, outcome.record, outcome.timings, dump_sha
            )
            conn.send(("doc", index, row, summary))
    conn.send(("done", index, "", peak_rss_kib()))


@dataclass
class _Slot:
    process: Any
    conn: Connection
    # Tasks sent, in order; the first is the one the worker is on.
    tasks: deque = field(default_factory=deque)
    last_seen: float = 0.0
    last_row: int = 0
    rows_this_task: int = 0

    @property
    def task(self) -> tuple[int, Input, int] | None:
        return self.tasks[0] if self.tasks else None

    def start(self, task: tuple[int, Input, int]) -> None:
        """The worker begins ``task``: its progress is counted from here."""
        self.last_seen = time.monotonic()
        self.last_row = task[2] - 1
        self.rows_this_task = 0


class WorkerPool:
    """``jobs`` forked workers over a queue of inputs, with a hard time limit."""

    def __init__(
        self,
        processor: Any,
        jobs: int,
        spec: WorkerSpec,
        on_doc: Callable[[int, int, dict[str, Any]], None],
        on_done: Callable[[int, str], None],
    ):
        self.processor = processor
        self.jobs = max(1, jobs)
        self.spec = spec
        self.on_doc = on_doc
        self.on_done = on_done
        self.ctx = mp.get_context("fork")
        self.slots: list[_Slot] = []
        self.started = 0
        timeout = processor.limits.timeout
        # The worker's own alarm fires at ``timeout``; the parent kills it only when
        # it is stuck where the alarm cannot reach (inside C code).
        self.hard_timeout = None if not timeout else timeout + max(5.0, timeout / 4)
        self._parent_writer: RecordWriter | None = None
        self.replaced = 0
        # The highest peak RSS (VmHWM) a worker reported, KiB.
        self.peak_rss_kib = 0

    def _spawn(self) -> _Slot:
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(
            target=_worker_main,
            args=(child, self.processor, self.spec, self.started),
            daemon=True,
        )
        self.started += 1
        process.start()
        child.close()
        return _Slot(process=process, conn=parent)

    def run(self, tasks: list[tuple[int, Input, int]]) -> None:
        queue = deque(tasks)
        deaths: dict[int, int] = {}
        gc.freeze()
        self.slots = [self._spawn() for _ in range(min(self.jobs, len(queue)) or 1)]
        try:
            while True:
                for slot in self.slots:
                    while len(slot.tasks) < IN_FLIGHT and queue:
                        if not self._assign(slot, queue.popleft(), queue):
                            break
                busy = [s for s in self.slots if s.task is not None]
                if not busy:
                    break
                ready = wait([s.conn for s in busy], timeout=self._wait_for(busy))
                for slot in busy:
                    if slot.conn in ready:
                        self._receive(slot, queue, deaths)
                now = time.monotonic()
                for slot in busy:
                    if (
                        slot.task is not None
                        and self.hard_timeout is not None
                        and now - slot.last_seen > self.hard_timeout
                    ):
                        self._lost(slot, queue, deaths, "timeout")
        finally:
            self.close()

    def _wait_for(self, busy: list[_Slot]) -> float | None:
        if self.hard_timeout is None:
            return None
        now = time.monotonic()
        return max(0.05, min(self.hard_timeout - (now - s.last_seen) for s in busy))

    def _assign(self, slot: _Slot, task: tuple[int, Input, int], queue: deque) -> bool:
        """Send ``task`` to ``slot``'s worker; False when it could not be sent."""
        busy = bool(slot.tasks)
        try:
            slot.conn.send(task)
        except (OSError, ValueError):
            if busy:  # the worker died on its task: _receive finds out, then _lost
                queue.appendleft(task)
                return False
            # The idle worker died: start the task afresh on a new one.
            slot.process.kill()
            slot.process.join(5)
            slot.conn.close()
            fresh = self._spawn()
            self.slots[self.slots.index(slot)] = fresh
            self.replaced += 1
            return self._assign(fresh, task, queue)
        slot.tasks.append(task)
        if not busy:
            slot.start(task)
        return True

    def _receive(self, slot: _Slot, queue: deque, deaths: dict[int, int]) -> None:
        try:
            message = slot.conn.recv()
        except (EOFError, OSError):
            self._lost(slot, queue, deaths, "died")
            return
        slot.last_seen = time.monotonic()
        kind = message[0]
        if kind == "doc":
            _, index, row, summary = message
            slot.last_row = row
            slot.rows_this_task += 1
            deaths.pop(index, None)
            self.on_doc(index, row, summary)
        elif kind == "done":
            self.peak_rss_kib = max(self.peak_rss_kib, message[3] or 0)
            self.on_done(message[1], message[2])
            slot.tasks.popleft()
            if slot.tasks:
                slot.start(slot.tasks[0])
        elif kind == "note":  # a second reading not kept, and why
            logger.warning("%s", message[2])
        elif kind == "fatal":
            raise RunAborted(message[2])

    def _lost(
        self, slot: _Slot, queue: deque, deaths: dict[int, int], why: str
    ) -> None:
        """The worker overran the time limit or died: fail its document (a second
        reading's leaves the first), replace the worker."""
        if slot.task is None:
            return
        index, item, row = slot.task[:3]
        # Sent ahead, never started: back to the front of the queue, in order.
        queue.extendleft(reversed(list(slot.tasks)[1:]))
        code = slot.process.exitcode
        if slot.process.is_alive():
            slot.process.kill()
        slot.process.join(5)
        if why == "died":
            why = f"exit code {slot.process.exitcode if code is None else code}"
        slot.conn.close()
        self.replaced += 1
        if self.spec.again:
            # A second reading lost: the first reading stays, nothing is retried.
            doc_id = row_doc_id(item.doc_id, row) if row else item.doc_id
            logger.warning("%s: %s", doc_id, Errors.E130.format(detail=why))
            self.on_done(index, "")
        else:
            self._fail(slot, item, index, why, queue, deaths)
        slot.tasks.clear()
        self.slots[self.slots.index(slot)] = self._spawn()

    def _fail(
        self,
        slot: _Slot,
        item: Input,
        index: int,
        why: str,
        queue: deque,
        deaths: dict[int, int],
    ) -> None:
        """A first reading lost: its document fails; a dump goes on from the next
        row unless its worker keeps dying without progress."""
        row = slot.last_row + 1 if item.kind == "dump" else 0
        doc_id = row_doc_id(item.doc_id, row) if row else item.doc_id
        if why == "timeout":
            code, reason = "E114", "timeout"
            message = Errors.E114.format(
                path=shown(item.path), limit=self.processor.limits.timeout
            )
        else:
            code, reason = "E116", "worker_died"
            message = Errors.E116.format(path=shown(item.path), detail=why)
        logger.warning("%s: %s", doc_id, message)
        fields = {"row": row} if row else {}
        report = empty_report(
            item.path, doc_id=doc_id, limits=self.processor.limits, **fields
        )
        report.add_error("run", code, message, reason=reason)
        record = report.to_dict()
        self.on_doc(index, row, write_summarized(self._writer(), record, {}))
        if item.kind == "dump":
            deaths[index] = deaths.get(index, 0) + (slot.rows_this_task == 0)
            if deaths[index] < MAX_DEATHS_WITHOUT_PROGRESS:
                queue.appendleft((index, item, row + 1))
            else:
                self.on_done(index, "")

    def _writer(self) -> RecordWriter:
        if self._parent_writer is None:
            sinks = self.spec.sinks(PARENT_SINKS) if self.spec.sinks else ()
            self._parent_writer = RecordWriter(
                self.spec.docs_dir, self.spec.records, self.spec.pretty, sinks
            )
        return self._parent_writer

    def close(self) -> None:
        for slot in self.slots:
            try:
                if slot.task is None:
                    slot.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 10
        for slot in self.slots:
            if slot.task is not None:
                slot.process.kill()
            slot.process.join(max(0.1, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(1)
            slot.conn.close()
        self.slots = []
        if self._parent_writer is not None:
            self._parent_writer.close()
            self._parent_writer = None
