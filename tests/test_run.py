"""``python -m nlp.run``: outputs, bad files recorded without stopping the run, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT, SAMPLE

from nlp.run import main
from nlp.schema import record_schema

MINI = ["local-17-2018.txt", "hongze-district-2023.pdf", "pingtan-zone-2021.txt"]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    for name in MINI[:2]:
        shutil.copy(SAMPLE / name, root / name)
    shutil.copy(SAMPLE / MINI[2], root / "sub" / MINI[2])
    return root


def test_run_writes_every_output(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 0
    docs = sorted(p.name for p in (out / "docs").iterdir())
    assert docs == [
        "hongze-district-2023.pdf.json",
        "local-17-2018.txt.json",
        "sub__pingtan-zone-2021.txt.json",
    ]
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == 3 and summary["failed"] == 0
    validator = jsonschema.Draft202012Validator(record_schema())
    for line in lines:
        record = json.loads(line)
        assert not list(validator.iter_errors(record)), record["doc_id"]
        for span in record["sections"] + record["metrics"] + record["weaknesses"]:
            assert 0 <= span["start"] <= span["end"] <= len(record["text"])


def test_bad_files_are_recorded_and_the_run_goes_on(
    corpus: Path, tmp_path: Path, capsys
):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "truncated.pdf").write_bytes(
        (SAMPLE / "huaian-city-2024.pdf").read_bytes()[:5000]
    )
    (corpus / "notes.xyz").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["documents"] == 7
        and summary["processed"] == 3
        and summary["failed"] == 4
    )
    reasons = {f["doc_id"]: f["errors"][0] for f in summary["failures"]}
    assert reasons["empty.txt"].startswith("ingest/empty")
    assert reasons["garbage.txt"].startswith("ingest/binary")
    assert reasons["truncated.pdf"].startswith("ingest/pdf")
    assert reasons["notes.xyz"].startswith("ingest/unknown_format")
    record = json.loads(
        (out / "docs" / "truncated.pdf.json").read_text(encoding="utf-8")
    )
    assert (
        record["errors"][0]["code"] == "pdf"
        and "truncated.pdf" in record["errors"][0]["message"]
    )
    printed = capsys.readouterr().out
    assert "Failed: 4" in printed and "truncated.pdf" in printed


def test_parallel_run_gives_the_same_records(corpus: Path, tmp_path: Path):
    main([str(corpus), "--out", str(tmp_path / "a"), "--no-progress"])
    main([str(corpus), "--out", str(tmp_path / "b"), "--no-progress", "--jobs", "2"])
    a = (tmp_path / "a" / "corpus.jsonl").read_text(encoding="utf-8")
    b = (tmp_path / "b" / "corpus.jsonl").read_text(encoding="utf-8")
    assert a == b


def test_bad_usage_exits_2(tmp_path: Path):
    assert main([str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    result = subprocess.run(
        [sys.executable, "-m", "nlp.run", "--jobs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
