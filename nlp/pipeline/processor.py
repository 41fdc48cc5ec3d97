"""One document into one record, whatever goes wrong (``Processor``).

A ``Processor`` holds one pipeline (built once per process) and turns one input — a
path, bytes or text under a name, a crawl-dump row — into one record: a reader's
error, any other exception and an overrun of the wall-time limit all end as an error
in the record, never as an exception. ``nlp.pipeline.corpus`` runs it over corpora.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Errors, IngestError
from ..io.inputs import Input, shown
from ..io.readers import (
    DEFAULT_LIMITS,
    Limits,
    doc_id_for,
    empty_report,
    load_report,
    report_from_bytes,
    row_doc_id,
)
from ..io.readers.crawl import Columns, DumpRow, read_dump, row_report
from ..records import Report
from .pipeline import Pipeline

logger = logging.getLogger(__name__)


class DocumentTimeout(BaseException):
    """Raised by the alarm when one document overruns ``Limits.timeout``. Not an
    ``Exception``: the pipeline's per-stage handler must not swallow it."""


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise ``DocumentTimeout`` in this thread after ``seconds`` of wall time (main
    thread only; elsewhere the runner's parent enforces the limit by itself)."""
    usable = (
        seconds
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    """What a worker sends back: the record and the stage timings of this document."""

    record: dict[str, Any]
    timings: dict[str, float]


class Processor:
    """Turns inputs into records with one pipeline (built lazily, once per process).

    Never raises for a bad document: a reader's ``IngestError``, any other exception
    and an overrun of ``limits.timeout`` all end as an error in the record."""

    def __init__(
        self,
        config: str | None = None,
        root: Path | None = None,
        overrides: dict[str, Any] | None = None,
        limits: Limits | None = None,
        columns: Columns | None = None,
        discard: tuple[str, ...] = (),
    ):
        self.config = config
        # Record fields the caller will not keep (``Pipeline.discard``).
        self.discard = discard
        self.root = root
        self.overrides = overrides
        self.limits = limits or DEFAULT_LIMITS
        self.columns = columns or Columns()
        self._pipeline: Pipeline | None = None
        self.ingest_seconds = 0.0

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline.from_config(
                self.config, self.overrides, self.discard
            )
        return self._pipeline

    def load(self) -> Processor:
        """Build the pipeline now (imports, models, dictionaries) rather than lazily."""
        _ = self.pipeline
        return self

    # ------------------------------------------------------------ one document
    def _guarded(
        self,
        read: Callable[[], Report],
        fallback: Callable[[], Report],
        name: str,
        component_cfg: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Report:
        pipeline = self.pipeline  # built outside the document's time limit
        start = time.perf_counter()
        try:
            with deadline(self.limits.timeout):
                try:
                    report = read()
                except IngestError as e:
                    report = fallback()
                    report.add_error("ingest", e.code, str(e), reason=e.reason)
                self.ingest_seconds = time.perf_counter() - start
                if not report.errors:
                    report = (
                        pipeline(report, component_cfg)
                        if component_cfg
                        else pipeline(report)
                    )
        except DocumentTimeout:
            report = fallback()
            report.add_error(
                "run",
                "E114",
                Errors.E114.format(path=name, limit=self.limits.timeout),
                reason="timeout",
            )
        except Exception as e:  # noqa: BLE001 - whatever escaped, the document fails
            logger.warning("%s failed: %s: %s", name, type(e).__name__, e)
            report = fallback()
            report.add_error(
                "run",
                "E117",
                Errors.E117.format(path=name, kind=type(e).__name__, detail=e),
                reason=type(e).__name__,
            )
        return report

    def read(self, path: Path, doc_id: str | None = None) -> Report:
        """The raw report of ``path``, or an empty one carrying the ingest error."""
        try:
            report = load_report(path, self.root, self.limits)
        except IngestError as e:
            report = empty_report(path, self.root, doc_id=doc_id, limits=self.limits)
            report.add_error("ingest", e.code, str(e), reason=e.reason)
            return report
        if doc_id:
            report.doc_id = doc_id
        return report

    def process(
        self,
        path: Path,
        doc_id: str | None = None,
        component_cfg: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Report:
        """One report file into one record (``component_cfg``: ``Pipeline``)."""
        path = Path(path)
        doc_id = doc_id or doc_id_for(path, self.root)

        def read() -> Report:
            report = load_report(path, self.root, self.limits)
            report.doc_id = doc_id
            return report

        return self._guarded(
            read,
            lambda: empty_report(path, self.root, doc_id=doc_id, limits=self.limits),
            shown(path),
            component_cfg,
        )

    def process_bytes(
        self, data: bytes | str, name: str, **source_fields: Any
    ) -> Report:
        """One document held in memory into one record (``report_from_bytes``):
        ``name`` picks the reader by its extension unless ``fmt=`` is given, and is
        the default ``doc_id=``; other keywords are ``Source`` fields (``path``,
        ``title``, ``url``, ``published``, ``row``) and ``component_cfg``
        (``Pipeline``). Never raises for bad data."""
        doc_id = source_fields.pop("doc_id", None) or name
        fmt = source_fields.pop("fmt", None)
        component_cfg = source_fields.pop("component_cfg", None)

        def read() -> Report:
            return report_from_bytes(
                data, name, doc_id=doc_id, fmt=fmt, limits=self.limits, **source_fields
            )

        def fallback() -> Report:
            fields = dict(source_fields)
            path = fields.pop("path", None) or name
            raw = (
                data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
            )
            return empty_report(
                Path(path),
                doc_id=doc_id,
                fmt=fmt or "txt",
                sha256=hashlib.sha256(raw).hexdigest(),
                **fields,
            )

        return self._guarded(read, fallback, name, component_cfg)

    def process_row(
        self,
        item: DumpRow,
        path: Path,
        file_id: str,
        component_cfg: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Report:
        """One crawl-dump row into one record (id ``<file id>#row=<n>``)."""
        doc_id = row_doc_id(file_id, item.row)

        def fallback() -> Report:
            return empty_report(
                path,
                doc_id=doc_id,
                fmt="txt",
                sha256="",
                row=item.row,
                limits=self.limits,
            )

        return self._guarded(
            lambda: row_report(item, path, file_id, self.limits),
            fallback,
            f"{shown(path)} row {item.row}",
            component_cfg,
        )

    # ------------------------------------------------------------ with timings
    def _timed(self, make: Callable[[], Report]) -> Outcome:
        before = {name: t.seconds for name, t in self.pipeline.timings.items()}
        self.ingest_seconds = 0.0
        report = make()
        timings = {
            name: t.seconds - before.get(name, 0.0)
            for name, t in self.pipeline.timings.items()
        }
        timings["ingest"] = self.ingest_seconds
        return Outcome(record=report.to_dict(), timings=timings)

    def outcome(self, path: Path) -> Outcome:
        return self._timed(lambda: self.process(path))

    def again(
        self,
        item: Input,
        row: int,
        component_cfg: Mapping[str, Mapping[str, Any]],
    ) -> Outcome:
        """The outcome of one report of ``item`` (its dump ``row``; 0: a file)
        read again with evidence from outside it (``component_cfg``)."""
        if item.kind != "dump" or not row:
            return self._timed(
                lambda: self.process(item.path, item.doc_id, component_cfg)
            )
        for found in read_dump(item.path, self.columns, self.limits, row):
            return self._timed(
                lambda found=found: self.process_row(
                    found, item.path, item.doc_id, component_cfg
                )
            )
        raise IngestError("changed", Errors.E129.format(path=shown(item.path), row=row))

    def outcomes(
        self, item: Input, start_row: int = 1
    ) -> Iterator[tuple[Outcome, int]]:
        """The outcome of every report of an input, with its dump row (0: a file)."""
        if item.kind != "dump":
            yield self._timed(lambda: self.process(item.path, item.doc_id)), 0
            return
        try:
            rows = read_dump(item.path, self.columns, self.limits, start_row)
            for row in rows:
                yield (
                    self._timed(
                        lambda row=row: self.process_row(row, item.path, item.doc_id)
                    ),
                    row.row,
                )
        except IngestError as e:  # the dump cannot be opened: one failed record
            report = empty_report(item.path, doc_id=item.doc_id, limits=self.limits)
            report.add_error("ingest", e.code, str(e), reason=e.reason)
            yield Outcome(record=report.to_dict(), timings={}), 0
