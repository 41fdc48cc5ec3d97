"""``nlp.run`` on a hostile corpus (issue 16): every input accounted for, ids unique
and reversible, limits per document, decoding that must read as text, special files
skipped by rule, exit codes, ``--records``."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from nlp.cli.run import main
from nlp.errors import IngestError
from nlp.io.mutations import _bad_xml_docx, _corrupt_deflate, _deep_html, _zip_bomb
from nlp.io.readers import Limits, id_to_path
from nlp.io.readers.docx import check_zip
from nlp.pipeline.pipeline import Pipeline

REPORT = SAMPLE / "local-17-2018.txt"
DOCX = ROOT / "corpora" / "layouts" / "docx" / "004_15ed71d81f93ac9f.docx"


def _records(out: Path) -> list[dict]:
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _reasons(summary: dict) -> dict[str, str]:
    return {f["doc_id"]: f["errors"][0] for f in summary["failures"]}


def _run(corpus: Path, out: Path, *extra: str, timeout: float = 120) -> int:
    """``python -m nlp.run`` in a subprocess (a hang fails the test, not the suite)."""
    result = subprocess.run(
        [sys.executable, "-m", "nlp.run", str(corpus), "--out", str(out)]
        + ["--no-progress", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode


def test_every_input_gets_one_record_under_a_unique_reversible_id(tmp_path: Path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    data = REPORT.read_bytes()
    names = [
        b"sub/x.txt",
        b"sub__x.txt",  # the old flattened name of sub/x.txt
        "报告".encode("gbk") + b".txt",  # a name that is not UTF-8
        ("长" * 82 + ".txt").encode(),  # 250 bytes: the output name would pass 255
        b"deep/" + ("长" * 82 + ".txt").encode(),
        b"pct%2F#row=1.txt",  # looks like an escape and like a dump row
    ]
    for name in names:
        path = os.path.join(os.fsencode(corpus), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    docx = DOCX.read_bytes()
    (corpus / "deflate.docx").write_bytes(_corrupt_deflate(docx, random.Random(1)))
    (corpus / "badxml.docx").write_bytes(_bad_xml_docx(docx))
    (corpus / "link_in.txt").symlink_to(corpus / "sub" / "x.txt")
    (corpus / "loop_a.txt").symlink_to(corpus / "loop_b.txt")
    (corpus / "loop_b.txt").symlink_to(corpus / "loop_a.txt")
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 1
    records = _records(out)
    ids = [r["doc_id"] for r in records]
    assert len(ids) == len(set(ids)) == len(names) + 2
    assert len(list((out / "docs").iterdir())) == len(ids)
    # Reversible: every id leads back to its file's bytes.
    found = {os.fsencode(id_to_path(i)[0]) for i in ids}
    assert found == set(names) | {b"deflate.docx", b"badxml.docx"}
    for name in (out / "docs").iterdir():
        assert len(os.fsencode(name.name)) <= 255
    summary = _summary(out)
    reasons = _reasons(summary)
    assert reasons["deflate.docx"].startswith("ingest/docx")
    assert reasons["badxml.docx"].startswith("ingest/docx")
    assert summary["processed"] == len(names)
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert skipped == {
        "link_in.txt": "link_inside",
        "loop_a.txt": "link_loop",
        "loop_b.txt": "link_loop",
    }


def test_limits_fail_the_document_not_the_run(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    shutil.copy(REPORT, corpus / "ok.txt")
    (corpus / "big.txt").write_text(text * 400, encoding="utf-8")  # ~0.9 MB
    (corpus / "bomb.docx").write_bytes(_zip_bomb(40 * 1024 * 1024))
    (corpus / "long.txt").write_text("公开" * 60_000, encoding="utf-8")
    (corpus / "deep.html").write_text(_deep_html(text, 300), encoding="utf-8")
    out = tmp_path / "out"
    started = time.monotonic()
    code = main(
        [str(corpus), "--out", str(out), "--no-progress"]
        + ["--max-bytes", "500000", "--max-chars", "100000"]
    )
    assert code == 1
    assert time.monotonic() - started < 60
    reasons = _reasons(_summary(out))
    assert reasons["big.txt"].startswith("ingest/too_large: [E110]")
    assert reasons["bomb.docx"].startswith("ingest/zip_bomb: [E111]")
    assert reasons["long.txt"].startswith("ingest/too_long: [E112]")
    assert reasons["deep.html"].startswith("ingest/html_too_deep: [E113]")
    assert "ok.txt" not in reasons


def _slow_when_marked(monkeypatch, block_alarm: bool) -> None:
    """Documents whose text holds SLOWDOWN take 30 s (inside C code, where no
    alarm reaches, when ``block_alarm``)."""
    original = Pipeline.__call__

    def call(self, report, component_cfg=None):
        if "SLOWDOWN" in report.text:
            if block_alarm:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(30)
        return original(self, report, component_cfg)

    monkeypatch.setattr(Pipeline, "__call__", call)


@pytest.mark.parametrize("block_alarm", [False, True])
def test_a_document_past_the_time_limit_fails_with_timeout(
    tmp_path: Path, monkeypatch, block_alarm: bool
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (corpus / "b_slow.txt").write_text("SLOWDOWN\n" + text, encoding="utf-8")
    (corpus / "c.txt").write_text(text, encoding="utf-8")
    _slow_when_marked(monkeypatch, block_alarm)
    out = tmp_path / "out"
    started = time.monotonic()
    code = main([str(corpus), "--out", str(out), "--no-progress", "--timeout", "1"])
    assert code == 1
    assert time.monotonic() - started < 25
    summary = _summary(out)
    assert summary["documents"] == 3 and summary["processed"] == 2
    assert re.match(r"run/timeout: \[E114\]", _reasons(summary)["b_slow.txt"])
    # The worker is replaced only when its own alarm could not stop the document.
    assert summary["workers_replaced"] == (1 if block_alarm else 0)


def test_mis_decoded_bytes_are_not_read_as_a_report(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    flipped = bytearray(text.encode("utf-8"))
    flipped[1] ^= 0x40  # one bit: no longer UTF-8 (today read as UTF-16 Hangul)
    (corpus / "flipped.txt").write_bytes(bytes(flipped))
    # UTF-8 bytes of Korean: GB18030 decodes them into ideographs nobody wrote.
    (corpus / "korean.txt").write_bytes(
        ("정부 정보 공개 연례 보고서 " * 200).encode("utf-8")
    )
    (corpus / "pua.txt").write_text("\ue000\ue001\ue002报告" * 300, encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 1
    records = {r["doc_id"]: r for r in _records(out)}
    repaired = records["flipped.txt"]
    assert repaired["errors"] == [] and repaired["source"]["encoding"] == "utf-8"
    assert not re.search("[\uac00-\ud7af\ue000-\uf8ff]", repaired["text"])
    assert repaired["meta"]["year"] == 2018
    for name in ("korean.txt", "pua.txt"):
        (error,) = records[name]["errors"]
        assert error["reason"] == "undecodable" and error["code"] == "E115"
        assert "gb18030" in error["message"] and "utf-8" in error["message"]


def test_special_files_and_links_are_skipped_by_rule(tmp_path: Path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    corpus.mkdir()
    outside.mkdir()
    shutil.copy(REPORT, corpus / "ok.txt")
    shutil.copy(REPORT, outside / "elsewhere.txt")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / ".hidden.txt").write_bytes(REPORT.read_bytes())
    (corpus / ".git").mkdir()
    (corpus / "out.txt").symlink_to(outside / "elsewhere.txt")
    (corpus / "outdir").symlink_to(outside)
    (corpus / "broken.txt").symlink_to(corpus / "nowhere.txt")
    out = tmp_path / "out"
    assert _run(corpus, out) == 0
    summary = _summary(out)
    assert [r["doc_id"] for r in _records(out)] == ["ok.txt"]
    skipped = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert skipped == {
        "pipe.txt": "fifo",
        ".hidden.txt": "hidden",
        ".git": "hidden",
        "out.txt": "link_outside",
        "outdir": "link_outside",
        "broken.txt": "broken_link",
    }
    assert _run(corpus, out, "--follow-outside-links") == 0
    ids = [r["doc_id"] for r in _records(out)]
    assert ids == ["ok.txt", "out.txt", "outdir/elsewhere.txt"]


def test_empty_corpus_is_bad_usage_with_a_clear_message(tmp_path: Path, capsys):
    corpus = tmp_path / "empty"
    corpus.mkdir()
    (corpus / ".only-hidden").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert (
        "[E124]" in err
        and "holds no files to read" in err
        and "1 entries skipped" in err
    )
    assert not out.exists()


def test_out_that_is_not_a_run_folder_is_refused(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / "ok.txt")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me", encoding="utf-8")
    assert main([str(corpus), "--out", str(precious), "--no-progress"]) == 2
    assert "[E125]" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]


def test_records_are_slim_unless_full_is_asked_for(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / "ok.txt")
    slim, full = tmp_path / "slim", tmp_path / "full"
    assert main([str(corpus), "--out", str(slim), "--no-progress"]) == 0
    assert (
        main([str(corpus), "--out", str(full), "--no-progress", "--records", "full"])
        == 0
    )
    (a,), (b,) = _records(slim), _records(full)
    assert a["tokens"] == [] and a["sentences"] == []
    assert len(b["tokens"]) > 100 and len(b["sentences"]) > 5
    assert {
        k: v for k, v in a.items() if k not in ("tokens", "sentences", "config")
    } == {k: v for k, v in b.items() if k not in ("tokens", "sentences", "config")}
    # What slim does not write is not computed: tokenize.v1 is not run, and says so.
    assert _summary(slim)["stages_not_run"] == ["tokenize.v1"]
    assert _summary(full)["stages_not_run"] == []
    # Compact JSON unless --pretty.
    assert "\n" not in (slim / "docs" / "ok.txt.json").read_text(encoding="utf-8")
    size_slim = (slim / "docs" / "ok.txt.json").stat().st_size
    assert size_slim < (full / "docs" / "ok.txt.json").stat().st_size * 0.8


def test_a_stage_runs_unless_all_it_fills_is_discarded_and_unread():
    # Nothing discarded: everything runs.
    assert Pipeline.from_config().unneeded == frozenset()
    # tokens and sentences thrown away and read by no later step: tokenize.v1 idles.
    assert Pipeline.from_config(discard=("tokens", "sentences")).unneeded == {
        "tokenize.v1"
    }
    # Only one of its fields discarded: it still runs.
    assert Pipeline.from_config(discard=("tokens",)).unneeded == frozenset()
    # A discarded field a later stage reads (sections, by every stage after
    # segment.v1) keeps its stage running.
    assert Pipeline.from_config(discard=("sections",)).unneeded == frozenset()


def test_exit_codes(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / "ok.txt")
    out = tmp_path / "out"
    assert _run(corpus, out) == 0
    (corpus / "empty.txt").write_bytes(b"")
    assert _run(corpus, out) == 1
    assert _summary(out)["failed"] == 1
    assert _run(tmp_path / "missing", out) == 2
    assert _run(corpus, out, "--records", "huge") == 2


def test_docx_zip_guard_reads_the_real_parts(tmp_path: Path):
    # A genuine DOCX passes the guard; a part past the limit is caught.
    data = DOCX.read_bytes()
    check_zip(tmp_path / "ok.docx", data, Limits())
    sizes = [i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    with pytest.raises(IngestError) as found:
        check_zip(tmp_path / "ok.docx", data, Limits(max_part_bytes=max(sizes) - 1))
    assert found.value.reason == "zip_bomb"


def test_limits_come_from_the_run_config_and_flags_win(tmp_path: Path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus / "ok.txt")
    config = tmp_path / "run.yaml"
    config.write_text('version: "1"\nlimits:\n  max_chars: 100\n', encoding="utf-8")
    out = tmp_path / "out"
    argv = [
        str(corpus),
        "--out",
        str(out),
        "--no-progress",
        "--run-config",
        str(config),
    ]
    assert main(argv) == 1
    assert _reasons(_summary(out))["ok.txt"].startswith("ingest/too_long")
    assert _summary(out)["limits"]["max_chars"] == 100
    assert main([*argv, "--max-chars", "0"]) == 0  # 0: no limit
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: "1"\nlimits:\n  max_char: 100\n', encoding="utf-8")
    assert main([*argv[:-1], str(bad)]) == 2
    assert "unknown limit 'max_char'" in capsys.readouterr().err


def test_a_worker_that_dies_is_replaced_and_its_document_fails(
    tmp_path: Path, monkeypatch
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    for name in ("a.txt", "c.txt"):
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "b.txt").write_text("CRASH\n" + text, encoding="utf-8")
    # A dump whose second row hangs where no alarm reaches: rows 1 and 3 survive.
    rows = [["text"], [text], ["SLOWDOWN\n" + text], [text]]
    with (corpus / "d.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    original = Pipeline.__call__

    def call(self, report):
        if "CRASH" in report.text:
            os._exit(9)  # as the kernel's OOM killer would
        if "SLOWDOWN" in report.text:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(30)
        return original(self, report)

    monkeypatch.setattr(Pipeline, "__call__", call)
    out = tmp_path / "out"
    argv = [str(corpus), "--out", str(out), "--no-progress", "--timeout", "1"]
    assert main([*argv, "--jobs", "2"]) == 1
    summary = _summary(out)
    reasons = _reasons(summary)
    assert reasons["b.txt"].startswith("run/worker_died: [E116]")
    assert reasons["d.csv#row=2"].startswith("run/timeout: [E114]")
    assert set(reasons) == {"b.txt", "d.csv#row=2"}
    ids = [r["doc_id"] for r in _records(out)]
    assert ids == [
        "a.txt",
        "b.txt",
        "c.txt",
        "d.csv#row=1",
        "d.csv#row=2",
        "d.csv#row=3",
    ]
    assert summary["workers_replaced"] == 2
