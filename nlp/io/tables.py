"""Tidy Parquet tables of a run: one row per report, section, cell, metric, check and
weakness, each row carrying its document's doc_id, agency, province, year and template.

``TableSink`` takes final records one at a time (``add(record)``, then ``close()``)
and streams them to ``OUT/tables/<name>.parquet`` with pyarrow's ``ParquetWriter`` in
batches, so memory stays bounded by one batch per table whatever the corpus size.
``write_tables(OUT)`` builds the same files from an existing ``OUT/corpus.jsonl``.
Column types come from the record dataclasses (``nlp.io.arrow``), one type each.

In ``nlp.run`` each worker writes its own part files through the writer's sink hook
(``PartSinks``); ``finish_tables`` joins the parts into one file per table and adds
the cross-year checks found at the end of the run. When the parts cannot account for
every document exactly once (a worker killed mid-file, a resumed run) it rebuilds the
tables from ``corpus.jsonl`` instead, so the tables always match the records.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Self

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import jsonfmt
from ..config import LOADED_VERSIONS, display_name
from ..errors import Errors, NlpError
from ..records import Check, Metric, Section, Weakness
from ..search.regions import REGIONS_CONFIG, RegionResolver
from .arrow import decline_pandas, record_fields
from .writers import PARENT_SINKS, REREAD_SINKS

TABLE_NAMES = ("reports", "sections", "cells", "metrics", "checks", "weaknesses")

# Columns every row starts with: which document, whose, where, when, which template.
KEY_FIELDS = [
    pa.field("doc_id", pa.string()),
    pa.field("agency", pa.string()),
    pa.field("province", pa.string()),
    pa.field("year", pa.int64()),
    pa.field("template", pa.string()),
]

REPORT_FIELDS = [
    pa.field("path", pa.string()),
    pa.field("row", pa.int64()),
    pa.field("format", pa.string()),
    pa.field("sha256", pa.string()),
    pa.field("title", pa.string()),
    pa.field("url", pa.string()),
    pa.field("published", pa.string()),
    pa.field("agency_printed", pa.string()),
    pa.field("agency_source", pa.string()),
    pa.field("characters", pa.int64()),
    pa.field("sections", pa.int64()),
    pa.field("tables", pa.int64()),
    pa.field("cells", pa.int64()),
    pa.field("metrics", pa.int64()),
    pa.field("checks", pa.int64()),
    pa.field("checks_failed", pa.int64()),
    pa.field("weaknesses", pa.int64()),
    pa.field("failed", pa.bool_()),
    pa.field("errors", pa.list_(pa.string())),
]

CELL_FIELDS = [
    pa.field("table_id", pa.string()),
    pa.field("table_kind", pa.string()),
    pa.field("table_layout", pa.string()),
    pa.field("cell_index", pa.int64()),
    pa.field("indicator", pa.string()),
    pa.field("row", pa.string()),
    pa.field("column", pa.string()),
    pa.field("value", pa.float64()),
    pa.field("raw", pa.string()),
    pa.field("unit", pa.string()),
    pa.field("start", pa.int64()),
    pa.field("end", pa.int64()),
    pa.field("status", pa.string()),
]


def table_schemas() -> dict[str, pa.Schema]:
    """The Arrow schema of each tidy table, by name."""
    return {
        "reports": pa.schema(KEY_FIELDS + REPORT_FIELDS),
        "sections": pa.schema(KEY_FIELDS + record_fields(Section)),
        "cells": pa.schema(KEY_FIELDS + CELL_FIELDS),
        "metrics": pa.schema(KEY_FIELDS + record_fields(Metric)),
        "checks": pa.schema(KEY_FIELDS + record_fields(Check)),
        "weaknesses": pa.schema(KEY_FIELDS + record_fields(Weakness)),
    }


class TableRows:
    """Turns one final record into its rows of every table (plain dicts)."""

    def __init__(self, regions: RegionResolver | None = None):
        self._regions = regions

    @property
    def regions(self) -> RegionResolver:
        if self._regions is None:
            # The tables are not the pipeline: a pipeline built later in this process
            # (a Spark worker is reused across tasks) must not list the gazetteer
            # among the config files its records were made with.
            name = display_name(REGIONS_CONFIG)
            listed = name in LOADED_VERSIONS
            self._regions = RegionResolver()
            if not listed:
                LOADED_VERSIONS.pop(name, None)
        return self._regions

    def keys(self, record: dict[str, Any]) -> dict[str, Any]:
        meta = record.get("meta") or {}
        agency = meta.get("agency")
        return {
            "doc_id": record["doc_id"],
            "agency": agency,
            "province": self.regions.province(agency, record.get("text") or ""),
            "year": meta.get("year"),
            "template": meta.get("template"),
        }

    def rows(self, record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        keys = self.keys(record)
        meta = record.get("meta") or {}
        source = record.get("source") or {}
        tables = record.get("tables") or []
        checks = record.get("checks") or []
        cells = [
            {
                **keys,
                "table_id": table["id"],
                "table_kind": table["kind"],
                "table_layout": table.get("layout"),
                "cell_index": i,
                **cell,
            }
            for table in tables
            for i, cell in enumerate(table.get("cells") or [])
        ]
        errors = record.get("errors") or []
        report = {
            **keys,
            "path": source.get("path"),
            "row": source.get("row"),
            "format": source.get("format"),
            "sha256": source.get("sha256"),
            "title": source.get("title"),
            "url": source.get("url"),
            "published": meta.get("published") or source.get("published"),
            "agency_printed": meta.get("agency_printed"),
            "agency_source": meta.get("agency_source"),
            "characters": len(record.get("text") or ""),
            "sections": len(record.get("sections") or []),
            "tables": len(tables),
            "cells": len(cells),
            "metrics": len(record.get("metrics") or []),
            "checks": len(checks),
            "checks_failed": sum(c.get("verdict") == "fail" for c in checks),
            "weaknesses": len(record.get("weaknesses") or []),
            "failed": bool(errors),
            "errors": [
                f"{e['stage']}/{e.get('reason') or e['code']}: {e['message']}"
                for e in errors
            ],
        }
        return {
            "reports": [report],
            "sections": [{**keys, **s} for s in record.get("sections") or []],
            "cells": cells,
            "metrics": [{**keys, **m} for m in record.get("metrics") or []],
            "checks": [{**keys, **c} for c in checks],
            "weaknesses": [{**keys, **w} for w in record.get("weaknesses") or []],
        }


class TableSink:
    """Streams final records into ``folder/<name>.parquet``, ``batch_rows`` rows of a
    table held at a time. ``add(record)`` per record, then ``close()`` once."""

    def __init__(
        self,
        folder: Path,
        batch_rows: int = 4096,
        regions: RegionResolver | None = None,
        compression: str = "zstd",
        statistics: bool = True,
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.batch_rows = batch_rows
        self.compression = compression
        self.statistics = statistics
        self.schemas = table_schemas()
        self.rows = TableRows(regions)
        self.counts = dict.fromkeys(TABLE_NAMES, 0)
        self._buffers: dict[str, list[dict[str, Any]]] = {n: [] for n in TABLE_NAMES}
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._closed = False

    def add(self, record: dict[str, Any]) -> None:
        for name, rows in self.rows.rows(record).items():
            buffer = self._buffers[name]
            buffer.extend(rows)
            self.counts[name] += len(rows)
            if len(buffer) >= self.batch_rows:
                self._flush(name)

    def _flush(self, name: str) -> None:
        buffer = self._buffers[name]
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(
                self.folder / f"{name}.parquet",
                self.schemas[name],
                compression=self.compression,
                write_statistics=self.statistics,
            )
            self._writers[name] = writer
        if buffer:
            decline_pandas()
            writer.write_table(pa.Table.from_pylist(buffer, schema=self.schemas[name]))
        buffer.clear()

    def close(self) -> dict[str, int]:
        """Write what is buffered and close every file (a table with no rows is
        still written, empty, with its columns); the row count of each table."""
        for name in TABLE_NAMES:
            self._flush(name)
            self._writers.pop(name).close()
        self._closed = True
        return dict(self.counts)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._closed:
            self.close()


PARTS = ".parts"
# Rows of a table a worker holds before writing them to its part, and of each part
# the parent's merge holds at a time (it reads a row group in slices). A part's
# footer, which the merge keeps while it reads the part, grows with its row groups:
# so the groups are large and the slices small.
PART_ROWS = 4096
MERGE_ROWS = 1024
# The part of the reports read again: its rows replace theirs in the other parts.
REREAD = "reread"


class PartSinks:
    """The sink factory of ``nlp.run`` (``run_corpus(..., sinks=PartSinks(folder))``):
    worker ``n`` writes ``folder/.parts/<n>-<pid>/<name>.parquet``."""

    def __init__(self, folder: Path, batch_rows: int = PART_ROWS):
        self.folder = Path(folder)
        self.batch_rows = batch_rows

    def __call__(self, worker: int) -> list[TableSink]:
        who = {PARENT_SINKS: "parent", REREAD_SINKS: REREAD}.get(worker, str(worker))
        return [
            TableSink(
                self.folder / PARTS / f"{who}-{os.getpid()}",
                self.batch_rows,
                statistics=False,  # read by the merge alone, which never filters
            )
        ]


def _rereads(folder: Path) -> bool:
    """Whether a part folder holds reports read again (``PartSinks``'s name)."""
    return folder.name.startswith(REREAD + "-")


def _read_parts(
    parts: Path, documents: int, position: dict[str, int]
) -> tuple[dict[str, list[Path]], list[frozenset[str]]] | None:
    """Every part file by table, with the documents to skip in each (those a later
    part replaces: the reports read again, ``REREAD``), or None when they do not
    hold each of the run's ``documents`` exactly once, a part's documents are not in
    input order (``position``: a document a lost worker left, retried by another
    after later ones), or one cannot be read. Each file's footer is read here and
    let go: the merge opens one table's parts at a time (a footer grows with its
    file's row groups)."""
    found: dict[str, list[Path]] = {name: [] for name in TABLE_NAMES}
    seen = bytearray(len(position))  # by input position: a byte a document
    rows = 0
    try:
        folders = sorted(
            (p for p in parts.iterdir() if p.is_dir()),
            key=lambda p: (_rereads(p), p.name),
        )
        replaced: frozenset[str] = frozenset()
        for folder in folders:
            for name in TABLE_NAMES:
                found[name].append(folder / f"{name}.parquet")
                part = pq.ParquetFile(found[name][-1])
                if name == "reports":
                    ids = part.read(columns=["doc_id"]).column(0).to_pylist()
                part.close()
            if _rereads(folder):
                if len(set(ids)) != len(ids) or not all(
                    doc in position and seen[position[doc]] for doc in ids
                ):
                    return None
                replaced = replaced | frozenset(ids)
                continue
            places = [position.get(doc, -1) for doc in ids]
            if -1 in places or any(a >= b for a, b in itertools.pairwise(places)):
                return None
            for place in places:
                seen[place] = 1
            rows += len(ids)
    except (OSError, pa.ArrowInvalid):
        return None
    if rows != documents or seen.count(1) != documents:
        return None
    # The workers' parts come first (sorted so): skip there what a reread replaces.
    skips = [frozenset() if _rereads(folder) else replaced for folder in folders]
    return found, skips


def finish_tables(out: Path, summary: dict[str, Any]) -> dict[str, int]:
    """``out/tables/<name>.parquet`` from the workers' parts and the run's cross-year
    checks (``summary["cross_year"]``), or from ``corpus.jsonl`` when the parts do
    not cover the run; the row count of each table.

    Rows are in input order (the order of ``corpus.jsonl``) whatever worker wrote
    them, a document's cross-year checks after its own: the same corpus gives the
    same tables with any number of jobs. The reports read again with their
    neighbouring years have a part of their own (``REREAD``) whose rows replace the
    ones the workers wrote for them. Each worker's part is in input order (it
    takes inputs from one ordered queue), so the parts are merged, not sorted; a
    part that is not (a document a lost worker left, retried elsewhere) makes the
    tables be rebuilt from ``corpus.jsonl``."""
    folder = Path(out) / "tables"
    parts = folder / PARTS
    position = _input_order(Path(out) / "corpus.jsonl") if parts.is_dir() else None
    found = (
        _read_parts(parts, summary["documents"], position)
        if position is not None
        else None
    )
    if found is None or summary.get("resumed"):
        shutil.rmtree(parts, ignore_errors=True)
        return write_tables(out)
    found, skips = found
    decline_pandas()  # the merge converts rows: cross-year checks, added counts
    schemas = table_schemas()
    counts = {}
    keys: dict[str, dict[str, Any]] = {}
    cross_year = summary.get("cross_year") or []
    added: dict[str, list[int]] = {}  # doc_id -> [checks, failed checks] added
    for check in cross_year:
        tally = added.setdefault(check["doc_id"], [0, 0])
        tally[0] += 1
        tally[1] += check.get("verdict") == "fail"
    for name in TABLE_NAMES:
        target = folder / f"{name}.parquet"
        schema = schemas[name]
        extra: dict[str, list[dict[str, Any]]] = {}
        if name == "checks":  # the reports table came first and noted the keys
            for c in cross_year:
                extra.setdefault(c["doc_id"], []).append(
                    {**keys.get(c["doc_id"], {}), **c}
                )
        files = [pq.ParquetFile(path) for path in found[name]]
        counts[name] = _write_merged(
            target,
            schema,
            list(zip(files, skips, strict=True)),
            position,
            extra,
            added if name == "reports" else None,
            keys,
        )
        for part in files:  # its reader keeps buffers and the footer: let them go
            part.close()
    shutil.rmtree(parts, ignore_errors=True)
    return counts


def _write_merged(
    target: Path,
    schema: pa.Schema,
    parts: list[tuple[pq.ParquetFile, frozenset[str]]],
    position: dict[str, int],
    extra: dict[str, list[dict[str, Any]]],
    added: dict[str, list[int]] | None,
    keys: dict[str, dict[str, Any]],
) -> int:
    """One table from the workers' ``parts`` (each with the documents whose rows
    another part replaces), merged into input order, each document's ``extra`` rows
    after its own; report rows counting the ``added`` checks (and noting each
    document's ``keys``). The number of rows written.

    What is held between writes is the parts' current slices and which of
    their rows come next (``_Picks``): at most ``FLUSH_ROWS`` rows in at most
    ``FLUSH_RUNS`` runs. A run becomes a slice only when written, because a slice
    costs kilobytes of Arrow objects however few rows it holds (a reports table
    has one row a document); the slices are written as they are, not copied
    (taking the rows out of the concatenated row groups copied them twice and
    left the parent's memory growing with the corpus)."""
    pending = collections.deque(
        sorted(extra, key=lambda doc: position.get(doc, len(position)))
    )
    picks = _Picks(schema)
    written = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for at, _doc, group, rows, start, length in heapq.merge(
            *(
                _doc_runs(part, position, skip, number)
                for number, (part, skip) in enumerate(parts)
            ),
            key=lambda run: run[0],
        ):
            while pending and position.get(pending[0], len(position)) < at:
                picks.add_rows(extra[pending.popleft()])
            picks.add(group, rows, start, length)
            if picks.rows >= FLUSH_ROWS or len(picks.runs) >= FLUSH_RUNS:
                written += _write_buffer(writer, picks.take(), added, keys)
        for doc in pending:
            picks.add_rows(extra[doc])
        written += _write_buffer(writer, picks.take(), added, keys)
    return written


FLUSH_ROWS = 4096
FLUSH_RUNS = 256


class _Picks:
    """Rows to write next, in order, as (slice, start, length) runs over the slices
    of the parts they come from, plus rows given as mappings (cross-year checks)."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self._clear()

    def _clear(self) -> None:
        self.groups: list[pa.Table] = []
        self._index: dict[Any, int] = {}
        self.runs: list[list[int]] = []  # [group index, start, length]
        self.extra: list[dict[str, Any]] = []
        self.rows = 0

    def add(self, key: Any, group: pa.Table, start: int, length: int) -> None:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.groups)
            self.groups.append(group)
        last = self.runs[-1] if self.runs else None
        if last and last[0] == index and last[1] + last[2] == start:
            last[2] += length
        else:
            self.runs.append([index, start, length])
        self.rows += length

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        self.runs.append([-1, len(self.extra), len(rows)])
        self.extra.extend(rows)
        self.rows += len(rows)

    def take(self) -> pa.Table | None:
        """The rows picked, as one table of slices (no copy), and start afresh."""
        if not self.runs:
            self._clear()
            return None
        extra = (
            pa.Table.from_pylist(self.extra, schema=self.schema) if self.extra else None
        )
        table = pa.concat_tables(
            [
                (extra if group < 0 else self.groups[group]).slice(start, length)
                for group, start, length in self.runs
            ]
        )
        self._clear()
        return table


def _write_buffer(
    writer: pq.ParquetWriter,
    table: pa.Table | None,
    added: dict[str, list[int]] | None,
    keys: dict[str, dict[str, Any]],
) -> int:
    if table is None or not table.num_rows:
        return 0
    if added is not None:
        table = _with_added_checks(table, added, keys)
    writer.write_table(table)
    return table.num_rows


def _input_order(jsonl: Path) -> dict[str, int] | None:
    """Each document's position in ``corpus.jsonl`` (which is in input order); None
    when the file cannot be read. A record's line starts with its ``doc_id``
    (``Report.to_dict``), so only that string is decoded."""
    decoder = json.JSONDecoder()
    prefix = '{"doc_id":'
    order: dict[str, int] = {}
    try:
        with jsonl.open(encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                if line.startswith(prefix):  # written compact, or with a space
                    at = len(prefix) + (line[len(prefix)] == " ")
                    doc_id = decoder.raw_decode(line, at)[0]
                else:
                    doc_id = jsonfmt.loads(line)["doc_id"]
                order.setdefault(doc_id, len(order))
    except (OSError, ValueError, KeyError):
        return None
    return order


def _doc_runs(
    part: pq.ParquetFile,
    position: dict[str, int],
    skip: frozenset[str] = frozenset(),
    number: int = 0,
) -> Iterator[tuple[int, str, tuple[int, int], pa.Table, int, int]]:
    """(input position, doc_id, slice key, slice, start, length) for each
    run of one document's rows in part ``number``, in the part's order, but for
    the documents in ``skip``."""
    batches = part.iter_batches(batch_size=MERGE_ROWS, use_threads=False)
    for i, batch in enumerate(batches):
        group = pa.Table.from_batches([batch])
        ids = group.column("doc_id").to_pylist()
        start = 0
        for k in range(1, len(ids) + 1):
            if k == len(ids) or ids[k] != ids[start]:
                if ids[start] not in skip:
                    yield (
                        position[ids[start]],
                        ids[start],
                        (number, i),
                        group,
                        start,
                        k - start,
                    )
                start = k


def _with_added_checks(
    group: pa.Table, added: dict[str, list[int]], keys: dict[str, dict[str, Any]]
) -> pa.Table:
    """Report rows counting the cross-year checks added at the end; the keys of
    each document given such checks noted for their check rows."""
    ids = group.column("doc_id").to_pylist()
    hit = [k for k, doc in enumerate(ids) if doc in added]
    if not hit:
        return group
    columns = {f.name: group.column(f.name).to_pylist() for f in KEY_FIELDS}
    for k in hit:
        keys[ids[k]] = {name: values[k] for name, values in columns.items()}
    for column, which in (("checks", 0), ("checks_failed", 1)):
        more = pa.array(
            [added[doc][which] if doc in added else 0 for doc in ids],
            type=group.schema.field(column).type,
        )
        index = group.schema.get_field_index(column)
        total = pc.add(group.column(column), more)
        group = group.set_column(index, group.schema.field(column), total)
    return group


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a ``corpus.jsonl``, one at a time."""
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield jsonfmt.loads(line)
            except ValueError as e:
                raise NlpError(
                    Errors.E902.format(path=path, line=line_no, detail=e)
                ) from e


def write_tables(
    out: Path, records: Iterable[dict[str, Any]] | None = None, **options: Any
) -> dict[str, int]:
    """``out/tables/*.parquet`` from ``records`` (default: ``out/corpus.jsonl``, which
    holds the cross-year checks); the row count of each table."""
    out = Path(out)
    if records is None:
        jsonl = out / "corpus.jsonl"
        if not jsonl.is_file():
            raise NlpError(Errors.E901.format(path=jsonl))
        records = iter_records(jsonl)
    sink = TableSink(out / "tables", **options)
    for record in records:
        sink.add(record)
    return sink.close()
