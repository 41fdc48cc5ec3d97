"""Crawl dumps as input (issue 14, part 3): CSV, TSV, JSONL and Parquet rows are
reports; the bytes/text entry point; the record-sink hook."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SAMPLE

from nlp.cli.run import main
from nlp.io.readers import report_from_bytes
from nlp.io.readers.crawl import Columns, read_dump
from nlp.pipeline.corpus import Processor, run_corpus

REPORT = SAMPLE / "local-17-2018.txt"
TITLE = "洪泽区人民政府2023年政府信息公开工作年度报告"


def _rows() -> list[dict]:
    text = REPORT.read_text(encoding="utf-8")
    html = (
        "<html><body><div class='nav'>首页</div><p>"
        + "</p><p>".join(text.splitlines())
        + "</p></body></html>"
    )
    return [
        {
            "标题": TITLE,
            "正文": text,
            "链接": "http://example.org/a",
            "发布日期": "2024-01-20",
        },
        {"标题": "无正文", "正文": "", "链接": "http://example.org/b", "发布日期": ""},
        {"标题": "网页", "正文": "", "html": html, "链接": "", "发布日期": ""},
    ]


def _write(path: Path, rows: list[dict]) -> Path:
    names = list(dict.fromkeys(k for row in rows for k in row))
    if path.suffix in (".csv", ".tsv"):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle,
                fieldnames=names,
                delimiter="\t" if path.suffix == ".tsv" else ",",
            )
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
            encoding="utf-8",
        )
    else:
        table = pa.table({n: [r.get(n) for r in rows] for n in names})
        pq.write_table(table, path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_row_of_a_dump_is_a_record(tmp_path: Path, suffix: str):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus / f"crawl{suffix}", _rows())
    out = tmp_path / "out"
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 1
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    records = {r["doc_id"]: r for r in map(json.loads, lines)}
    name = f"crawl{suffix}"
    assert list(records) == [f"{name}#row=1", f"{name}#row=2", f"{name}#row=3"]
    first = records[f"{name}#row=1"]
    assert first["errors"] == []
    source = first["source"]
    assert source["row"] == 1 and source["path"].endswith(name)
    assert source["title"] == TITLE and source["url"] == "http://example.org/a"
    assert source["published"] == "2024-01-20"
    assert first["meta"]["year"] == 2018
    (error,) = records[f"{name}#row=2"]["errors"]
    assert error["reason"] == "no_text" and error["code"] == "E120"
    page = records[f"{name}#row=3"]
    assert page["errors"] == [] and page["source"]["format"] == "html"
    assert "首页" not in page["text"]  # the HTML reader dropped the page furniture
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        summary["documents"] == 3 and summary["failed"] == 1 and summary["inputs"] == 1
    )


def test_columns_named_on_the_command_line(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    _write(corpus / "d.csv", [{"body_zh": text, "headline_zh": TITLE, "src": "u"}])
    out = tmp_path / "out"
    # No common name: the dump fails as a whole, under its own id, with the columns.
    assert main([str(corpus), "--out", str(out), "--no-progress"]) == 1
    (record,) = [json.loads(x) for x in (out / "corpus.jsonl").open(encoding="utf-8")]
    assert record["doc_id"] == "d.csv" and record["errors"][0]["code"] == "E122"
    assert "body_zh" in record["errors"][0]["message"]
    argv = [str(corpus), "--out", str(out), "--no-progress", "--text-column", "body_zh"]
    argv += ["--title-column", "headline_zh", "--url-column", "src"]
    assert main(argv) == 0
    (record,) = [json.loads(x) for x in (out / "corpus.jsonl").open(encoding="utf-8")]
    assert record["doc_id"] == "d.csv#row=1"
    assert record["source"]["title"] == TITLE and record["source"]["url"] == "u"


def test_bad_rows_fail_alone(tmp_path: Path):
    text = REPORT.read_text(encoding="utf-8")
    dump = tmp_path / "d.jsonl"
    dump.write_text(
        json.dumps({"text": text}, ensure_ascii=False)
        + "\n{broken\n[1, 2]\n\n"
        + json.dumps({"text": text}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    rows = list(read_dump(dump, Columns()))
    assert [r.row for r in rows] == [1, 2, 3, 4]
    assert [r.error.reason if r.error else None for r in rows] == [
        None,
        "bad_row",
        "bad_row",
        None,
    ]
    assert [r.row for r in read_dump(dump, Columns(), start=3)] == [3, 4]


def test_bytes_and_text_entry_points(tmp_path: Path):
    data = REPORT.read_bytes()
    report = report_from_bytes(data.decode("utf-8").encode("gb18030"), "a.txt")
    assert report.source.encoding == "gb18030" and report.doc_id == "a.txt"
    assert report.text == data.decode("utf-8")
    processor = Processor().load()
    record = processor.process_bytes(
        data, "s3://bucket/x.txt", title=TITLE, url="http://example.org/x", row=7
    )
    assert record.errors == [] and record.doc_id == "s3://bucket/x.txt"
    assert record.source.title == TITLE and record.source.row == 7
    assert record.meta.year == 2018 and record.sections
    html = processor.process_bytes(
        "<p>" + data.decode("utf-8") + "</p>", "p", fmt="html"
    )
    assert html.errors == [] and html.source.format == "html"
    bad = processor.process_bytes(b"\x00\x01\x02" * 100, "bad.pdf", doc_id="k1")
    assert bad.doc_id == "k1" and bad.errors[0].stage == "ingest"
    assert bad.source.sha256  # the input's hash even when it cannot be read


class ListSink:
    """A record sink (``add``/``close``) that writes what it is given."""

    def __init__(self, path: Path):
        self.path = path
        self.ids: list[str] = []

    def add(self, record: dict) -> None:
        self.ids.append(record["doc_id"])

    def close(self) -> None:
        self.path.write_text("\n".join(self.ids), encoding="utf-8")


def test_extra_record_sinks_are_made_per_worker(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("local-17-2018.txt", "local-19-2018.txt", "pingtan-zone-2021.txt"):
        (corpus / name).write_bytes((SAMPLE / name).read_bytes())
    sinks = tmp_path / "sinks"
    sinks.mkdir()
    summary = run_corpus(
        corpus,
        tmp_path / "out",
        jobs=2,
        progress=False,
        sinks=lambda worker: [ListSink(sinks / f"part-{worker}.txt")],
    )
    assert summary["failed"] == 0
    seen = [
        line
        for part in sorted(sinks.iterdir())
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(seen) == sorted(p.name for p in corpus.iterdir())
    assert len(list(sinks.iterdir())) == 2
