"""``nlp.spark`` on ``local[2]``: the records of ``nlp.run`` (apart from timings), a
lost worker retried without losing a record, crawl-dump rows as input.

Marked ``spark``: they need the spark extra and Java 17, and .ci/run runs them in
their own step (``NLP_REQUIRE_SPARK=1`` makes a missing PySpark or Java fail them
instead of skipping).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

pytestmark = pytest.mark.spark

if os.environ.get("NLP_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java for Spark", allow_module_level=True)

import pyarrow.dataset as ds

from nlp.errors import NlpError
from nlp.spark.job import FAIL_ONCE_ENV, SparkSettings, run_spark, spark_session


@pytest.fixture(scope="module")
def spark():
    session = spark_session(SparkSettings(master="local[2]", max_failures=4))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def nlp_run(corpus: Path, out: Path) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)]
        + ["--no-progress", "--jobs", "2", "--records", "full"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def spark_records(out: Path) -> list[dict]:
    table = ds.dataset(out / "records", format="parquet", partitioning="hive")
    return table.to_table().drop_columns(["year"]).to_pylist()


def by_id(records: list[dict]) -> dict[str, dict]:
    return {r["doc_id"]: r for r in records}


def test_the_sample_gives_the_records_of_nlp_run(spark, tmp_path: Path):
    expected = by_id(nlp_run(SAMPLE, tmp_path / "run"))
    summary = run_spark(
        str(SAMPLE), str(tmp_path / "spark"), SparkSettings(partitions=4), spark
    )
    found = by_id(spark_records(tmp_path / "spark"))
    assert sorted(found) == sorted(expected)
    for doc_id, record in expected.items():
        assert found[doc_id] == record, doc_id  # 7 == 7.0: numbers are float64
    run_summary = json.loads((tmp_path / "run" / "summary.json").read_text("utf-8"))
    assert summary["counts"] == run_summary["counts"]
    assert summary["check_verdicts"] == run_summary["check_verdicts"]
    written = json.loads((tmp_path / "spark" / "summary.json").read_text("utf-8"))
    assert written["documents"] == 43 and written["failed"] == 0
    # The tidy tables: the same rows as nlp.run's, partitioned by year.
    for name, count in summary["tables"].items():
        table = ds.dataset(
            tmp_path / "spark" / "tables" / name, format="parquet", partitioning="hive"
        ).to_table()
        assert table.num_rows == count
        local = ds.dataset(tmp_path / "run" / "tables" / f"{name}.parquet").to_table()
        assert local.num_rows == count, name
    checks = ds.dataset(
        tmp_path / "spark" / "tables" / "checks", format="parquet", partitioning="hive"
    ).to_table()
    assert checks.column("kind").to_pylist().count("cross_year") == len(
        run_summary["cross_year"]
    )
    recurrence = json.loads((tmp_path / "spark" / "weaknesses.json").read_text("utf-8"))
    assert recurrence == json.loads(
        (tmp_path / "run" / "weaknesses.json").read_text("utf-8")
    )


def _failed_tasks(spark, group: str) -> int:
    tracker = spark.sparkContext.statusTracker()
    total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        for stage in info.stageIds if info else ():
            stage_info = tracker.getStageInfo(stage)
            total += stage_info.numFailedTasks if stage_info else 0
    return total


def test_a_worker_lost_mid_run_is_retried_and_every_record_kept(spark, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in SAMPLE.iterdir())[:6]
    for name in names:
        shutil.copy(SAMPLE / name, corpus)
    sc = spark.sparkContext
    sc.environment[FAIL_ONCE_ENV] = names[2]  # that worker exits on its first try
    sc.setJobGroup("kill", "a worker killed mid-run")
    try:
        summary = run_spark(
            str(corpus), str(tmp_path / "out"), SparkSettings(partitions=3), spark
        )
    finally:
        del sc.environment[FAIL_ONCE_ENV]
        sc.setJobGroup("other", "")
    assert _failed_tasks(spark, "kill") >= 1  # the worker did die
    assert summary["documents"] == 6 and summary["failed"] == 0
    assert sorted(r["doc_id"] for r in spark_records(tmp_path / "out")) == names


def test_crawl_dump_rows_give_the_records_of_nlp_run(spark, tmp_path: Path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    sources = ["local-01-2009.txt", "pingtan-zone-2013.txt"]
    rows = [
        {
            "title": f"report {i}",
            "url": f"http://example.gov.cn/{i}.html",
            "date": "2014-01-20",
            "content": (SAMPLE / name).read_text(encoding="utf-8"),
        }
        for i, name in enumerate(sources)
    ]
    rows.append({"title": "empty", "url": "", "date": "", "content": ""})
    with (dumps / "crawl.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (dumps / "crawl.jsonl").open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows[:2])
    expected = by_id(nlp_run(dumps, tmp_path / "run"))
    summary = run_spark(
        str(dumps / "crawl.csv"), str(tmp_path / "spark"), SparkSettings(), spark
    )
    found = by_id(spark_records(tmp_path / "spark"))
    assert sorted(found) == [f"crawl.csv#row={i}" for i in (1, 2, 3)]
    for doc_id, record in found.items():
        assert record == expected[doc_id], doc_id
    assert summary["failed"] == 1  # the empty row: one failed record
    assert found["crawl.csv#row=2"]["source"]["url"] == "http://example.gov.cn/1.html"
    # A glob of JSON-lines dumps, read with Spark's JSON reader.
    run_spark(str(dumps / "*.jsonl"), str(tmp_path / "jsonl"), SparkSettings(), spark)
    found = by_id(spark_records(tmp_path / "jsonl"))
    assert sorted(found) == ["crawl.jsonl#row=1", "crawl.jsonl#row=2"]
    for doc_id, record in found.items():
        assert record == expected[doc_id], doc_id


def test_an_input_that_matches_nothing_is_a_clear_error(spark, tmp_path: Path):
    with pytest.raises(NlpError, match="E904"):
        run_spark(
            str(tmp_path / "nowhere"), str(tmp_path / "out"), SparkSettings(), spark
        )


def test_the_command_runs(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE / "local-01-2009.txt", corpus)
    done = subprocess.run(
        [sys.executable, "-m", "nlp.spark", str(corpus), str(tmp_path / "out")]
        + ["--no-tables"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Processed: 1   Failed: 0" in done.stdout
    assert (tmp_path / "out" / "records").is_dir()
    assert not (tmp_path / "out" / "tables").exists()
