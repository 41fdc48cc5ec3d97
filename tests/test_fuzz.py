"""The fuzz suite: a seeded hostile corpus (``nlp.io.mutations``) of a few hundred
inputs made from the sample reports, through ``python -m nlp.run --jobs 2``.

The run must end (no hang), print no traceback, account for every input (one record
each, one per dump row, or a skip with the expected reason), give every error a
catalogue code, and never pass mis-decoded text off as a report: a record read
without error from a mutated text report holds that report's words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import opencc
import pytest
from conftest import ROOT, SAMPLE

from nlp.errors import Errors
from nlp.io.mutations import build_mutation_corpus
from nlp.io.readers import doc_id_for, row_doc_id

LAYOUTS = ROOT / "corpora" / "layouts"
TO_SIMPLIFIED = opencc.OpenCC("t2s")
CODES = {name for name in vars(Errors) if re.fullmatch(r"E\d{3}", name)}
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def _bigrams(text: str) -> set[str]:
    joined = "".join(_CJK.findall(text))
    return {joined[i : i + 2] for i in range(len(joined) - 1)}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> tuple[list, Path, Path, subprocess.CompletedProcess]:
    base = tmp_path_factory.mktemp("fuzz")
    sources = sorted(SAMPLE.iterdir())
    for folder in ("docx", "html"):
        sources += sorted((LAYOUTS / folder).iterdir())[:5]
    corpus = base / "corpus"
    entries = build_mutation_corpus(
        corpus, sources, seed=16, count=300, outside=base / "outside"
    )
    out = base / "out"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)]
        + ["--jobs", "2", "--no-progress", "--max-bytes", "2000000", "--timeout", "30"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result.seconds = time.monotonic() - started
    return entries, corpus, out, result


def test_the_run_ends_cleanly(fuzzed):
    entries, _, out, result = fuzzed
    assert len(entries) >= 300
    assert result.returncode == 1, result.stderr  # some documents fail, none crash
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert (out / "summary.json").is_file() and (out / "corpus.jsonl").is_file()
    assert result.seconds < 120


def test_every_input_is_accounted_for(fuzzed):
    entries, corpus, out, _ = fuzzed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    records = [
        json.loads(line)
        for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ids = [r["doc_id"] for r in records]
    assert len(ids) == len(set(ids)) == summary["documents"]
    assert len(list((out / "docs").iterdir())) == len(ids)
    expected_ids: list[str] = []
    expected_skips: dict[str, str] = {}
    for entry in entries:
        doc_id = doc_id_for(Path(entry.path), corpus)
        if entry.expect == "input":
            expected_ids.append(doc_id)
        elif entry.expect.startswith("rows:"):
            rows = int(entry.expect.split(":")[1])
            expected_ids += [row_doc_id(doc_id, n) for n in range(1, rows + 1)]
        else:
            expected_skips[
                os.fsencode(entry.path).decode("utf-8", "backslashreplace")
            ] = entry.expect
    assert sorted(ids) == sorted(expected_ids)
    skipped = {s["path"]: s["reason"] for s in summary["skipped"]}
    assert skipped == expected_skips
    assert summary["processed"] + summary["failed"] == summary["documents"]


def test_every_error_has_a_catalogue_code(fuzzed):
    _, _, out, _ = fuzzed
    reasons = set()
    for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        for error in json.loads(line)["errors"]:
            assert error["code"] in CODES, error
            assert error["message"].startswith(f"[{error['code']}]"), error
            reasons.add(error["reason"])
    # The mutations reach the guards they are made for.
    assert {"zip_bomb", "too_large", "html_too_deep", "undecodable", "docx"} <= reasons


def test_no_mis_decoded_text_passes_as_a_report(fuzzed):
    entries, _, out, _ = fuzzed
    by_path = {e.path: e for e in entries}
    checked = 0
    for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        entry = by_path.get(record["source"]["path"])
        if record["errors"] or entry is None or not entry.source.endswith(".txt"):
            continue
        if entry.kind not in ("bitflip", "truncate", "reencode", "odd_name"):
            continue
        found = _bigrams(record["text"])
        if len(found) < 50:
            continue
        raw = Path(entry.source).read_text(encoding="utf-8")
        # Cleaning writes traditional characters in simplified ones.
        original = _bigrams(raw) | _bigrams(TO_SIMPLIFIED.convert(raw))
        if entry.kind == "reencode" and ".big5" in entry.path:
            continue  # traditional and back: not every character returns the same
        share = len(found & original) / len(found)
        assert share > 0.8, (record["doc_id"], record["source"]["encoding"], share)
        checked += 1
    assert checked >= 40
