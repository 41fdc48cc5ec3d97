"""The record contract: round trip through JSON, and the generated JSON Schema."""

from __future__ import annotations

import json

import jsonschema

from nlp import jsonfmt
from nlp.io.schema import record_schema
from nlp.records import Cell, Check, Evidence, Metric, Report, Section, Source, Table


def _report() -> Report:
    report = Report(
        doc_id="a.txt",
        source=Source(path="a.txt", sha256="x", format="txt"),
        text="一、总体情况",
    )
    report.sections.append(
        Section(
            id="s0",
            parent=None,
            level=1,
            title="一、总体情况",
            label="overall",
            start=0,
            end=6,
        )
    )
    report.tables.append(
        Table(
            id="t0",
            kind="t4",
            start=0,
            end=6,
            cells=[Cell("t4.review.total", "行政复议", "总计", 3, "3", None, 0, 1)],
        )
    )
    report.metrics.append(
        Metric("m0", 0, 6, "一、总体", 1, None, None, None, "条", "x", None, "s0")
    )
    report.checks.append(
        Check(
            "c0", "sum", "R4", "pass", 3, 3, 3, [Evidence("t4.review.total", 0, 1, 3)]
        )
    )
    return report


def test_round_trip():
    report = _report()
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    again = Report.from_dict(data)
    assert again == report
    assert isinstance(again.tables[0].cells[0], Cell)


def test_schema_validates_a_record_and_rejects_a_renamed_field():
    schema = record_schema()
    validator = jsonschema.Draft202012Validator(schema)
    data = _report().to_dict()
    assert not list(validator.iter_errors(data))
    data["sections"][0]["heading"] = data["sections"][0].pop("title")
    assert list(validator.iter_errors(data))


def test_raw_offset_through_the_map():
    from conftest import make_report

    from nlp.stages.normalize import Cleaner

    report = Cleaner().initialize()(
        make_report("您现在的位置: | 首页 |\n一、总 体情况")
    )
    assert report.text == "一、总体情况"
    raw = "您现在的位置: | 首页 |\n一、总 体情况"
    assert raw[report.raw_offset(report.text.index("体"))] == "体"


def test_to_dict_gives_the_python_walk_on_every_sample_record(sample_dir):
    """orjson's encoding of the dataclasses is the record: the same values as the
    field-by-field walk, on every processed sample report (tokens kept)."""
    from nlp.pipeline.processor import Processor

    processor = Processor(root=sample_dir).load()
    for path in sorted(sample_dir.iterdir()):
        report = processor.process(path)
        fast = report.to_dict()
        assert fast == report.to_dict_python(), path.name
        assert json.loads(jsonfmt.dumps(report)) == fast, path.name


def test_what_orjson_declines_is_written_by_the_standard_library():
    report = _report()
    report.tables[0].cells[0].value = 2**70  # a run of digits past 64 bits
    data = report.to_dict()
    assert data["tables"][0]["cells"][0]["value"] == 2**70
    assert data == report.to_dict_python()
    line = jsonfmt.dumps(report)
    assert b'"value":1180591620717411303424' in line
    assert jsonfmt.loads(line) == data
    assert jsonfmt.loads(b'{"v": NaN}')["v"] != 0  # json's NaN reads back


def test_written_records_hash_the_same_from_the_file_and_the_dict(tmp_path):
    from nlp.io.writers import RecordWriter
    from nlp.search.documents import record_sha256

    record = _report().to_dict()
    name = RecordWriter(tmp_path).write(record)
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert " " not in text.replace("一、总体", "")  # one line, no spaces
    assert record_sha256(text) == record_sha256(json.loads(text))
