"""``python -m nlp.bench``: the corpus it replicates, the memory it samples, the JSON
it writes. Its figures are measurements, not tested against thresholds here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SAMPLE

from nlp.cli.bench import TreeMemory, format_table, main, replicate
from nlp.pipeline.corpus import iter_corpus


def test_replicate_makes_distinct_files_outside_the_corpus(tmp_path):
    files = iter_corpus(SAMPLE)[:3]
    out = replicate(files, SAMPLE, 7, tmp_path / "corpus")
    assert len(out) == len(set(out)) == 7
    assert iter_corpus(tmp_path / "corpus") == sorted(out)
    assert [p.read_bytes() for p in out[3:6]] == [p.read_bytes() for p in files]
    assert all(tmp_path in p.parents for p in out)


def test_tree_memory_counts_the_children():
    code = (
        "import subprocess, sys, time;"
        "c = subprocess.Popen([sys.executable, '-c', "
        "'x = bytearray(80 << 20); import time; time.sleep(1.5)']);"
        "time.sleep(1.5); c.wait()"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    memory = TreeMemory(proc.pid, interval=0.05)
    memory.start()
    proc.wait()
    found = memory.stop()
    assert found["peak_pss_mib"] >= 80
    assert found["processes_at_peak"] == 2
    # The root's own peak: the 80 MiB were its child's.
    assert 0 < found["parent_peak_rss_mib"] < 80


@pytest.mark.slow
def test_bench_writes_its_figures(tmp_path, capsys):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for path in iter_corpus(SAMPLE)[:3]:
        (corpus / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "bench.json"
    assert main([str(corpus), "--reports", "8", "--jobs", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text("utf-8"))
    (run,) = result["runs"]
    assert run["reports"] == 8 and run["failed"] == 0
    assert run["command"]["status"] == 0
    assert run["startup"]["seconds"] > run["startup"]["build_seconds"] > 0
    assert set(run["stages"]) >= {"tokenize.v1", "ingest"}
    assert run["segmenter_alone"]["reports"] == 8
    # The parent's growth: nlp.run on a quarter of the corpus and on all of it.
    growth = result["parent_memory"]
    assert growth["reports"] == [2, 8] and growth["status"] == [0, 0]
    assert all(peak > 0 for peak in growth["parent_peak_rss_mib"])
    assert isinstance(growth["growth_bytes_per_report"], int)
    assert run["memory"]["peak_pss_mib"] > 0
    assert "pipeline_vs_segmenter" in result
    printed = capsys.readouterr().out
    assert "Segmenter alone" in printed and "bytes a report" in printed
    assert format_table(result).splitlines()[0].startswith("Corpus")
