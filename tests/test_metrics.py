"""Figures in prose (stage ``metrics``) and their check against tables
(stage ``text_table_checks``), on snippets cut from the sample reports."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, make_report

from nlp.records import Cell, Metric, Report, Section, Table
from nlp.stages.checks import TextTableChecker as TableLinker
from nlp.stages.metrics import MetricExtractor


@pytest.fixture(scope="module")
def extractor() -> MetricExtractor:
    return MetricExtractor().initialize()


@pytest.fixture(scope="module")
def linker() -> TableLinker:
    return TableLinker().initialize()


def run(extractor: MetricExtractor, text: str, **meta) -> list[Metric]:
    return extractor(make_report(text, **meta)).metrics


# huaian-city-2024.pdf, 一(二), as ingest normalises it (a 2021-format report).
HUAIAN = (
    "(二)依申请公开情况。定期对政府信息公开申请集中的领\n域和热点问题进行研判。"
    "2024年,全市共受理政府信息公开申请3119件,答复3050件(含上年度结转申请34件,"
    "另有103件顺延到下年度答复),均在法定期限内予以答复。政府信息公开行政复议351件,"
    "其中结果维持72件,结果纠正64件,其他结果178件,尚未审结37件;政府信息公开行政诉讼"
    "46件,其中结果维持25件,结果纠正5件,其他结果9件,尚未审结7件。"
)
HUAIAN_METRICS = [
    ("全市共受理政府信息公开申请3119件", 3119, "件", "t3.new.total"),
    ("答复3050件", 3050, "件", "t3.total.total"),
    ("含上年度结转申请34件", 34, "件", "t3.carried_in.total"),
    ("另有103件顺延到下年度答复", 103, "件", "t3.carried_out.total"),
    ("政府信息公开行政复议351件", 351, "件", "t4.review.total"),
    ("其中结果维持72件", 72, "件", "t4.review.upheld"),
    ("结果纠正64件", 64, "件", "t4.review.corrected"),
    ("其他结果178件", 178, "件", "t4.review.other"),
    ("尚未审结37件", 37, "件", "t4.review.pending"),
    # 行政诉讼 adds up two blocks of table 四: prose-only (SPEC §3.3).
    ("政府信息公开行政诉讼46件", 46, "件", None),
    ("其中结果维持25件", 25, "件", None),
    ("结果纠正5件", 5, "件", None),
    ("其他结果9件", 9, "件", None),
    ("尚未审结7件", 7, "件", None),
]


def test_paragraph_2021_metrics_and_indicators(extractor):
    metrics = run(extractor, HUAIAN, template="2021", year=2024)
    got = [(m.text, m.value, m.unit, m.indicator) for m in metrics]
    assert got == HUAIAN_METRICS


def test_same_paragraph_in_a_pre2019_report_uses_that_era(extractor):
    metrics = run(extractor, HUAIAN, template="unknown", year=2016)
    by_text = {m.text: m.indicator for m in metrics}
    assert by_text["全市共受理政府信息公开申请3119件"] == "pre.apply.received"
    assert by_text["政府信息公开行政复议351件"] == "pre.review.total"


# 004_15ed71d81f93ac9f.txt (衡阳市民政局 2017, pre-2019 format).
HENGYANG = (
    "三、\n回应关切及政策解读情况\n(一)回应公众关注热点或重大舆情数0次。\n"
    "(二)通过不同渠道和方式回应解读的情况:\n1.参加或举办新闻发布会总次数1次;\n"
    "2.政府网站在线访谈次数2次;\n3.政策解读稿件发布数2件;\n4.微博微信回应事件数0件;\n"
    "5.其他方式回应事件数0件。\n四、依申请公开政府信息办理情况\n"
    "(一)受理依申请公开的数量:本局2017年度依申请公开信息总数4件。\n"
    "五、咨询处理情况\n全局2017年度共接受市民咨询2800余人次,其中现场咨询800余人次。\n"
    "八、机构建设和经费保障情况\n成立了政务公开领导小组,同时配备1名专职工作人员具体负责"
    "政务公开工作,并多次召开专题会议研究政务公开工作。\n"
)
HENGYANG_METRICS = [
    ("回应公众关注热点或重大舆情数0次", 0, None, "pre.response.hotspots"),
    ("参加或举办新闻发布会总次数1次", 1, None, "pre.response.press"),
    ("政府网站在线访谈次数2次", 2, None, "pre.response.interviews"),
    ("政策解读稿件发布数2件", 2, None, "pre.response.interpretations"),
    ("微博微信回应事件数0件", 0, None, "pre.response.weibo_wechat"),
    ("其他方式回应事件数0件", 0, None, "pre.response.other"),
    ("本局2017年度依申请公开信息总数4件", 4, None, "pre.apply.received"),
    ("全局2017年度共接受市民咨询2800余人次", 2800, "余", None),
    ("其中现场咨询800余人次", 800, "余", None),
    ("配备1名专职工作人员具体负责政务公开工作", 1, None, "pre.org.staff_full"),
]


def test_paragraph_pre2019_metrics_and_indicators(extractor):
    metrics = run(extractor, HENGYANG, template="pre2019", year=2017)
    got = [(m.text, m.value, m.qualifier, m.indicator) for m in metrics]
    assert got == HENGYANG_METRICS
    staff = metrics[-1]
    assert staff.subject == "专职工作人员具体负责政务公开工作"
    assert [m.id for m in metrics] == [f"m{i}" for i in range(len(metrics))]


# Real lines that hold numbers but no figure (docs/GOLD.md: skip dates, years, document
# numbers, phone numbers, ordinals, percentages of nothing, 一是/二是, times ...).
NON_METRICS = [
    "本年度报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。",
    "根据《中华人民共和国政府信息公开条例》(国令第711号)规定编制。",
    "及时下发《通知》(岚综管办便函〔2018〕75号),细化职责分工。",
    "联系地址:北厝金井湾片区管委会大楼主楼14层;邮编:350400;电话:0591-23165250;",
    "第二十条第(一)项",
    "一是重点抓好民政网站运行。二是大力推进“民政四级”广域网建设。",
    "按照统一技术标准完成现有三套网络的整合,进一步推进一体化一站式服务。",
    "在省办2024年四个季度政务新媒体检查抽查中,合格率均为100%。",
    "均在15个工作日内予以答复。",
    "安排专人每天至少1次登陆网站信息报送系统。",
    "全局没有受理一起有关政府信息公开事务的行政复议、诉讼和申诉案件。",
    "是我局建设“服务政府、责任政府”的一项重要工作。",
    "我们考虑从以下三个方面作进一步改进,主要开展了以下几个方面的工作:",
    "现有的网络设备运行时间过长,零件已老化,性能已下降。",
    "全区政府信息公开单位均明确一名分管领导和一名经办人员。",
    "会议于9时30分召开,2019年度工作会议在3楼会议室举行。",
    "建成一期工程,推进二期项目建设。",  # 一期 of a project is no session
]


@pytest.mark.parametrize("text", NON_METRICS)
def test_non_metrics(extractor, text):
    assert [m.text for m in run(extractor, text, template="pre2019")] == []


# Chinese numerals: figures when an action or a noun phrase frames them.
CHINESE = [
    (
        "今年9月份组织各科室信息员开展了一期信息化建设和政务公开工作培训会议,认真学习。",
        "开展了一期信息化建设和政务公开工作培训会议",
        1,
        "期",
    ),
    ("公开第三方评估报告一份,总体评估良好。", "公开第三方评估报告一份", 1, "份"),
    ("全年召开专题会议两次。", "全年召开专题会议两次", 2, "次"),
    ("依申请办理事项为零。", "依申请办理事项为零", 0, None),
]


@pytest.mark.parametrize("text,phrase,value,unit", CHINESE)
def test_chinese_numeral_metrics(extractor, text, phrase, value, unit):
    metrics = run(extractor, text, template="pre2019")
    assert [(m.text, m.value, m.unit) for m in metrics] == [(phrase, value, unit)]


@pytest.mark.parametrize(
    "text,expected",
    [
        # docs/GOLD.md: 约260万余条 is 2600000 条 with qualifier 约; money keeps 万元.
        ("整合信息数据约260万余条。", (2_600_000, "条", "约")),
        ("已累计主动公开政府信息1628条。", (1628, "条", "累计")),
        ("全年收取信息处理费0.5万元。", (0.5, "万元", None)),
        ("累计公布网上信息、安全提示等1000余条。", (1000, "条", "余")),
        ("网站访问量达536万。", (5_360_000, None, None)),
    ],
)
def test_values_units_qualifiers(extractor, text, expected):
    (metric,) = run(extractor, text, template="2019")
    assert (metric.value, metric.unit, metric.qualifier) == expected


def test_offsets_point_into_the_text(extractor):
    report = extractor(make_report("前言。" + HUAIAN, template="2021"))
    for metric in report.metrics:
        assert report.text[metric.start : metric.end] == metric.text
        assert 0 <= metric.start < metric.end <= len(report.text)


def test_subject_after_the_figure_in_lists(extractor):
    text = (
        "通过实施无节假日加班等7项新举措,进一步提升服务水平。"
        "目前,70个新媒体运行情况良好。"
    )
    metrics = run(extractor, text, template="pre2019")
    assert [(m.text, m.subject) for m in metrics] == [
        ("7项新举措", "新举措"),
        ("70个新媒体运行情况良好", "新媒体运行情况良好"),
    ]


def test_parts_of_a_total_keep_no_indicator(extractor):
    # pingtan-zone-2018: the total, then its parts by body after 其中.
    text = (
        "2018年全区主动公开政府信息2069条。其中,区管委会及区直各部门主动公开政府信息1592条,"
        "占76.9%。各乡镇主动公开政府信息477条,占23.1%。"
    )
    metrics = run(extractor, text, template="pre2019")
    assert [m.indicator for m in metrics] == ["pre.proactive.total", None, None]
    # local-01-2009: two sibling channels that only add up to the cell.
    text = "全年我镇在市政府门户网站主动公开信息60条,在镇门户网站主动公开信息5条。"
    assert [m.indicator for m in run(extractor, text, template="pre2019")] == [
        None,
        None,
    ]


def test_tables_and_stat_table_sections_are_not_prose(extractor):
    prose = "一、概述\n主动公开政府信息1050条。\n"
    table = (
        "十一、附表\n(一)主动公开政府信息数 | 条 | 1050 |\n"
        "政府集中采购13575394432.52元\n"
    )
    report = make_report(prose + table, template="pre2019")
    start = len(prose)
    report.sections = [
        Section("s1", None, 1, "十一、附表", "stat_table", start, len(report.text))
    ]
    assert [m.value for m in extractor(report).metrics] == [1050]
    report.sections = []
    report.tables = [Table("t1", "stat_pre2019", start, len(report.text))]
    assert [m.value for m in extractor(report).metrics] == [1050]


# --- text against table -----------------------------------------------------------


def _with_table(report: Report, rows: list[tuple[str, str, float | None]]) -> Report:
    """Append stat-table rows "label | unit | value |" and their cells to the report."""
    start = len(report.text)
    cells = []
    text = report.text + "十一、附表\n"
    for indicator, label, value in rows:
        line = f"{label} | 人 | {'' if value is None else value} |\n"
        at = len(text) + line.rindex("|", 0, -2) + 2
        cells.append(
            Cell(
                indicator,
                label,
                "数量",
                value,
                str(value),
                None,
                at,
                at + 1,
                "ok" if value is not None else "empty",
            )
        )
        text += line
    report.text = text
    report.tables = [Table("t1", "stat_pre2019", start, len(text), cells)]
    return report


# The seed report 004: prose says 2 interviews and 1 full-time staff, the table 0 and 0.
TABLE_004 = [
    ("pre.response.hotspots", "(一)回应公众关注热点或重大舆情数", 0),
    ("pre.response.press", "1.参加或举办新闻发布会总次数", 1),
    ("pre.response.interviews", "2.政府网站在线访谈次数", 0),
    ("pre.response.interpretations", "3.政策解读稿件发布数", 2),
    ("pre.response.weibo_wechat", "4.微博微信回应事件数", 0),
    ("pre.response.other", "5.其他方式回应事件数", 0),
    ("pre.apply.received", "(一)收到申请数", 4),
    ("pre.org.staff_full", "1.专职人员数", 0),
]


def test_004_prose_contradicts_its_table(extractor, linker):
    report = _with_table(
        make_report(HENGYANG, template="pre2019", year=2017), TABLE_004
    )
    report = linker(extractor(report))
    verdicts = {c.indicator: c.verdict for c in report.checks}
    assert verdicts == {
        "pre.response.hotspots": "pass",
        "pre.response.press": "pass",
        "pre.response.interviews": "fail",
        "pre.response.interpretations": "pass",
        "pre.response.weibo_wechat": "pass",
        "pre.response.other": "pass",
        "pre.apply.received": "pass",
        "pre.org.staff_full": "fail",
    }
    fail = next(c for c in report.checks if c.indicator == "pre.response.interviews")
    assert (fail.kind, fail.rule, fail.left, fail.right) == ("text_table", "TT", 2, 0)
    prose, cell = fail.evidence
    assert report.text[prose.start : prose.end] == "政府网站在线访谈次数2次"
    assert report.text[cell.start : cell.end] == "0" and cell.ref == fail.indicator
    assert [c.id for c in report.checks] == [
        f"tt{i}" for i in range(len(report.checks))
    ]


@pytest.mark.parametrize(
    "text,table_value,verdict",
    [
        ("在市民政局网站主动公开信息1000余条。", 1000, "pass"),  # 004: 余 never fails
        ("在市民政局网站主动公开信息1000余条。", 5000, "uncertain"),
        ("在市民政局网站主动公开信息约1000条。", 1080, "pass"),
        ("在市民政局网站主动公开信息1000条。", 1080, "fail"),
        ("在市民政局网站主动公开信息1000条。", None, "not_assessable"),
    ],
)
def test_approximate_figures_never_fail(extractor, linker, text, table_value, verdict):
    report = make_report(text, template="pre2019")
    report = _with_table(
        report, [("pre.proactive.website", "2.政府网站公开政府信息数", table_value)]
    )
    (check,) = linker(extractor(report)).checks
    assert check.verdict == verdict


def test_several_figures_for_one_cell_never_fail(extractor, linker):
    text = "2011年主动公开政府信息425条。\n2011年全年主动公开政府信息62条。"
    report = make_report(text, template="pre2019")
    rows = [("pre.proactive.total", "主动公开信息数", 425)]
    report = linker(extractor(_with_table(report, rows)))
    assert [(c.left, c.verdict) for c in report.checks] == [
        (425, "pass"),
        (62, "uncertain"),
    ]


def test_one_office_share_reports_no_cell(extractor, linker):
    # pingtan-zone-2011: the total, and pages later the disclosure office's count.
    text = (
        "2011年主动公开政府信息425条。\n"
        "在互联网上,2011年区管委会、县政府公开办主动公开信息数为62条。"
    )
    report = make_report(text, template="pre2019")
    rows = [("pre.proactive.total", "主动公开信息数", 425)]
    report = linker(extractor(_with_table(report, rows)))
    assert [(m.value, m.indicator) for m in report.metrics] == [
        (425, "pre.proactive.total"),
        (62, None),
    ]
    assert [(c.left, c.verdict) for c in report.checks] == [(425, "pass")]


def test_no_table_cell_is_not_assessable(extractor, linker):
    report = linker(extractor(make_report(HUAIAN, template="2021")))
    assert {c.verdict for c in report.checks} == {"not_assessable"}
    # 9 figures with an indicator, and 行政诉讼46件 checked as the sum of both
    # litigation blocks (Metric.parts)
    assert len(report.checks) == 10


@pytest.mark.parametrize("cell_unit", ["万元", None])  # None: the stat table's own 万元
def test_money_in_yuan_against_a_cell_in_wan(extractor, linker, cell_unit):
    report = extractor(
        make_report("依申请公开信息收取的费用300元。", template="pre2019")
    )
    (metric,) = report.metrics
    assert (metric.indicator, metric.value, metric.unit) == ("pre.fees", 300, "元")
    cell = Cell(
        "pre.fees", "七、依申请公开信息收取的费用", None, 0.03, "0.03", cell_unit, 0, 0
    )
    report.tables = [Table("t1", "stat_pre2019", 0, 0, [cell])]
    assert linker(report).checks[0].verdict == "pass"


def test_stages_are_deterministic_and_round_trip(extractor, linker):
    def once() -> dict:
        report = _with_table(make_report(HENGYANG, template="pre2019"), TABLE_004)
        return linker(extractor(report)).to_dict()

    first = once()
    assert once() == first
    assert Report.from_dict(json.loads(json.dumps(first))).to_dict() == first


def test_linker_replaces_its_own_checks_only(extractor, linker):
    report = _with_table(make_report(HENGYANG, template="pre2019"), TABLE_004)
    report = extractor(report)
    report = linker(linker(report))
    assert len(report.checks) == 8


@pytest.mark.parametrize(
    "text,template,indicator",
    [
        # pingtan-zone-2013: a review application is a review case, not a disclosure request
        (
            "2013年全区未收到有关政府信息公开的申请,收到1份有关政府信息公开行政复议申请已及时处理。",
            "pre2019",
            "pre.review.total",
        ),
        ("收到1份有关政府信息公开行政复议申请。", "2021", "t4.review.total"),
        # a request that led to a review is still no disclosure request of its own
        ("当事人对答复不服申请复议1件。", "pre2019", None),
    ],
)
def test_review_applications_count_review_cases(extractor, text, template, indicator):
    report = extractor(make_report(text, template=template))
    (metric,) = [m for m in report.metrics if m.value == 1]
    assert metric.indicator == indicator


# -- FIELD-GUIDE classes 7, 9, 10, 13, 14, 20 (invented sentences, real form labels) ---
def _got(extractor, text, template="2021", **meta):
    return [
        (m.text, m.value, m.unit, m.indicator, m.parts)
        for m in run(extractor, text, template=template, year=2022, **meta)
    ]


def test_frame_of_a_list_carried_over_its_items(extractor):
    got = _got(extractor, "全年制发规章5件,行政规范性文件8件。")
    assert [g[3] for g in got] == ["t2.rules.made", "t2.normative.made"]
    # a ; inside the sentence keeps its frame (收到…申请)
    got = _got(extractor, "本年度收到政府信息公开申请20件,均已登记;已全部办结19件。")
    assert [g[3] for g in got] == ["t3.new.total", "t3.total.total"]
    # the parts of a figure take no frame: they are not the cell
    got = _got(
        extractor,
        "通过网站公开政府信息425条,机构职能类信息148条,规划计划类信息21条。",
        template="pre2019",
    )
    assert [g[3] for g in got][1:] == [None, None]


@pytest.mark.parametrize(
    "text,parts",
    [
        ("予以公开及部分公开7件。", ["t3.granted.total", "t3.partial.total"]),
        (
            "告知无法提供5件。",
            [f"t3.unable_{r}.total" for r in ("not_held", "create", "unclear")],
        ),
        (
            "其他处理2件。",
            [f"t3.other_{r}.total" for r in ("overdue", "unpaid", "misc")],
        ),
    ],
)
def test_sum_phrases_are_parts_not_one_cell(extractor, text, parts):
    ((_, _, _, indicator, got),) = _got(extractor, text)
    assert indicator is None and got == parts


def test_group_outcome_is_not_the_total_answered(extractor):
    ((_, _, _, indicator, parts),) = _got(extractor, "收到申请12件,不予公开答复3件。")[
        1:
    ]
    assert indicator is None and len(parts) == 8  # 不予公开 1–8, not t3.total.total
    # the 2019 format has one 其他处理 row
    ((_, _, _, indicator, parts),) = _got(extractor, "其他处理0件。", template="2019")
    assert (indicator, parts) == ("t3.other.total", [])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("全年三次举办业务培训。", ("全年三次举办业务培训", 3, "次")),
        (
            "指导四个试点街道开展标准化建设。",
            ("指导四个试点街道开展标准化建设", 4, "个"),
        ),
        ("覆盖九个重点领域。", ("覆盖九个重点领域", 9, "个")),
    ],
)
def test_chinese_numeral_and_classifier_without_a_verb(extractor, text, expected):
    assert [g[:3] for g in _got(extractor, text)] == [expected]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "全年约有260人次经由电话、网站等途径来局咨询业务事项。",
            ["全年约有260人次经由电话、网站等途径来局咨询业务事项"],
        ),
        (
            "年内督办住房、交通等民生领域8项专项公开任务。",
            ["年内督办住房、交通等民生领域8项专项公开任务"],
        ),
        ("其中2篇阅读量超10万、5篇超1万。", ["其中2篇阅读量超10万", "5篇超1万"]),
    ],
)
def test_span_runs_over_the_noun_phrase_after_the_number(extractor, text, expected):
    assert [g[0] for g in _got(extractor, text)] == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("更正错别字11处。", (11, "处", None)),
        ("公众号订阅数4100,", (4100, None, None)),
        ("印制宣传册支出费用0.8万元。", (0.8, "万元", None)),
        ("全年收取信息处理费0.5万元。", (0.5, "万元", "pre.fees")),
    ],
)
def test_units_and_fee_lexicon(extractor, text, expected):
    ((_, value, unit, indicator, _),) = _got(extractor, text, template="pre2019")
    assert (value, unit, indicator) == expected


def test_acting_for_the_government_is_the_reports_own_agency(extractor):
    text = "县府办代表县政府受理公开申请12件。"
    own = {"agency": "德安县人民政府办公室", "agency_printed": "德安县人民政府办公室"}
    assert _got(extractor, text, **own)[0][3] == "t3.new.total"
    other = {"agency": "德安县人民政府", "agency_printed": "德安县人民政府"}
    assert _got(extractor, "乡政府代表县政府受理公开申请3件。", **other)[0][3] is None


def test_channel_named_by_the_heading_frames_its_figures(extractor):
    text = "(一)本局门户网站主动公开政府信息情况\n全年发布政府信息96条。"
    report = make_report(text, template="pre2019", year=2012)
    report.sections = [
        Section(
            id="s0",
            parent=None,
            level=1,
            title="(一)本局门户网站主动公开政府信息情况",
            label="proactive",
            start=0,
            end=len(text),
            title_end=18,
        )
    ]
    (metric,) = extractor(report).metrics
    assert metric.indicator == "pre.proactive.website"


def test_traditional_script_word_for_online_requests(extractor):
    got = _got(extractor, "处理依申请公开网路申请1件。", template="pre2019")
    assert got[0][3] == "pre.apply.online"


def test_figure_candidates_are_the_pattern_matches():
    extractor = MetricExtractor().initialize()
    texts = [
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted((ROOT / "corpora").rglob("*"))
        if path.suffix in (".txt", ".md", ".html") and path.is_file()
    ]
    texts += ["共1,234件,增长12.5%", "三百二十余件。十几万人次", "12.3.4 5万2"]
    for text in texts:
        expected = [m.span() for m in extractor.candidate.finditer(text)]
        assert [m.span() for m in extractor._candidates(text)] == expected
