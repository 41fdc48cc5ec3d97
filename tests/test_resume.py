"""Atomic runs: an interrupted run leaves the previous output intact and says so
(exit code 3); ``--resume`` finishes it, skipping the records already written for
unchanged inputs, and gives the records a fresh run gives."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE


def _command(corpus: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)] + [
        "--no-progress",
        *extra,
    ]


def _run(corpus: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        _command(corpus, out, *extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    texts = sorted(SAMPLE.glob("*.txt"))
    for copy in range(2):
        for path in texts:
            shutil.copy(path, root / f"{copy}-{path.name}")
    return root


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_keeps_the_old_output_and_resume_finishes(
    corpus: Path, tmp_path: Path, how: signal.Signals
):
    out = tmp_path / "out"
    first = sorted(corpus.iterdir())[:3]
    small = tmp_path / "small"
    small.mkdir()
    for path in first:
        shutil.copy(path, small / path.name)
    assert _run(small, out).returncode == 0
    previous = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    staging = out.parent / f".{out.name}.partial"  # written beside OUT
    process = subprocess.Popen(
        _command(corpus, out, "--jobs", "1"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = len(list((staging / "docs").glob("*.json"))) if staging.exists() else 0
        if done >= 5:
            break
        time.sleep(0.02)
    process.send_signal(how)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 3, err
    assert "[E128]" in err and "--resume" in err and "Traceback" not in err
    # The previous output is untouched; the staging folder says what happened.
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == previous
    state = json.loads((staging / "run.json").read_text(encoding="utf-8"))
    assert state["state"] == "interrupted"
    partial = json.loads((staging / "summary.json").read_text(encoding="utf-8"))
    assert partial["state"] == "interrupted" and partial["documents_done"] >= 4

    # A worker stopped in the middle of writing a record leaves its temporary file.
    (staging / "docs" / ".99999.tmp").write_text('{"doc_id": ', encoding="utf-8")

    # An input changed since: resume re-reads it; the others done are kept.
    changed = min(corpus.iterdir())
    changed.write_text(changed.read_text(encoding="utf-8") + "\n补充说明。\n", "utf-8")
    result = _run(corpus, out, "--resume", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["documents"] == len(list(corpus.iterdir()))
    # Every record done but the changed one is kept (jobs 1: inputs in order).
    assert summary["resumed"] == partial["documents_done"] - 1
    assert not staging.exists()
    records = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    assert "补充说明" in json.loads(records[0])["text"]

    fresh = tmp_path / "fresh"
    assert _run(corpus, fresh, "--jobs", "2").returncode == 0
    assert (fresh / "corpus.jsonl").read_text(encoding="utf-8").splitlines() == records
    assert sorted(p.name for p in (out / "docs").iterdir()) == sorted(
        p.name for p in (fresh / "docs").iterdir()
    )


def test_resume_without_an_interrupted_run_is_bad_usage(corpus: Path, tmp_path: Path):
    result = _run(corpus, tmp_path / "out", "--resume")
    assert result.returncode == 2 and "[E126]" in result.stderr


def test_a_finished_run_replaces_stale_records(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE / "local-17-2018.txt", corpus / "a.txt")
    shutil.copy(SAMPLE / "local-19-2018.txt", corpus / "b.txt")
    out = tmp_path / "out"
    assert _run(corpus, out).returncode == 0
    (out / "site").mkdir()  # something else kept in OUT survives a new run
    (corpus / "b.txt").unlink()
    assert _run(corpus, out).returncode == 0
    assert [p.name for p in (out / "docs").iterdir()] == ["a.txt.json"]
    assert (out / "site").is_dir()
