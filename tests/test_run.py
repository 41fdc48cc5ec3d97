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

from nlp.cli.run import main
from nlp.io.schema import record_schema

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
        "sub%2Fpingtan-zone-2021.txt.json",
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
        record["errors"][0]["code"] == "E104"
        and record["errors"][0]["reason"] == "pdf"
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


def _as_html(text: str) -> str:
    parts, rows = [], []

    def flush() -> None:
        if rows:
            cells = (
                "<tr>"
                + "".join(f"<td>{c.strip()}</td>" for c in r.split("|") if c.strip())
                + "</tr>"
                for r in rows
            )
            parts.append("<table>" + "".join(cells) + "</table>")
            rows.clear()

    for line in text.splitlines():
        if "|" in line and line.strip() != "|":
            rows.append(line)
        else:
            flush()
            parts.append(f"<p>{line}</p>")
    flush()
    return (
        '<html><head><meta charset="utf-8"></head><body><div class="nav">首页 | 政务公开</div>'
        f'<div class="article">{"".join(parts)}</div><div class="footer">版权所有</div></body></html>'
    )


def _as_docx(text: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|") if c.strip()]
        if "|" in line and cells:
            table = document.add_table(rows=1, cols=len(cells))
            for j, value in enumerate(cells):
                table.cell(0, j).text = value
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_every_format_of_a_report_gives_the_same_findings(tmp_path: Path):
    # 004 has a pre-2019 pipe table, prose figures and two prose/table contradictions.
    name = "004_15ed71d81f93ac9f"
    text = (SAMPLE / f"{name}.txt").read_text(encoding="utf-8")
    corpus = tmp_path / "formats"
    corpus.mkdir()
    (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    (corpus / f"{name}.gbk.txt").write_bytes(text.encode("gb18030"))
    (corpus / f"{name}.html").write_text(_as_html(text), encoding="utf-8")
    (corpus / f"{name}.docx").write_bytes(_as_docx(text))
    (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 0

    def findings(record):
        cells = sorted(
            (c["indicator"], c["value"])
            for t in record["tables"]
            for c in t["cells"]
            if c["indicator"]
        )
        metrics = [(m["value"], m["unit"], m["indicator"]) for m in record["metrics"]]
        fails = sorted(
            c["indicator"] for c in record["checks"] if c["verdict"] == "fail"
        )
        weaknesses = [w["category"] for w in record["weaknesses"]]
        return record["meta"]["agency"], cells, metrics, fails, weaknesses

    records = [
        json.loads(line)
        for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {r["source"]["format"] for r in records} == {"txt", "html", "docx", "md"}
    expected = findings(next(r for r in records if r["doc_id"] == f"{name}.txt"))
    # The two prose/table contradictions, and P8 (1050 > its channels 0+1000+0+0+0).
    assert expected[3] == [
        "pre.org.staff_full",
        "pre.proactive.total",
        "pre.response.interviews",
    ]
    for record in records:
        assert findings(record) == expected, record["doc_id"]


def _pingtan_pair(tmp_path: Path) -> Path:
    """A corpus of pingtan-zone-2021 (run-together digits) and its next year."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("pingtan-zone-2021.txt", "pingtan-zone-2022.txt"):
        shutil.copy(SAMPLE / name, root / name)
    return root


def test_of_two_reports_of_one_agency_and_year_the_first_in_input_order_is_read_again(
    tmp_path: Path,
):
    # Workers finish in any order: the spool has b.txt before a.txt. Both are one
    # agency's 2021 report with digits unread; the one read again with 2022 must
    # be the same whatever the timing, the first input, as the cross-year checks
    # take it.
    from nlp.io.inputs import plan_corpus
    from nlp.pipeline.corpus import _neighbour_pairs

    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (root / name).write_text("x", encoding="utf-8")
    plan = plan_corpus(root)
    meta = {"agency": "平潭综合实验区管委会", "year": 2021}
    spooled = [
        {"key": [1, 0], "doc_id": "b.txt", "compact": {"meta": meta, "unsettled": 1}},
        {"key": [0, 0], "doc_id": "a.txt", "compact": {"meta": meta, "unsettled": 1}},
        {"key": [2, 0], "doc_id": "c.txt", "compact": {"meta": {**meta, "year": 2022}}},
    ]
    spool = tmp_path / "spool.jsonl"
    spool.write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in spooled), "utf-8"
    )
    pairs, where = _neighbour_pairs(spool, plan)
    assert pairs == {"a.txt": {"next": "c.txt"}}
    assert where["a.txt"][:2] == (0, 0)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_report_is_read_again_with_its_neighbouring_year(tmp_path: Path, jobs):
    # pingtan-zone-2021's 行政规范性文件 row ran together (693665); the 2022 report's
    # printed 现行有效 698, 制发 88, 废止 55 settle its 现行有效 as 665 (R6).
    root = _pingtan_pair(tmp_path)
    out = tmp_path / "out"
    assert main([str(root), "--out", str(out), "--no-progress", "--jobs", jobs]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["neighbour_rereads"] == 1
    assert (summary["documents"], summary["processed"]) == (2, 2)
    records = [
        json.loads(line)
        for line in (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert summary["counts"]["checks"] == sum(len(r["checks"]) for r in records)
    first, second = records
    cells = {
        c["indicator"]: c for t in first["tables"] for c in t["cells"] if c["indicator"]
    }
    assert (
        cells["t2.normative.valid"]["value"],
        cells["t2.normative.valid"]["status"],
    ) == (665, "inferred")
    assert any(
        "R6, next year, pingtan-zone-2022.txt" in n
        for t in first["tables"]
        for n in t["notes"]
    )
    saved = json.loads((out / "docs" / "pingtan-zone-2021.txt.json").read_text("utf-8"))
    assert saved["tables"] == first["tables"]
    # R6 of 2022 against the 2021 figure it settled is no evidence: uncertain.
    (r6,) = [
        c
        for c in second["checks"]
        if c["rule"] == "R6" and c["indicator"] == "t2.normative.valid"
    ]
    assert r6["verdict"] == "uncertain"
    # The tidy cells hold the settled figure too.
    import pyarrow.parquet as pq

    table = pq.read_table(out / "tables" / "cells.parquet").to_pylist()
    (row,) = [
        r
        for r in table
        if r["doc_id"] == "pingtan-zone-2021.txt"
        and r["indicator"] == "t2.normative.valid"
    ]
    assert (row["value"], row["status"]) == (665, "inferred")
    # Merged from the parts, the read-again rows in place of the first ones: the same
    # tables as built from corpus.jsonl.
    from nlp.io.tables import TABLE_NAMES, write_tables

    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    shutil.copy(out / "corpus.jsonl", rebuilt / "corpus.jsonl")
    write_tables(rebuilt)
    for name in TABLE_NAMES:
        assert (
            pq.read_table(out / "tables" / f"{name}.parquet").to_pylist()
            == pq.read_table(rebuilt / "tables" / f"{name}.parquet").to_pylist()
        ), name


def test_a_report_that_fails_when_read_again_keeps_its_first_reading(
    tmp_path: Path, monkeypatch, caplog
):
    # The second reading fails (here a stage error is added to it, as a timeout
    # would): the first reading, which succeeded, is what the run keeps.
    from nlp.pipeline.processor import Processor

    real = Processor.again

    def failing(self, item, row, component_cfg):
        outcome = real(self, item, row, component_cfg)
        outcome.record["errors"] = [
            {
                "stage": "run",
                "code": "E114",
                "reason": "timeout",
                "message": "over the time limit",
            }
        ]
        return outcome

    monkeypatch.setattr(Processor, "again", failing)
    root = _pingtan_pair(tmp_path)
    out = tmp_path / "out"
    assert main([str(root), "--out", str(out), "--no-progress"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["neighbour_rereads"] == 0
    assert (summary["processed"], summary["failed"]) == (2, 0)
    first = json.loads((out / "docs" / "pingtan-zone-2021.txt.json").read_text("utf-8"))
    assert first["errors"] == []
    assert "[E130]" in caplog.text and "first reading is kept" in caplog.text


def test_settling_in_memory_keeps_a_first_reading_the_second_one_fails():
    # The evaluations' in-memory form of the same policy (settle_with_neighbours).
    from nlp.pipeline.neighbours import settle_with_neighbours
    from nlp.pipeline.processor import Processor

    processor = Processor(None, SAMPLE)
    names = ("pingtan-zone-2021.txt", "pingtan-zone-2022.txt")
    records = {name: processor.process(SAMPLE / name).to_dict() for name in names}
    first = json.dumps(records, sort_keys=True)

    def failing(key, cfg):
        record = processor.process(SAMPLE / key, component_cfg=cfg).to_dict()
        record["errors"] = [{"stage": "run", "code": "E114", "message": "timeout"}]
        return record

    assert settle_with_neighbours(records, failing) == []
    assert json.dumps(records, sort_keys=True) == first
    # Read again without failing, the report is replaced.
    assert settle_with_neighbours(
        records,
        lambda key, cfg: processor.process(SAMPLE / key, component_cfg=cfg).to_dict(),
    ) == ["pingtan-zone-2021.txt"]


def test_a_worker_lost_on_a_second_reading_leaves_the_first(
    tmp_path: Path, monkeypatch, caplog
):
    # The worker dies while reading a report again: the first reading stays, nothing
    # is retried, and the tidy tables hold the first rows.
    import os

    from nlp.pipeline.processor import Processor

    def dying(self, item, row, component_cfg):
        os._exit(3)

    monkeypatch.setattr(Processor, "again", dying)
    root = _pingtan_pair(tmp_path)
    out = tmp_path / "out"
    assert main([str(root), "--out", str(out), "--no-progress", "--jobs", "2"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["neighbour_rereads"], summary["processed"]) == (0, 2)
    first = json.loads((out / "docs" / "pingtan-zone-2021.txt.json").read_text("utf-8"))
    assert first["errors"] == []
    assert "[E130]" in caplog.text and "exit code 3" in caplog.text
    import pyarrow.parquet as pq

    from nlp.io.tables import write_tables

    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    shutil.copy(out / "corpus.jsonl", rebuilt / "corpus.jsonl")
    write_tables(rebuilt)
    for name in ("reports", "cells"):
        assert (
            pq.read_table(out / "tables" / f"{name}.parquet").to_pylist()
            == pq.read_table(rebuilt / "tables" / f"{name}.parquet").to_pylist()
        )


def test_a_crawl_dump_row_is_read_again_with_its_neighbouring_year(tmp_path: Path):
    # The same two reports as rows of one crawl dump: the row is read again alone.
    import csv

    root = tmp_path / "corpus"
    root.mkdir()
    with (root / "crawl.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["title", "text"])
        writer.writeheader()
        for name in ("pingtan-zone-2021.txt", "pingtan-zone-2022.txt"):
            writer.writerow(
                {"title": name, "text": (SAMPLE / name).read_text(encoding="utf-8")}
            )
    out = tmp_path / "out"
    assert main([str(root), "--out", str(out), "--no-progress", "--jobs", "2"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["documents"], summary["neighbour_rereads"]) == (2, 1)
    record = json.loads((out / "docs" / "crawl.csv#row=1.json").read_text("utf-8"))
    cells = {c["indicator"]: c["value"] for t in record["tables"] for c in t["cells"]}
    assert cells["t2.normative.valid"] == 665
