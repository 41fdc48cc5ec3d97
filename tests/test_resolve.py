"""Prose singling out a split of run-together digits; prose counting 一 + 二."""

from __future__ import annotations

import pytest
from conftest import make_report

from nlp.pipeline import Pipeline

# Cut from pingtan-county-2012.txt: the statistics table lost the space between the
# report-year and cumulative columns; the prose states the year's figure.
COUNTY_2012 = (
    "平潭县人民政府2012年政府信息公开工作年度报告 (一)主动公开政府信息的数量2012年主动公开政府信息"
    "2026条。 附件1:平潭县人民政府2012年政府信息公开情况统计表 "
    "指标名称计量单位2012年度历年累计主动公开信息数条20263542其中:1.网站公开条17953304"
    "2.政府公报公开条07受理依申请公开信息总数条2121"
)


@pytest.fixture(scope="module")
def stages():
    pipeline = Pipeline.from_config()
    names = [
        "meta",
        "segment",
        "label_sections",
        "tables",
        "metrics",
        "resolve_splits",
        "table_checks",
        "text_table_checks",
    ]
    return [pipeline.stage(n) for n in names]


def _run(stages, text: str):
    report = make_report(text)
    for stage in stages:
        report = stage(report)
    return report


def test_prose_singles_out_the_split(stages):
    report = _run(stages, COUNTY_2012)
    cells = {c.indicator: c for t in report.tables for c in t.cells if c.indicator}
    total = cells["pre.proactive.total"]
    assert (total.value, total.status) == (2026, "inferred")
    notes = " ".join(n for t in report.tables for n in t.notes)
    assert "20263542" in notes and "2026 | 3542" in notes and "prose" in notes
    # With the total settled, P7 (a channel never exceeds the total, in both columns)
    # leaves one split of 网站公开条17953304: 1795 | 3304.
    website = cells["pre.proactive.website"]
    assert (website.value, website.status) == (1795, "inferred")
    assert "1795 | 3304" in notes


def test_without_prose_the_split_stays_unreadable(stages):
    text = COUNTY_2012.replace("2012年主动公开政府信息2026条。", "")
    report = _run(stages, text)
    cells = {c.indicator: c for t in report.tables for c in t.cells if c.indicator}
    assert cells["pre.proactive.total"].status == "unreadable"
    assert cells["pre.proactive.total"].value is None


def test_prose_counting_new_plus_carried_over_is_no_fail():
    from nlp.records import Cell, Metric, Table
    from nlp.stages.checks import TextTableChecker as TableLinker

    report = make_report("x" * 40, template="2021", year=2022)
    cells = [
        Cell("t3.new.total", "一、本年新收", "总计", 74, "74", None, 10, 12),
        Cell("t3.carried_in.total", "二、上年结转", "总计", 1, "1", None, 20, 21),
    ]
    report.tables = [Table(id="table-0", kind="t3", start=0, end=30, cells=cells)]
    report.metrics = [
        Metric(
            "m0",
            0,
            9,
            "收到政府信息公开申请75件",
            75,
            None,
            None,
            None,
            "件",
            "收到政府信息公开申请",
            "t3.new.total",
            None,
        )
    ]
    report = TableLinker().initialize()(report)
    (check,) = report.checks
    assert check.verdict == "pass" and check.right == 75
    assert report.metrics[0].indicator is None  # reports 一 + 二, no single cell
