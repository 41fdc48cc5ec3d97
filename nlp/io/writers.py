"""The output folder of a run: records written by the workers, the rest at the end.

``OUT/docs/<name>.json`` per document (``output_name``), ``OUT/corpus.jsonl`` (one
line per document, in input order), ``OUT/weaknesses.json`` (recurring weaknesses)
and ``OUT/summary.json``.

Each worker process writes its own records (``RecordWriter``: compact JSON, pretty
only on request) and sends the parent a small summary of each (``summarize``:
counts, errors, the ``compact`` form the corpus steps need). The parent spools the
summaries to disk as they come and, at the end, streams: the cross-year checks are
added to the few records they belong to, and corpus.jsonl is built from the record
files without holding more than one record in memory (``finish_run``).

Extra record sinks: ``RecordWriter(..., sinks=[...])`` hands every record, after
slimming, to each sink's ``add(record: dict)`` and calls ``close()`` when the worker
stops. A runner makes the sinks per worker with a factory
``make_sinks(worker: int) -> list[sink]`` (``run_corpus(..., sinks=make_sinks)``),
so that a sink (a Parquet table writer, say) writes one part file per worker.
Records that gain cross-year checks at the end are rewritten in ``docs/`` and
``corpus.jsonl``; a sink sees them as the worker wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from .. import jsonfmt
from ..records import Check

SPOOL = ".records.jsonl.partial"
# File names are limited to 255 bytes on every common file system.
NAME_BYTES = 255
_SUFFIX = ".json"
_KEEP_BYTES = 200


class RecordSink(Protocol):
    """Where records go besides ``docs/`` (see the module docstring)."""

    def add(self, record: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


SinkFactory = Callable[[int], list[RecordSink]]
# The numbers a SinkFactory is called with besides a worker's (0, 1, ...): the
# parent's own records (a worker lost), and records that replace ones written
# before them (reports read again with their neighbouring years).
PARENT_SINKS = -1
REREAD_SINKS = -2


def output_name(doc_id: str) -> str:
    """File name under OUT/docs for a document id: the id with '/' and '~' as
    %2F and %7E (ids escape '%' themselves, so no two ids share a name), cut to
    255 bytes with a hash of the whole id in place of the cut."""
    name = doc_id.replace("/", "%2F").replace("~", "%7E")
    if len((name + _SUFFIX).encode("utf-8", "surrogateescape")) <= NAME_BYTES:
        return name + _SUFFIX
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogateescape")).hexdigest()
    head = name.encode("utf-8", "surrogateescape")[:_KEEP_BYTES]
    return head.decode("utf-8", "ignore") + "~" + digest[:32] + _SUFFIX


def write_json(path: Path, data: Any, indent: int | None = 1) -> None:
    """``data`` as JSON, written as it is encoded: the file's text is never held
    whole (weaknesses.json and summary.json grow with the corpus)."""
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=indent)


def dumps_record(record: dict[str, Any], pretty: bool = False) -> str:
    """A record as written: on one line with no spaces (``nlp.jsonfmt``), or
    indented when asked. The one-line form is what ``nlp.search``'s
    ``record_sha256`` hashes: a record's hash is the same from docs/ and
    corpus.jsonl."""
    if pretty:
        return json.dumps(record, ensure_ascii=False, indent=1)
    return jsonfmt.dumps_str(record)


# The fields ``--records slim`` leaves empty (the pipeline need not fill them).
SLIM_EMPTY = ("tokens", "sentences")


def slim(record: dict[str, Any], records: str = "slim") -> dict[str, Any]:
    """The record as written: ``slim`` leaves ``tokens`` and ``sentences`` empty
    (most of a record's size; the search index recomputes them), ``full`` keeps
    them."""
    if records == "full":
        return record
    return {**record, **{name: [] for name in SLIM_EMPTY}}


def error_lines(record: dict[str, Any]) -> list[str]:
    return [
        f"{e['stage']}/{e.get('reason') or e['code']}: {e['message']}"
        for e in record.get("errors") or []
    ]


def summarize(
    record: dict[str, Any],
    timings: dict[str, float],
    compacted: dict[str, Any] | None,
    name: str,
    input_sha: str = "",
) -> dict[str, Any]:
    """What the parent needs of one record: small, JSON-ready."""
    return {
        "doc_id": record["doc_id"],
        "name": name,
        "input_sha256": input_sha,
        "errors": error_lines(record),
        "chars": len(record.get("text") or ""),
        "counts": {
            "sections": len(record["sections"]),
            "tables": len(record["tables"]),
            "cells": sum(len(t["cells"]) for t in record["tables"]),
            "metrics": len(record["metrics"]),
            "weaknesses": len(record["weaknesses"]),
            "checks": len(record["checks"]),
        },
        "verdicts": dict(
            Counter(f"{c['kind']}:{c['verdict']}" for c in record["checks"])
        ),
        "timings": timings,
        "compact": compacted,
    }


class RecordWriter:
    """Writes records into ``docs_dir`` (in a worker) and to the extra sinks."""

    def __init__(
        self,
        docs_dir: Path,
        records: str = "slim",
        pretty: bool = False,
        sinks: Iterable[RecordSink] = (),
    ):
        self.docs_dir = docs_dir
        self.records = records
        self.pretty = pretty
        self.sinks = list(sinks)

    def write(self, record: dict[str, Any]) -> str:
        """Write one record; its file name under docs/."""
        record = slim(record, self.records)
        name = output_name(record["doc_id"])
        path = self.docs_dir / name
        tmp = path.with_name(f".{os.getpid()}.tmp")
        tmp.write_text(dumps_record(record, self.pretty), encoding="utf-8")
        os.replace(tmp, path)
        for sink in self.sinks:
            sink.add(record)
        return name

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


class RunTally:
    """Counts a run's summary is made of, updated one summary at a time."""

    def __init__(self) -> None:
        self.documents = 0
        self.chars = 0
        self.counts: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self.stage_seconds: Counter[str] = Counter()
        self.failures: list[dict[str, Any]] = []
        self.config: dict[str, Any] = {}

    def add(self, summary: dict[str, Any]) -> None:
        self.documents += 1
        self.chars += summary["chars"]
        self.stage_seconds.update(summary["timings"])
        if summary["errors"]:
            self.failures.append(
                {"doc_id": summary["doc_id"], "errors": summary["errors"]}
            )
        self.counts.update(summary["counts"])
        self.verdicts.update(summary["verdicts"])

    def add_checks(self, checks: list[dict[str, Any]]) -> None:
        self.counts["checks"] += len(checks)
        for check in checks:
            self.verdicts[f"{check['kind']}:{check['verdict']}"] += 1


def read_spool(path: Path, offsets: bool = False) -> Iterator[Any]:
    """The summaries spooled to ``path`` (with their byte offsets when asked),
    skipping a last line cut by a crash."""
    if not path.exists():
        return
    with path.open("rb") as spool:
        offset = 0
        for line in spool:
            try:
                entry = jsonfmt.loads(line)
            except ValueError:
                entry = None
            if entry is not None:
                yield (offset, entry) if offsets else entry
            offset += len(line)


class SpooledSummaries(Sequence):
    """The spooled summaries at ``offsets``, read from disk when asked for: the
    parent holds 8 bytes a document, not the summaries (nor their compact forms)."""

    def __init__(self, path: Path, offsets: Sequence[int]):
        self.path = path
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        with self.path.open("rb") as spool:
            spool.seek(self.offsets[index])
            return jsonfmt.loads(spool.readline())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self.path.open("rb") as spool:
            for offset in self.offsets:
                spool.seek(offset)
                yield jsonfmt.loads(spool.readline())

    def compacts(self) -> _Compacts:
        return _Compacts(self)


class _Compacts(Sequence):
    """The compact records of spooled summaries, one parsed at a time."""

    def __init__(self, summaries: SpooledSummaries):
        self.summaries = summaries

    def __len__(self) -> int:
        return len(self.summaries)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.summaries[index]["compact"]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for summary in self.summaries:
            yield summary["compact"]


def finish_run(
    staging: Path,
    names: Iterable[tuple[str, str]],
    cross_year: dict[str, list[Check]],
    recurrence: dict[str, Any],
    summary: dict[str, Any],
    tally: RunTally,
    pretty: bool = False,
) -> dict[str, Any]:
    """Add the cross-year checks to their records, write corpus.jsonl (records in
    the order of ``names``: (doc id, file under docs/) pairs), weaknesses.json and
    summary.json; return the summary. One record in memory at a time, and only the
    records that change (or all with ``pretty``) are parsed."""
    # A str path, not pathlib's: Path interns every part it parses (sys.intern, for
    # good), which would grow the parent by a file name a report.
    docs_dir = os.fspath(staging / "docs")
    with (staging / "corpus.jsonl").open("w", encoding="utf-8") as jsonl:
        for doc_id, name in names:
            path = os.path.join(docs_dir, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            extra = cross_year.get(doc_id)
            if extra or pretty:
                record = jsonfmt.loads(text)
                if extra:
                    base = len(record["checks"])
                    for i, check in enumerate(extra):
                        check.id = f"xy{base + i}"
                        record["checks"].append(check.to_dict())
                    tally.add_checks([c.to_dict() for c in extra])
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(dumps_record(record, pretty))
                text = dumps_record(record)
            jsonl.write(text.rstrip("\n") + "\n")
    write_json(staging / "weaknesses.json", recurrence)
    summary = {
        **summary,
        "counts": dict(tally.counts),
        "check_verdicts": dict(sorted(tally.verdicts.items())),
        "stage_seconds": {k: round(v, 4) for k, v in tally.stage_seconds.most_common()},
        "cross_year": [
            {"doc_id": doc_id, **c.to_dict()}
            for doc_id, checks in sorted(cross_year.items())
            for c in checks
        ],
        "recurring_weaknesses": recurrence.get("summary", {}),
        "config": tally.config,
    }
    write_json(staging / "summary.json", summary)
    return summary
