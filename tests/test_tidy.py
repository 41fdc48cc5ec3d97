"""The tidy Parquet tables of a run (nlp.io.tables): one row per item with its
document's keys, the cross-year checks included, the same whether the workers wrote
them or they are rebuilt from corpus.jsonl, and the analyst examples of
docs/analysts.md run as written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SAMPLE

from nlp.io.tables import (
    PARTS,
    TABLE_NAMES,
    TableSink,
    finish_tables,
    table_schemas,
    write_tables,
)

KEYS = ["doc_id", "agency", "province", "year", "template"]


def run(corpus: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)]
        + ["--no-progress", "--jobs", "2", *extra],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tidy") / "out"
    done = run(SAMPLE, out)
    assert done.returncode == 0, done.stderr
    return out


def _records(out: Path) -> list[dict]:
    return [
        json.loads(line)
        for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def _sorted_rows(table: pa.Table) -> list[dict]:
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def test_a_run_writes_every_table_with_its_schema(sample_out: Path):
    schemas = table_schemas()
    for name in TABLE_NAMES:
        table = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        assert table.schema.equals(schemas[name]), name
        assert table.schema.names[:5] == KEYS
        assert table.schema.field("year").type == pa.int64()
    cells = pq.read_table(sample_out / "tables" / "cells.parquet")
    assert cells.schema.field("value").type == pa.float64()
    assert not (sample_out / "tables" / ".parts").exists()


def test_rows_match_the_records_and_the_summary(sample_out: Path):
    records = _records(sample_out)
    summary = json.loads((sample_out / "summary.json").read_text(encoding="utf-8"))
    rows = {
        n: pq.read_table(sample_out / "tables" / f"{n}.parquet") for n in TABLE_NAMES
    }
    in_records = sum(len(r["checks"]) for r in records)
    # The cross-year checks are added to the records at the end of the run: the
    # summary, corpus.jsonl and checks.parquet all count them.
    assert summary["counts"]["checks"] == in_records == rows["checks"].num_rows
    cross_year = [c for r in records for c in r["checks"] if c["kind"] == "cross_year"]
    assert cross_year, "the sample has consecutive years of one agency"
    kinds = rows["checks"].column("kind").to_pylist()
    assert kinds.count("cross_year") == len(cross_year) == len(summary["cross_year"])
    for name in ("sections", "metrics", "weaknesses"):
        assert (
            rows[name].num_rows
            == summary["counts"][name]
            == sum(len(r[name]) for r in records)
        )
    assert rows["cells"].num_rows == summary["counts"]["cells"]
    assert rows["reports"].num_rows == summary["documents"] == len(records)
    # Every row carries its document's keys.
    meta = {r["doc_id"]: r["meta"] for r in records}
    for row in rows["checks"].select(["doc_id", "agency", "year"]).to_pylist():
        assert (row["agency"], row["year"]) == (
            meta[row["doc_id"]]["agency"],
            meta[row["doc_id"]]["year"],
        )
    provinces = set(rows["reports"].column("province").to_pylist())
    assert "福建" in provinces  # 平潭 (the gazetteer of configs/search/regions.yaml)


def test_tables_rebuilt_from_corpus_jsonl_equal_the_workers_tables(
    sample_out: Path, tmp_path: Path
):
    copy = tmp_path / "out"
    shutil.copytree(sample_out, copy)
    shutil.rmtree(copy / "tables")
    done = subprocess.run(
        [sys.executable, "-m", "nlp.tables", str(copy)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for name in TABLE_NAMES:
        made = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        rebuilt = pq.read_table(copy / "tables" / f"{name}.parquet")
        assert _sorted_rows(made) == _sorted_rows(rebuilt), name
        # Row for row: the two workers' parts are merged into input order (the
        # order of corpus.jsonl), a document's cross-year checks after its own.
        assert made.equals(rebuilt), name


def test_small_batches_stream_the_same_rows(sample_out: Path, tmp_path: Path):
    counts = write_tables(tmp_path, _records(sample_out), batch_rows=50)
    assert counts["cells"] > 50
    small = pq.ParquetFile(tmp_path / "tables" / "cells.parquet")
    assert small.metadata.num_row_groups > 1  # written batch by batch
    for name in TABLE_NAMES:
        made = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        again = pq.read_table(tmp_path / "tables" / f"{name}.parquet")
        assert _sorted_rows(made) == _sorted_rows(again), name


def test_a_failed_document_is_a_row_of_reports(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE / "local-01-2009.txt", corpus)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    done = run(corpus, tmp_path / "out")
    assert done.returncode == 1, done.stderr
    reports = pq.read_table(tmp_path / "out" / "tables" / "reports.parquet")
    failed = {r["doc_id"]: r for r in reports.to_pylist() if r["failed"]}
    assert list(failed) == ["broken.pdf"]
    assert failed["broken.pdf"]["errors"][0].startswith("ingest/")


def test_no_tables_writes_none(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE / "local-01-2009.txt", corpus)
    done = run(corpus, tmp_path / "out", "--no-tables")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "out" / "tables").exists()


def test_a_sink_with_no_records_writes_empty_tables(tmp_path: Path):
    with TableSink(tmp_path / "t") as sink:
        pass
    assert sink.counts == dict.fromkeys(TABLE_NAMES, 0)
    assert pq.read_table(tmp_path / "t" / "checks.parquet").num_rows == 0


def _examples() -> list[str]:
    text = (ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_analyst_examples_run_as_written(sample_out: Path, tmp_path: Path):
    """docs/analysts.md's examples read ``out/tables/``: run them there."""
    (tmp_path / "out").symlink_to(sample_out)
    examples = _examples()
    assert len(examples) >= 2
    outputs = []
    for code in examples:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            check=False,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{code}\n{done.stderr[-2000:]}"
        assert done.stdout.strip(), code
        outputs.append(done.stdout)
    duckdb_out, pandas_out = outputs[:2]
    assert "平潭" in duckdb_out  # the agency with the most failed checks
    assert "2013" in pandas_out


def test_parts_that_do_not_cover_the_run_are_rebuilt_from_the_records(
    sample_out: Path, tmp_path: Path
):
    copy = tmp_path / "out"
    shutil.copytree(sample_out, copy)
    broken = copy / "tables" / PARTS / "0-1"
    broken.mkdir(parents=True)
    for name in TABLE_NAMES:  # a worker killed before it closed its files
        (broken / f"{name}.parquet").write_bytes(b"PAR1 cut short")
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    counts = finish_tables(copy, summary)
    assert counts["checks"] == summary["counts"]["checks"]
    assert not (copy / "tables" / PARTS).exists()
    for name in TABLE_NAMES:
        made = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        again = pq.read_table(copy / "tables" / f"{name}.parquet")
        assert _sorted_rows(made) == _sorted_rows(again), name


def test_a_part_out_of_input_order_makes_the_tables_be_rebuilt(
    sample_out: Path, tmp_path: Path
):
    # A document a lost worker left is retried by another after later ones: that
    # part is not in input order, so the tables come from corpus.jsonl instead.
    copy = tmp_path / "out"
    shutil.copytree(sample_out, copy)
    records = _records(copy)
    parts = copy / "tables" / PARTS
    for n, chunk in enumerate(
        (records[: len(records) // 2], records[len(records) // 2 :])
    ):
        with TableSink(parts / f"{n}-1") as sink:
            for record in reversed(chunk) if n == 0 else chunk:
                sink.add(record)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    finish_tables(copy, summary)
    assert not parts.exists()
    for name in TABLE_NAMES:
        made = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        again = pq.read_table(copy / "tables" / f"{name}.parquet")
        assert made.equals(again), name


def test_parts_read_in_slices_smaller_than_a_document_merge_the_same(
    sample_out: Path, tmp_path: Path, monkeypatch
):
    # The merge reads each part a few rows at a time (MERGE_ROWS): a document's
    # rows cut across two slices, and rows of two parts interleaved, still give the
    # tables row for row, cross-year checks included.
    from nlp.io import tables

    copy = tmp_path / "out"
    shutil.copytree(sample_out, copy)
    records = _records(copy)
    for record in records:  # as the workers wrote them: cross-year checks come last
        record["checks"] = [
            c for c in record.get("checks") or [] if c["kind"] != "cross_year"
        ]
    parts = copy / "tables" / PARTS
    for n in (0, 1):  # two workers taking inputs in turn, as from one queue
        with TableSink(parts / f"{n}-1", statistics=False) as sink:
            for record in records[n::2]:
                sink.add(record)
    monkeypatch.setattr(tables, "MERGE_ROWS", 3)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    assert summary["cross_year"]
    finish_tables(copy, summary)
    assert not parts.exists()  # merged, not rebuilt from corpus.jsonl
    for name in TABLE_NAMES:
        made = pq.read_table(sample_out / "tables" / f"{name}.parquet")
        again = pq.read_table(copy / "tables" / f"{name}.parquet")
        assert made.equals(again), name


def test_the_tables_are_written_without_importing_pandas(tmp_path: Path):
    # pyarrow imports pandas on its first conversion of Python rows (0.4 s and some
    # 50 MiB in every worker); the sink keeps it out, and pandas works after.
    code = (
        "import sys\n"
        "from nlp.io.tables import TableSink\n"
        "with TableSink(sys.argv[1]) as sink:\n"
        "    sink.add({'doc_id': 'a', 'meta': {'agency': 'x', 'year': 2020},\n"
        "              'tables': [], 'sections': [], 'checks': []})\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
        "import pyarrow.parquet as pq\n"
        "frame = pq.read_table(sys.argv[1] + '/reports.parquet').to_pandas()\n"
        "assert list(frame['doc_id']) == ['a'], frame\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "t")],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
