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


# ------------------------------------------------------------- the split solver


def _metric(text, value, indicator=None, parts=(), unit="件"):
    from nlp.records import Metric

    return Metric(
        "m",
        0,
        1,
        text,
        value,
        None,
        None,
        None,
        unit,
        None,
        indicator,
        None,
        list(parts),
    )


def _solve(text, metrics, year=2024):
    from nlp.stages.checks import TableChecker, TextTableChecker
    from nlp.stages.tables import SplitResolver, TableParser

    report = make_report(text, year=year)
    report = TableParser().initialize()(report)
    report.metrics = list(metrics)
    for stage in (SplitResolver(), TableChecker(), TextTableChecker()):
        report = stage.initialize()(report)
    cells = {c.indicator: c for t in report.tables for c in t.cells if c.indicator}
    return report, cells


# huaian-city-2024's table 四 as a crawl without markup writes it: 15 cells, 26 digits.
T4_RUN = (
    "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼未经复议直接起诉复议后起诉结果维持结果纠正"
    "其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
    "72641783735113481261211620"
)
T4_GOLD = [72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20]
T4_IDS = [
    f"t4.{b}.{c}"
    for b in ("review", "lit_direct", "lit_after")
    for c in ("upheld", "corrected", "other", "pending", "total")
]


def test_prose_figures_and_prose_sums_settle_a_crawled_table():
    # The report's prose: 行政复议351件, 其中结果维持72件 …; 行政诉讼46件, 其中结果维持25件 …
    # (sums over both litigation blocks: Metric.parts).
    review = [
        _metric("复议", v, f"t4.review.{c}")
        for v, c in zip(
            T4_GOLD[:5], ("upheld", "corrected", "other", "pending", "total")
        )
    ]
    litigation = [
        _metric("诉讼", v, None, [f"t4.lit_direct.{c}", f"t4.lit_after.{c}"])
        for v, c in (
            (25, "upheld"),
            (5, "corrected"),
            (9, "other"),
            (7, "pending"),
            (46, "total"),
        )
    ]
    report, cells = _solve(T4_RUN, [])
    assert any(cells[i].value is None for i in T4_IDS)  # the digits alone: not all
    report, cells = _solve(T4_RUN, review + litigation)
    assert [(cells[i].value, cells[i].status) for i in T4_IDS] == [
        (v, "inferred") for v in T4_GOLD
    ]
    sums = [c for c in report.checks if c.kind == "text_table" and c.indicator is None]
    assert [c.verdict for c in sums] == ["pass"] * 5
    # A prose sum no reading agrees with is no evidence, and fails its check.
    wrong = litigation[:4] + [_metric("诉讼", 47, None, litigation[4].parts)]
    report, _ = _solve(T4_RUN, review + wrong)
    verdicts = [c.verdict for c in report.checks if c.kind == "text_table"]
    assert verdicts.count("fail") == 1


# A crawled table 四 whose printed totals are 0 while its parts are not (复议 10+1,
# 复议后起诉 5): every cut of its 16 digits into 15 cells breaks R4 in those blocks.
T4_BROKEN = T4_RUN[: T4_RUN.index("7264")] + "1010000000050000"


def test_a_row_every_cut_of_which_breaks_its_relation_fails_that_relation():
    report, cells = _solve(T4_BROKEN, [], year=2023)
    (table,) = [t for t in report.tables if t.kind == "t4"]
    assert any("[E413]" in n for n in table.notes)
    assert len(table.ambiguities) == 1 and len(table.ambiguities[0].splits) == 3
    # What every cut agrees on is shown; the rest stays unreadable.
    assert cells["t4.lit_direct.total"].value == cells["t4.review.total"].value == 0
    assert cells["t4.review.upheld"].status == "unreadable"
    verdicts = {c.indicator: c.verdict for c in report.checks if c.rule == "R4"}
    assert verdicts == {
        "t4.review.total": "fail",
        "t4.lit_direct.total": "pass",
        "t4.lit_after.total": "fail",
    }


RULES_RUN = "第二十条第(一)项信息内容本年制发件数本年废止件数现行有效件数规章1011"


@pytest.mark.parametrize(
    "value, verdict, made",
    [
        (10, "pass", 10),  # one reading (10|1|1) gives the prose value: it is taken
        (1, "pass", 1),  # (1|0|11)
        (5, "fail", None),  # no reading of 1011 gives 5: a prose-vs-table fail
    ],
)
def test_text_table_fails_only_when_no_reading_agrees(value, verdict, made):
    report, cells = _solve(RULES_RUN, [_metric("规章", value, "t2.rules.made")])
    (tt,) = [c for c in report.checks if c.kind == "text_table"]
    assert tt.verdict == verdict
    assert cells["t2.rules.made"].value == made


def test_text_table_on_an_unsettled_reading_is_uncertain():
    from nlp.stages.checks import TextTableChecker
    from nlp.stages.tables import TableParser

    report = TableParser().initialize()(make_report(RULES_RUN, year=2024))
    report.metrics = [_metric("规章", 10, "t2.rules.made")]  # no solver: two readings
    report = TextTableChecker().initialize()(report)
    (tt,) = report.checks
    assert tt.verdict == "uncertain" and "readings" in tt.message


T3_DENIED = (
    "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)\n"
    "一、本年新收政府信息公开申请数量| 4 | 2 | 0 | 0 | 3 | 0 |  |\n"
    "(三)不予公开\n1.属于国家秘密0 0 0 0 0 0 0\n2.其他法律行政法规禁止公开1 0 0 0 0 0 1\n"
    "3.危及“三安全一稳定”0 0 0 0 0 0 0\n4.保护第三方合法权益2 0 0 0 0 0 2\n"
    "5.属于三类内部事务信息0 0 0 0 0 0 0\n6.属于四类过程性信息0 0 0 0 0 0 0\n"
    "7.属于行政执法案卷0 0 0 0 0 0 0\n8.属于行政查询事项0 0 0 0 0 0 0\n"
)


@pytest.mark.parametrize(
    "metric, verdict",
    [
        # 不予公开答复3件: the group (三) has no row of its own; its figure is the sum.
        (_metric("不予公开答复3件", 3, None, ["t3.denied.total"]), "pass"),
        (_metric("不予公开答复9件", 9, None, ["t3.denied.total"]), "fail"),
        # 总计 left blank: the figure is compared with its row's sum (4+2+0+0+3+0).
        (_metric("收到申请9件", 9, "t3.new.total"), "pass"),
        (_metric("收到申请8件", 8, "t3.new.total"), "fail"),
    ],
)
def test_group_sums_and_a_blank_total(metric, verdict):
    report, _ = _solve(T3_DENIED, [metric], year=2022)
    (tt,) = [c for c in report.checks if c.kind == "text_table"]
    assert tt.verdict == verdict
    if metric.parts:
        assert tt.indicator == "t3.denied.total" and len(tt.evidence) == 1 + 8


def test_the_previous_year_settles_what_the_prose_does_not():
    # pingtan-county-2012 without its prose: the 2011 report's 历年累计 (1516 items)
    # is the C1 evidence the corpus pass hands over: 3542 − 1516 = 2026.
    from nlp.stages.tables import SplitResolver, TableParser

    text = COUNTY_2012.replace("2012年主动公开政府信息2026条。", "")
    report = TableParser().initialize()(make_report(text, year=2012))
    previous = {"doc_id": "2011.txt", "cells": {"pre.proactive.total#cumulative": 1516}}
    report = SplitResolver().initialize()(report, neighbours={"previous": previous})
    (table,) = report.tables
    cells = {c.indicator: c for c in table.cells if c.indicator}
    total = cells["pre.proactive.total"]
    assert (total.value, total.status) == (2026, "inferred")
    assert table.ambiguities[0].settled_by == ["C1, previous year, 2011.txt"]
    # The admissible readings are not narrowed: the checks still judge them all.
    assert len(table.ambiguities[0].splits) > 1


# pingtan-zone-2021's table 二 as crawled: 行政规范性文件 693665 (69 | 3 | 665).
T2_RUN = (
    "二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
    "规章 0 0 0 行政规范性文件693665"
)


@pytest.mark.parametrize(
    "side, cells, valid",
    [
        # R6 from the next year: 现行有效(t) = 698 − 88 + 55 = 665.
        (
            "next",
            {
                "t2.normative.valid": 698,
                "t2.normative.made": 88,
                "t2.normative.repealed": 55,
            },
            (None, 665),  # 6 | 93 | 665 and 69 | 3 | 665 remain
        ),
        # R6 from the previous year: 现行有效(t) − 本年制发(t) + 本年废止(t) = 599
        # holds for 69 | 3 | 665 alone (6 | 93 | 665 gives 752).
        ("previous", {"t2.normative.valid": 599}, (69, 665)),
        # A figure no reading reaches settles nothing.
        (
            "next",
            {
                "t2.normative.valid": 1,
                "t2.normative.made": 0,
                "t2.normative.repealed": 0,
            },
            (None, None),
        ),
    ],
)
def test_a_neighbouring_year_settles_table_two(side, cells, valid):
    from nlp.stages.tables import SplitResolver, TableParser

    report = TableParser().initialize()(make_report(T2_RUN, year=2021))
    before = [len(a.splits) for a in report.tables[0].ambiguities]
    neighbours = {side: {"doc_id": "other.txt", "cells": cells}}
    report = SplitResolver().initialize()(report, neighbours=neighbours)
    got = {c.indicator: c for t in report.tables for c in t.cells if c.indicator}
    assert (got["t2.normative.made"].value, got["t2.normative.valid"].value) == valid
    assert [len(a.splits) for a in report.tables[0].ambiguities] == before
