"""A corpus run on Spark: the same records as ``nlp.run``, written as Parquet.

Stage 1 maps partitions of inputs (report files read with ``binaryFiles``, or the rows
of crawl dumps read with Spark's CSV/JSON/Parquet readers) through one ``Processor``
built per partition; a document that fails is a record with ``errors``, never a
failed task. Stage 2 runs the cross-year checks grouped by agency (the groups are
computed once from every agency name, as ``nlp.run`` does) and recurrence over the
slim weakness items on the driver (its copied-text detection compares agencies).
The records with their cross-year checks and the tidy tables are written as Parquet
partitioned by year, with the explicit schemas of ``nlp.spark.schema``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark import StorageLevel, TaskContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from ..config import config_path, load_yaml
from ..corpus_steps.cross_year import (
    compact,
    evidence_cells,
    neighbour_pairs,
    neighbour_plan,
    neighbours_wanted,
)
from ..errors import Errors, IngestError, NlpError
from ..io.readers import (
    DEFAULT_LIMITS,
    Limits,
    empty_report,
    escape_name,
    row_doc_id,
)
from ..io.readers.crawl import DUMP_EXTENSIONS, Columns, DumpRow, resolve_columns
from ..io.tables import TABLE_NAMES, TableRows
from ..io.writers import RunTally, summarize, write_json
from ..pipeline.corpus import Processor
from ..pipeline.neighbours import failed_again, neighbour_cfg
from ..pipeline.pipeline import Pipeline
from ..stages.meta.agency import agency_groups
from .schema import record_struct, table_structs

logger = logging.getLogger(__name__)

_GLOB = re.compile(r"[*?\[{]")
# Fault injection for the tests: the Python worker processing this doc_id exits on
# the task's first attempt, as a worker lost to the OOM killer would.
FAIL_ONCE_ENV = "NLP_SPARK_FAIL_ONCE"


@dataclass
class SparkSettings:
    """How to run: Spark master and retries, partitions, pipeline, dump columns."""

    master: str = "local[2]"
    max_failures: int = 4
    partitions: int | None = None
    config: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    tables: bool = True
    text_column: str | None = None
    html_column: str | None = None
    title_column: str | None = None
    url_column: str | None = None
    date_column: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)
    # The run's limits: configs/run.yaml (as nlp.run reads it), or this file, or
    # None for the built-in limits; ``limits`` (set by the command line) wins.
    run_config: str | None = "run"
    limits: dict[str, Any] | None = None

    def run_limits(self) -> Limits:
        """The limits per document, reading the run config (which then appears in
        the records' provenance, as with nlp.run)."""
        values = dataclasses.asdict(DEFAULT_LIMITS)
        file = config_path(self.run_config) if self.run_config else None
        if file is not None and (self.run_config != "run" or Path(file).is_file()):
            data = load_yaml(file)
            try:
                found = Limits.from_mapping(data.get("limits") or {})
            except ValueError as e:
                raise NlpError(
                    Errors.E003.format(path=file, key="limits", detail=e)
                ) from e
            values.update({k: getattr(found, k) for k in data.get("limits") or {}})
        values.update(self.limits or {})
        return Limits(**values)

    def columns(self) -> Columns:
        return Columns(
            text=self.text_column,
            html=self.html_column,
            title=self.title_column,
            url=self.url_column,
            date=self.date_column,
        )


def master_with_retries(master: str, max_failures: int) -> str:
    """``local[N]`` never retries a task; ``local[N,F]`` does (F attempts)."""
    found = re.fullmatch(r"local\[(\d+|\*)\]", master)
    if found and max_failures > 1:
        return f"local[{found.group(1)},{max_failures}]"
    return master


def spark_session(settings: SparkSettings) -> SparkSession:
    """A session bound to 127.0.0.1 with no UI, workers on this Python. Under
    spark-submit (a gateway already running) its master and settings stand."""
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    builder = SparkSession.builder.appName("nlp.spark")
    if not submitted:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        master = master_with_retries(settings.master, settings.max_failures)
        builder = (
            builder.master(master)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            # Few, small shuffles (agency groups, the join): not 200 partitions.
            .config("spark.sql.shuffle.partitions", "8")
        )
    builder = (
        builder.config("spark.task.maxFailures", str(settings.max_failures))
        .config("spark.sql.session.timeZone", "UTC")
        .config(
            "spark.hadoop.mapreduce.input.fileinputformat.input.dir.recursive", "true"
        )
        # A dump file is read by one task, so its rows keep their order (row numbers).
        .config("spark.sql.files.maxPartitionBytes", str(1 << 34))
    )
    for key, value in settings.spark_conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# ----------------------------------------------------------------- inputs


def _hadoop_path(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs, hpath


def input_root(spark: SparkSession, path: str) -> tuple[str, bool]:
    """The qualified URI document ids are relative to, and whether ``path`` names a
    folder: the folder itself, a glob's folder part, a file's folder."""
    static = _GLOB.split(path, 1)[0]
    globbed = static != path
    if globbed:
        static = static.rsplit("/", 1)[0] or "/"
    fs, hpath = _hadoop_path(spark, static)
    if not globbed and not fs.exists(hpath):
        raise NlpError(Errors.E904.format(path=path))
    qualified = fs.makeQualified(hpath)
    is_dir = fs.getFileStatus(qualified).isDirectory()
    root = qualified if (globbed or is_dir) else qualified.getParent()
    return root.toString().rstrip("/") + "/", is_dir and not globbed


def local_path(uri: str) -> str:
    """``file:/a/b`` -> ``/a/b`` (what nlp.run records); other URIs as they are."""
    return uri.removeprefix("file:")


def is_dump_input(path: str) -> bool:
    """Crawl dumps (CSV/TSV/JSONL/Parquet) are read with Spark's own readers."""
    return Path(path.rstrip("/")).suffix.lower() in DUMP_EXTENSIONS


def _doc_id(uri: str, root: str) -> str:
    """A file's id as nlp.run gives it: its path under the root, escaped."""
    rel = uri[len(root) :] if uri.startswith(root) else uri.rsplit("/", 1)[-1]
    return "/".join(escape_name(part) for part in rel.split("/"))


def file_inputs(spark: SparkSession, path: str, partitions: int):
    """("file", doc_id, path, bytes) per report file under ``path``."""
    root, _ = input_root(spark, path)

    def entry(item: tuple[str, bytes]) -> tuple[str, str, str, bytes]:
        uri, data = item
        return "file", _doc_id(uri, root), local_path(uri), data

    return spark.sparkContext.binaryFiles(path).map(entry).repartition(partitions)


def dump_inputs(spark: SparkSession, path: str, settings: SparkSettings, partitions):
    """("row", file id, dump path, DumpRow) per row of the crawl dumps at ``path``,
    read with Spark's readers; rows are numbered from 1 in each file, as nlp.run
    numbers them."""
    suffix = Path(path.rstrip("/")).suffix.lower()
    reader = spark.read
    if suffix in (".csv", ".tsv"):
        frame = reader.options(
            header=True,
            multiLine=True,
            escape='"',
            sep="\t" if suffix == ".tsv" else ",",
            inferSchema=False,
        ).csv(path)
    elif suffix == ".parquet":
        frame = reader.parquet(path)
    else:
        frame = reader.option("primitivesAsString", True).json(path)
    if "_corrupt_record" in frame.columns:
        raise NlpError(Errors.E904.format(path=f"{path} (rows that are not JSON)"))
    try:
        found = resolve_columns(Path(path), frame.columns, settings.columns())
    except IngestError as e:
        raise NlpError(str(e)) from e
    root, _ = input_root(spark, path)
    frame = frame.withColumn("_file", F.input_file_name()).withColumn(
        "_order", F.monotonically_increasing_id()
    )
    frame = frame.withColumn(
        "_row", F.row_number().over(Window.partitionBy("_file").orderBy("_order"))
    )
    parts = list(found.items())
    selected = frame.select(
        "_file", "_row", *[F.col(f"`{column}`").cast("string") for _, column in parts]
    )

    def entry(row) -> tuple[str, str, str, DumpRow]:
        uri, number, *values = row
        cells = {key: value for (key, _), value in zip(parts, values, strict=True)}
        local = local_path(uri)
        return "row", _doc_id(uri, root), local, DumpRow(row=number, **cells)

    return selected.rdd.map(entry).repartition(partitions)


# ----------------------------------------------------------------- stage 1


def _fail_once(doc_id: str) -> None:
    target = os.environ.get(FAIL_ONCE_ENV)
    context = TaskContext.get()
    if target and doc_id == target and context and context.attemptNumber() == 0:
        os._exit(17)


def process_partition(
    settings: SparkSettings,
    items: Iterable[tuple[str, str, str, Any]],
    neighbours: dict[str, dict[str, Any]] | None = None,
) -> Iterator[tuple[str, str, dict[str, Any], dict[str, float], int]]:
    """(doc_id, record JSON, compact record, stage seconds, number of checks) per
    input (a file's id, or a dump's id and row); the pipeline is built once for the
    partition. A document that fails is a record with errors, never a failed task.
    ``neighbours``: only the documents it names are read, each with its
    neighbouring years as evidence (``nlp.pipeline.neighbours``)."""
    build_error: str | None = None
    try:
        processor = Processor(
            settings.config,
            None,
            settings.overrides,
            settings.run_limits(),
            settings.columns(),
        )
        processor.load()
    except Exception as e:  # noqa: BLE001 - reported with every document
        build_error = f"{type(e).__name__}: {e}"
    for kind, file_id, path, payload in items:
        doc_id = row_doc_id(file_id, payload.row) if kind == "row" else file_id
        if neighbours is not None and doc_id not in neighbours:
            continue
        cfg = neighbour_cfg(neighbours[doc_id]) if neighbours is not None else None
        _fail_once(doc_id)
        if build_error is not None:
            report = empty_report(Path(path), doc_id=doc_id)
            report.add_error("pipeline", "E017", build_error, "build")
            record, timings = report.to_dict(), {}
        else:
            before = {n: t.seconds for n, t in processor.pipeline.timings.items()}
            processor.ingest_seconds = 0.0
            if kind == "row":
                report = processor.process_row(payload, Path(path), file_id, cfg)
            else:
                report = processor.process_bytes(
                    payload, path, doc_id=doc_id, path=path, component_cfg=cfg
                )
            record = report.to_dict()
            timings = {
                n: t.seconds - before.get(n, 0.0)
                for n, t in processor.pipeline.timings.items()
            }
            timings["ingest"] = processor.ingest_seconds
        line = json.dumps(record, ensure_ascii=False)
        yield doc_id, line, compact(record), timings, len(record["checks"])


def _with_neighbours(sc, inputs, first, settings: SparkSettings):
    """The records, those whose run-together digits their neighbouring years may
    settle read again with them (as ``nlp.run`` does): the (doc id, agency, year,
    unsettled) of every record and the neighbours' cells come to the driver."""
    light = first.map(
        lambda t: (
            t[0],
            t[2]["meta"].get("agency"),
            t[2]["meta"].get("year"),
            bool(t[2].get("unsettled")),
        )
    ).collect()
    pairs = neighbour_pairs(light)
    if not pairs:
        return first
    wanted = neighbours_wanted(pairs)
    offered = dict(
        first.filter(lambda t: t[0] in wanted)
        .map(lambda t: (t[0], evidence_cells(t[2])))
        .collect()
    )
    plan = sc.broadcast(neighbour_plan(pairs, offered))
    first_errors = sc.broadcast(
        dict(
            first.filter(lambda t: t[0] in plan.value)
            .map(lambda t: (t[0], len(json.loads(t[1]).get("errors") or ())))
            .collect()
        )
    )
    # A second reading that failed where the first did not is dropped: the first
    # stays (failed_again, as nlp.run).
    again = (
        inputs.mapPartitions(
            lambda items: process_partition(settings, items, plan.value)
        )
        .filter(lambda t: not failed_again(first_errors.value[t[0]], json.loads(t[1])))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    replaced = sc.broadcast(set(again.map(lambda t: t[0]).collect()))
    kept = first.filter(lambda t: t[0] not in replaced.value)
    return kept.union(again).persist(StorageLevel.MEMORY_AND_DISK)


# ----------------------------------------------------------------- stage 2


def _grouped_checks(steps, compacts: Iterable[dict[str, Any]]):
    """The cross-year checks of one agency group, as (doc_id, [check dicts])."""
    group = list(compacts)
    for step in steps:
        for doc_id, checks in step(group).items():
            yield doc_id, [c.to_dict() for c in checks]


def _number_checks(
    found: list[tuple[str, list[dict[str, Any]]]], checks_before: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """The cross-year checks by doc_id, numbered after the record's own checks
    (``xy<n>``), as nlp.run numbers them."""
    result: dict[str, list[dict[str, Any]]] = {}
    for doc_id, checks in sorted(found, key=lambda kv: kv[0]):
        result.setdefault(doc_id, []).extend(checks)
    for doc_id, checks in result.items():
        base = checks_before.get(doc_id, 0)
        for i, check in enumerate(checks):
            check["id"] = f"xy{base + i}"
    return result


def _with_cross_year(line: str, extra: list[dict[str, Any]] | None) -> str:
    if not extra:
        return line
    record = json.loads(line)
    record["checks"].extend(extra)
    return json.dumps(record, ensure_ascii=False)


def _table_rows(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    rows = TableRows()
    for line in lines:
        for name, items in rows.rows(json.loads(line)).items():
            for item in items:
                yield name, json.dumps(item, ensure_ascii=False)


def _tally(items: Iterable[tuple]) -> Iterator[dict[str, Any]]:
    tally = RunTally()
    for _doc_id, line, _compact, timings, _checks in items:
        record = json.loads(line)
        tally.add(summarize(record, timings, None, ""))
        tally.config = record.get("config") or tally.config
    yield {
        "documents": tally.documents,
        "chars": tally.chars,
        "counts": tally.counts,
        "verdicts": tally.verdicts,
        "stage_seconds": tally.stage_seconds,
        "failures": tally.failures,
        "config": tally.config,
    }


def _merge_tallies(parts: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "documents": 0,
        "chars": 0,
        "counts": Counter(),
        "verdicts": Counter(),
        "stage_seconds": Counter(),
        "failures": [],
        "config": {},
    }
    for part in parts:
        merged["documents"] += part["documents"]
        merged["chars"] += part["chars"]
        for key in ("counts", "verdicts", "stage_seconds"):
            merged[key].update(part[key])
        merged["failures"].extend(part["failures"])
        merged["config"] = part["config"] or merged["config"]
    merged["failures"].sort(key=lambda f: f["doc_id"])
    return merged


# ----------------------------------------------------------------- the run


def run_spark(
    source: str, out: str, settings: SparkSettings, spark: SparkSession | None = None
) -> dict[str, Any]:
    """Process ``source`` (a folder, a glob or crawl dumps; any Hadoop URI) into
    ``out``: ``records/`` and ``tables/<name>/`` (Parquet, by year), and, when
    ``out`` is local, ``summary.json`` and ``weaknesses.json``; the run's summary."""
    started = time.perf_counter()
    own = spark is None
    spark = spark or spark_session(settings)
    try:
        return _run(spark, source, out.rstrip("/"), settings, started)
    except NlpError:
        raise
    except Exception as e:  # Py4J and Spark errors: one message naming the cause
        raise NlpError(Errors.E905.format(detail=f"{type(e).__name__}: {e}")) from e
    finally:
        if own:
            spark.stop()


def _run(
    spark: SparkSession, source: str, out: str, settings: SparkSettings, started: float
) -> dict[str, Any]:
    sc = spark.sparkContext
    partitions = settings.partitions or max(2, sc.defaultParallelism * 4)
    # The corpus steps are built on the driver (fails early on a bad config) and
    # shipped to the executors with the closures; the pipeline itself is built per
    # partition there.
    pipeline = Pipeline.from_config(settings.config, settings.overrides)
    settings.run_limits()  # a bad run config fails here, not in every task
    startup = time.perf_counter() - started
    if is_dump_input(source):
        inputs = dump_inputs(spark, source, settings, partitions)
    else:
        inputs = file_inputs(spark, source, partitions)

    first = inputs.mapPartitions(
        lambda items: process_partition(settings, items)
    ).persist(StorageLevel.MEMORY_AND_DISK)
    stage1 = _with_neighbours(sc, inputs, first, settings)
    # One pass for the counts; the slim compact records (agency, year, weaknesses)
    # come to the driver for the agency groups and recurrence.
    tally = _merge_tallies(stage1.mapPartitions(_tally).collect())
    documents = tally["documents"]
    if documents == 0:
        raise NlpError(Errors.E904.format(path=source))
    slim = stage1.map(
        lambda t: {k: t[2][k] for k in ("doc_id", "meta", "weaknesses")}
    ).collect()

    # Stage 2: agency groups from every name (small), then each group's checks on
    # the executors; the checks found (few) come back, as nlp.run lists them all.
    groups = sc.broadcast(
        agency_groups([c["meta"]["agency"] for c in slim if c["meta"].get("agency")])
    )
    grouped_steps = [s for s in pipeline.corpus_steps if "checks" in s.spec.assigns]
    other_steps = [s for s in pipeline.corpus_steps if s not in grouped_steps]
    found = (
        stage1.map(lambda t: (groups.value.get(t[2]["meta"].get("agency")), t[2]))
        .filter(lambda kv: kv[0] is not None and kv[1]["meta"].get("year"))
        .groupByKey()
        .flatMap(lambda kv: _grouped_checks(grouped_steps, kv[1]))
        .collect()
    )
    cross_year = _number_checks(
        found, dict(stage1.map(lambda t: (t[0], t[4])).collect())
    )
    for checks in cross_year.values():
        tally["counts"]["checks"] += len(checks)
        tally["verdicts"].update(f"{c['kind']}:{c['verdict']}" for c in checks)
    extra = sc.broadcast(cross_year)
    final = stage1.map(lambda t: _with_cross_year(t[1], extra.value.get(t[0]))).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    findings = {step.spec.name: step(slim) for step in other_steps}
    del slim

    record_frame = (
        spark.read.schema(record_struct()).option("mode", "FAILFAST").json(final)
    )
    (
        record_frame.withColumn("year", F.col("meta.year"))
        .write.mode("overwrite")
        .partitionBy("year")
        .parquet(f"{out}/records")
    )
    table_counts = {}
    if settings.tables:
        rows = final.mapPartitions(_table_rows).persist(StorageLevel.MEMORY_AND_DISK)
        for name, struct in table_structs().items():
            frame = (
                spark.read.schema(struct)
                .option("mode", "FAILFAST")
                .json(rows.filter(lambda kv, name=name: kv[0] == name).values())
            )
            frame.write.mode("overwrite").partitionBy("year").parquet(
                f"{out}/tables/{name}"
            )
        rows.unpersist()
        table_counts = {"reports": documents, **tally["counts"]}
    final.unpersist()
    stage1.unpersist()
    tally["cross_year"] = [
        {"doc_id": doc_id, **check}
        for doc_id, checks in sorted(cross_year.items())
        for check in checks
    ]
    elapsed = time.perf_counter() - started
    summary = _summary(source, settings, sc, documents, tally, findings, table_counts)
    summary.update(
        seconds=round(elapsed, 3),
        startup_seconds=round(startup, 3),
        docs_per_second=round(documents / (elapsed - startup), 2)
        if elapsed > startup
        else None,
    )
    if not re.match(r"^[a-z][a-z0-9+.-]*:", out) or out.startswith("file:"):
        folder = Path(local_path(out))
        recurrence = findings.get("recurring.v1", {})
        write_json(folder / "weaknesses.json", recurrence)
        write_json(folder / "summary.json", summary)
    return summary


def _summary(source, settings, sc, documents, tally, findings, table_counts):
    recurrence = findings.get("recurring.v1", {})
    return {
        "corpus": source,
        "runner": "spark",
        "master": sc.master,
        "documents": documents,
        "processed": documents - len(tally["failures"]),
        "failed": len(tally["failures"]),
        "failures": tally["failures"],
        "characters": tally["chars"],
        "jobs": sc.defaultParallelism,
        "counts": dict(tally["counts"]),
        "check_verdicts": dict(sorted(tally["verdicts"].items())),
        "stage_seconds": {
            k: round(v, 4) for k, v in tally["stage_seconds"].most_common()
        },
        "cross_year": tally["cross_year"],
        "recurring_weaknesses": recurrence.get("summary", {}),
        "tables": {name: table_counts.get(name, 0) for name in TABLE_NAMES},
        "config": tally["config"],
    }
