"""One contract for every stage of the pipeline (after scikit-learn's
``parametrize_with_checks``): it returns the report, touches only the fields it owns,
is deterministic, keeps offsets inside the text, and its output round-trips via JSON."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import SAMPLE

from nlp.config import CONFIG_DIR, load_yaml
from nlp.ingest import load_report
from nlp.pipeline import Pipeline
from nlp.records import Report

DOCS = [
    "004_15ed71d81f93ac9f.txt",
    "hongze-district-2023.pdf",
    "pingtan-zone-2021.txt",
    "local-17-2018.txt",
]
STAGES = [
    s if isinstance(s, str) else s["stage"]
    for s in load_yaml(CONFIG_DIR / "pipeline.yaml")["stages"]
]
ALWAYS_ALLOWED = {"config", "errors"}


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_config()


def _before(pipeline: Pipeline, name: str, doc: str) -> Report:
    report = load_report(SAMPLE / doc, SAMPLE)
    for stage in pipeline.stages:
        if stage.name == name:
            return report
        report = stage(report)
    raise KeyError(name)


def _offsets(report: Report):
    for section in report.sections:
        yield section.start, section.end
    for table in report.tables:
        yield table.start, table.end
        for cell in table.cells:
            yield cell.start, cell.end
    for item in report.metrics + report.weaknesses:
        yield item.start, item.end
    for check in report.checks:
        for evidence in check.evidence:
            if evidence.doc_id in (None, report.doc_id):
                yield evidence.start, evidence.end
    yield from report.tokens + report.sentences


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("name", STAGES)
def test_stage_contract(pipeline: Pipeline, name: str, doc: str):
    stage = pipeline.stage(name)
    assert stage.__doc__ and stage.fills, f"{name} documents what it needs and fills"
    report = _before(pipeline, name, doc)
    before = copy.deepcopy(report.to_dict())
    result = stage(report)
    assert isinstance(result, Report)
    after = result.to_dict()
    for field, value in before.items():
        if field in stage.fills or field in ALWAYS_ALLOWED:
            continue
        assert after[field] == value, f"{name} changed {field!r}, which it does not own"
    assert not [e for e in result.errors if e.stage == name], result.errors
    # Deterministic: the same input gives the same output.
    again = stage(Report.from_dict(before)).to_dict()
    assert again == after
    # Offsets fall inside the text.
    for start, end in _offsets(result):
        assert 0 <= start <= end <= len(result.text), (name, start, end)
    # Round trip through JSON.
    data = json.loads(json.dumps(after, ensure_ascii=False))
    assert Report.from_dict(data).to_dict() == after
