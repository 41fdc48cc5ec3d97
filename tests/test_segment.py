"""The heading tree (stage ``segment``) and sentences/tokens (stage ``tokenize``).

Inputs are snippets cut from the sample reports, as ``report.text`` has them (NFKC:
"(一)", ",", ":"), or whole sample reports.
"""

from __future__ import annotations

import itertools

import pytest
from conftest import make_report

from nlp.stages.segment import (
    SectionSegmenter,
    TokenSegmenter,
    sentence_spans,
)
from nlp.text.numerals import cn_to_int as chinese_numeral
from nlp.text.segmenter import load_segmenter


@pytest.fixture(scope="module")
def segmenter() -> SectionSegmenter:
    return SectionSegmenter().initialize()


def tree(segmenter: SectionSegmenter, text: str) -> list[tuple[str, int]]:
    """(title, level) of every section but the preamble."""
    return [
        (s.title, s.level) for s in segmenter.segment(text) if s.label != "preamble"
    ]


@pytest.mark.parametrize(
    "numeral,value",
    [("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23)],
)
def test_chinese_numeral(numeral, value):
    assert chinese_numeral(numeral) == value


# One heading per line (pre-2019 web page, 2019+ PDF), every numbering style.
LINE_CASES = [
    (  # 000: 一、 (一) 1、
        (
            "一、概述\n推进政府信息公开工作是我局贯彻实施《条例》的一项重要工作。\n"
            "(一)高度重视,周密部署\n2017年,我局始终把做好政府信息公开工作列入重要议事日程。\n"
            "二、主动公开政府信息情况\n(一)公开的主要内容\n截至2017年12月31日,已累计主动公开"
            "政府信息1628条。\n(二)公开形式:\n1、互联网。\n衡阳市教育局网站\n2、公共查阅点。\n"
            "我们设置了现场查阅点。\n三、咨询处理情况\n我局2017年共接受市民电话咨询约2000人次。"
        ),
        [
            ("一、概述", 1),
            ("(一)高度重视,周密部署", 2),
            ("二、主动公开政府信息情况", 1),
            ("(一)公开的主要内容", 2),
            ("(二)公开形式", 2),
            ("1、互联网", 3),
            ("2、公共查阅点", 3),
            ("三、咨询处理情况", 1),
        ],
    ),
    (  # 002 (2019): 1. under 一、
        (
            "一、总体情况\n2019年,在兵团电子政务公开办的安排部署下,深入推进政务公开。\n"
            "1.主动公开情况\n全年主动公开信息共计3790余条。\n2.依申请公开办理情况\n"
            "全年无政府信息公开申请。\n二、主动公开政府信息情况\n第二十条第(一)项\n"
        ),
        [
            ("一、总体情况", 1),
            ("1.主动公开情况", 2),
            ("2.依申请公开办理情况", 2),
            ("二、主动公开政府信息情况", 1),
        ],
    ),
    (  # 004: a heading broken after its number (PDF-like)
        (
            "二、主动公开政府信息的情况\n(一)公开的主要内容\n截至2017年底公开民政工作动态1000余则。\n"
            "三、\n回应关切及政策解读情况\n(一)回应公众关注热点或重大舆情数0次。\n"
        ),
        [
            ("二、主动公开政府信息的情况", 1),
            ("(一)公开的主要内容", 2),
            ("三、回应关切及政策解读情况", 1),
            ("(一)回应公众关注热点或重大舆情数0次", 2),
        ],
    ),
    (  # a heading broken before its last word
        (
            "一、总体情况\n全年主动公开政府信息1136条。\n五、政府信息公开工作存在的主要问题及改进\n"
            "情况\n仍存在一定差距。\n"
        ),
        [("一、总体情况", 1), ("五、政府信息公开工作存在的主要问题及改进情况", 1)],
    ),
    (  # (1) and ① under 1.
        (
            "一、总体情况\n(一)主要做法\n1.围绕建设法治政府全面推进政务公开\n(1)政府工作公开透明。"
            "坚持以公开为常态。\n(2)政策执行阳光透明。对政策文件进行全方位公开。\n①门户网站。"
            "开设专栏。\n②政务新媒体。及时发布。\n"
        ),
        [
            ("一、总体情况", 1),
            ("(一)主要做法", 2),
            ("1.围绕建设法治政府全面推进政务公开", 3),
            ("(1)政府工作公开透明", 4),
            ("(2)政策执行阳光透明", 4),
            ("①门户网站", 5),
            ("②政务新媒体", 5),
        ],
    ),
    (  # 第一部分
        (
            "第一部分 总体情况\n2020年,我市政府信息公开工作取得新进展。\n一、主动公开情况\n"
            "全年主动公开政府信息2599条。\n第二部分 存在的主要问题及改进情况\n一是公开意识不强。\n"
        ),
        [
            ("第一部分 总体情况", 1),
            ("一、主动公开情况", 2),
            ("第二部分 存在的主要问题及改进情况", 1),
        ],
    ),
]


@pytest.mark.parametrize("text,expected", LINE_CASES)
def test_heading_levels(segmenter, text, expected):
    assert tree(segmenter, text) == expected


# Enumerations inside a paragraph and numbers that are not headings.
NOT_HEADINGS = [
    # 003: items after ":" and ";"
    (
        "五、存在的主要问题及改进情况\n我局政府信息公开工作还存在着一些问题:1.对信息公开工作认识不足,"
        "政务公开的主动性不高;2.信息公开工作存在薄弱环节;3.队伍建设需进一步优化。"
    ),
    # local-13: 一是/二是
    (
        "一、工作开展情况\n一是建立健全各项制度。观里镇建立健全了工作制度。二是不断加强队伍建设。"
        "指定专人负责信息公开工作。"
    ),
    # prose citing a table caption and an ordinal
    "一、总体情况\n依照《条例》第二十条第(一)项规定,公开规章1件,占全部的1.5%。",
]


@pytest.mark.parametrize("text", NOT_HEADINGS)
def test_enumerations_are_not_headings(segmenter, text):
    assert len(tree(segmenter, text)) == 1


# Crawled pages: the whole report inside one line (texts as cleaned).
RUN_ON_CASES = [
    (  # pingtan-zone-2019
        (
            "区管委会办公室编制完成了本报告。一、总体情况2019年,在省政府办公厅的指导下,我区取得了"
            "一定的成效。(一)基本情况今年,我区政府信息公开单位共公布政府信息2599条。(二)主要做法"
            "1.加强组织领导,健全工作机制将政府信息公开工作列入议事日程。2.把握工作重点,扎实推进"
            "信息公开(1)加强政策解读信息公开。充分利用政府网站。(2)推进扶贫和社会救助信息公开。"
            "区农业农村局编制手册。二、主动公开政府信息情况第二十条第(一)项信息内容本年新制作数量"
        ),
        [
            ("一、总体情况", 1),
            ("(一)基本情况", 2),
            ("(二)主要做法", 2),
            ("1.加强组织领导,健全工作机制", 3),
            ("2.把握工作重点,扎实推进信息公开", 3),
            ("(1)加强政策解读信息公开", 4),
            ("(2)推进扶贫和社会救助信息公开", 4),
            ("二、主动公开政府信息情况", 1),
        ],
    ),
    (  # 003: the table sections 二 to 四 were lost by the crawler
        (
            "并向社会公布。一、总体情况(一)主动公开情况2021年,本局主动公开政府信息243条。"
            "(二)依申请公开情况2021年共收到各类政府信息公开申请5件。(三)政府信息管理情况按照"
            "《条例》要求,规范信息公开工作流程。\n五、存在的主要问题及改进情况我局政府信息公开工作"
            "还存在着一些问题:1.对信息公开工作认识不足;2.信息公开的队伍建设需进一步优化。\n"
            "六、其他需要报告的事项本单位无其他需要报告的事项。 |"
        ),
        [
            ("一、总体情况", 1),
            ("(一)主动公开情况", 2),
            ("(二)依申请公开情况", 2),
            ("(三)政府信息管理情况", 2),
            ("五、存在的主要问题及改进情况", 1),
            ("六、其他需要报告的事项", 1),
        ],
    ),
    (  # local-01: headings between spaces
        (
            "现将我镇2009年政府信息公开工作小结如下: 一、政府信息主动公开情况 为方便公众了解信息,"
            "主动公开信息60条。 二、政府依申请公开政府信息和不予公开信息情况 2009年,全镇依申请办理"
            "事项为零。 三、政府信息公开收费和减免情况 2009年,全镇信息公开的收费和减免为零。"
        ),
        [
            ("一、政府信息主动公开情况", 1),
            ("二、政府依申请公开政府信息和不予公开信息情况", 1),
            ("三、政府信息公开收费和减免情况", 1),
        ],
    ),
    (  # pingtan-zone-2021: table 三 run together, then the real 四、 and 五、
        (
            "三、收到和处理政府信息公开申请情况(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加"
            "第四项之和)申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
            "一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000"
            "三、本年度办理结果(一)予以公开270020130(二)部分公开(区分处理的,只计这一情形,不计其他"
            "情形)500000 5(三)不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0000000"
            "(七)总计630020469四、结转下年度继续办理1000001 四、政府信息公开行政复议、行政诉讼情况 "
            "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计10203120001200000五、存在的主要问题"
            "及改进情况(一)存在的主要问题:政策解读形式不够丰富。(二)改进措施:一是丰富政策解读形式。"
        ),
        [
            ("三、收到和处理政府信息公开申请情况", 1),
            ("四、政府信息公开行政复议、行政诉讼情况", 1),
            ("五、存在的主要问题及改进情况", 1),
            ("(一)存在的主要问题", 2),
            ("(二)改进措施", 2),
        ],
    ),
]


@pytest.mark.parametrize("text,expected", RUN_ON_CASES)
def test_run_on_headings(segmenter, text, expected):
    # The first heading of the snippet opens the numbering, as in the whole report.
    got = tree(segmenter, text)
    assert got == expected


# Table row labels that look like headings never become sections.
TABLE_ROWS = [
    "(一)主动公开政府信息数",
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "予以公开",
    "属于国家秘密",
    "结转下年度继续办理",
    "行政复议数量",
    "政府网站公开政府信息数",
    "收到申请数",
]


@pytest.mark.parametrize(
    "doc",
    [
        "000_8ef287be2d4f18ab.txt",
        "001_5077326058c351a2.txt",
        "002_1a7472626beedd53.txt",
        "004_15ed71d81f93ac9f.txt",
        "huaian-city-2024.pdf",
        "hongze-district-2023.pdf",
        "pingtan-zone-2019.txt",
        "pingtan-zone-2021.txt",
    ],
)
def test_table_rows_are_not_sections(segmenter, loaded, doc):
    titles = [s.title for s in segmenter.segment(loaded(doc).text)]
    for row in TABLE_ROWS:
        assert not [t for t in titles if row in t], (doc, row, titles)


@pytest.mark.parametrize(
    "doc,title",
    [
        ("001_5077326058c351a2.txt", "附件:政府信息公开情况统计表"),
        ("pingtan-county-2011.txt", "附件1:平潭县人民政府2011年政府信息公开情况统计表"),
        ("000_8ef287be2d4f18ab.txt", "指标"),  # the grid bar is no part of a title
        ("pingtan-zone-2013.txt", "平潭综合实验区政府信息公开情况统计表"),  # run-on
    ],
)
def test_appended_stat_table_is_a_section(segmenter, loaded, doc, title):
    sections = segmenter.segment(loaded(doc).text)
    last = sections[-1]
    assert (last.title, last.label, last.level, last.parent) == (
        title,
        "stat_table",
        1,
        None,
    )
    assert last.end == len(loaded(doc).text)


@pytest.mark.parametrize(
    "caption,title",
    [
        # a page lays 附件: out on a line of its own, the caption on the next
        ("附件:\n政府信息公开情况统计表", "附件:政府信息公开情况统计表"),
        ("附件:\n\n政府信息公开情况统计表", "附件:政府信息公开情况统计表"),
        # a converter spreads the caption over a grid's cells and a line break
        (
            "| 附件1:平潭县人民政府 | | 2012年政府信息公开情况统计表 | |",
            "附件1:平潭县人民政府2012年政府信息公开情况统计表",
        ),
        (
            "| 附件1:平潭综合实验区管委会 | 2011年政府信息公开情况 | | |\n统计表",
            "附件1:平潭综合实验区管委会2011年政府信息公开情况统计表",
        ),
    ],
)
def test_a_broken_up_stat_caption_is_one_title(segmenter, caption, title):
    text = (
        "一、概述\n本年共主动公开政府信息25条。\n二、存在的主要问题及改进情况\n"
        "公开内容不够全面。\n" + caption + "\n| 统计指标 | 单位 | 统计数 |\n"
        "| 一、主动公开情况 | —— | |"
    )
    last = segmenter.segment(text)[-1]
    assert (last.title, last.label, last.level) == (title, "stat_table", 1)


@pytest.mark.parametrize(
    "doc", ["pingtan-zone-2018.txt", "huaian-city-2024.pdf", "local-17-2018.txt"]
)
def test_tree_is_well_formed(segmenter, loaded, doc):
    text = loaded(doc).text
    sections = segmenter.segment(text)
    assert sections[0].label == "preamble" and sections[0].start == 0
    by_id = {s.id: s for s in sections}
    for i, section in enumerate(sections):
        assert section.id == f"s{i}"
        assert section.start < section.title_end <= section.end <= len(text)
        assert section.label in ("", "preamble", "stat_table")
        if section.parent is None:
            assert section.level == 1
        else:
            parent = by_id[section.parent]
            assert parent.level == section.level - 1
            assert parent.start < section.start and section.end <= parent.end
    tops = [s for s in sections if s.level == 1]
    assert all(a.end == b.start for a, b in itertools.pairwise(tops))
    assert tops[-1].end == len(text)


def test_whole_run_on_report(segmenter, loaded):
    sections = segmenter.segment(loaded("pingtan-zone-2021.txt").text)
    top = [s.title for s in sections if s.level == 1][1:]
    assert top == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    under_first = [s.title for s in sections if s.parent == sections[1].id]
    assert under_first == [
        "(一)主动公开方面",
        "(二)依申请公开方面",
        "(三)政府信息管理方面",
        "(四)平台载体建设方面",
        "(五)监督保障方面",
    ]


def test_no_headings_is_one_preamble(segmenter, loaded):
    text = loaded("local-03-2010.txt").text
    sections = segmenter.segment(text)
    assert [(s.label, s.start, s.end) for s in sections] == [("preamble", 0, len(text))]


# -- tokenize ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "本报告由概述组成。本报告所列数据的统计期限自2017年1月1日起。",
            ["本报告由概述组成。", "本报告所列数据的统计期限自2017年1月1日起。"],
        ),
        (
            "一、总体情况\n全年主动公开信息5条;答复申请2件!",
            ["一、总体情况", "全年主动公开信息5条;", "答复申请2件!"],
        ),
        ("“公开为常态。”下一步", ["“公开为常态。”", "下一步"]),
        ("  \n\n", []),
    ],
)
def test_sentence_spans(text, expected):
    assert [text[a:b] for a, b in sentence_spans(text)] == expected


def test_tokens_use_the_domain_dictionary():
    text = "依申请公开政府信息21件,政务新媒体2个。\n行政复议 0件"
    report = TokenSegmenter().initialize()(make_report(text))
    words = [text[a:b] for a, b in report.tokens]
    assert "依申请公开" in words and "政务新媒体" in words and "行政复议" in words
    assert all(w.strip() for w in words)
    assert "".join(words) == "".join(text.split())
    assert [text[a:b] for a, b in report.sentences] == [
        "依申请公开政府信息21件,政务新媒体2个。",
        "行政复议 0件",
    ]


def test_tokenizer_is_loaded_once():
    first, second = TokenSegmenter().initialize(), TokenSegmenter().initialize()
    assert first.segmenter is second.segmenter
    assert first.segmenter.name == "rjieba"  # the default of configs/sections.yaml


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_segmenter_setting_picks_the_engine(engine):
    cfg = {"tokenize": {"segmenter": engine, "user_dict": "jieba_dict.txt"}}
    stage = TokenSegmenter(cfg).initialize()
    assert stage.segmenter.name == engine
    assert stage.segmenter is load_segmenter(engine, str(stage.user_dict), True)
    text = "依申请公开政府信息21件,网址www.pingtan.gov.cn,电话0591-24300000。"
    words = [text[a:b] for a, b in stage(make_report(text)).tokens]
    # jieba's words, whichever engine: the domain dictionary, and ASCII runs split
    # at . and - by jieba's HMM rule (jieba-rs alone keeps them whole)
    assert words == [
        "依申请公开", "政府信息", "21", "件", ",", "网址",
        "www", ".", "pingtan", ".", "gov", ".", "cn", ",",
        "电话", "0591", "-", "24300000", "。",
    ]  # fmt: skip


# -- sequences that start again, numbers lost, headings inside a run-on line ----------
RESTARTED = (
    "一、总体情况\n2019年,本局认真贯彻落实《条例》。\n"
    "二、组织保障情况\n成立了领导小组。\n"
    "三、信息发布情况\n全年发布信息56条。\n"
    "一、主动公开政府信息情况\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
    "| 规章 | 0 | 0 | 0 |\n"
    "二、收到和处理政府信息公开申请情况\n本年新收申请3件。\n"
    "三、政府信息公开行政复议、行政诉讼情况\n无。\n"
    "四、存在的主要问题及改进情况\n一是公开内容不够全面。\n"
    "五、其他需要报告的事项\n无。\n"
)


def test_restarted_sequence_keeps_the_rest_of_the_report(segmenter):
    """FIELD-GUIDE class 5: 一、二、三、 of the work done, then the template's 一 …
    五: the second sequence is a new one at the same level, not dropped."""
    assert tree(segmenter, RESTARTED) == [
        ("一、总体情况", 1),
        ("二、组织保障情况", 1),
        ("三、信息发布情况", 1),
        ("一、主动公开政府信息情况", 1),
        ("二、收到和处理政府信息公开申请情况", 1),
        ("三、政府信息公开行政复议、行政诉讼情况", 1),
        ("四、存在的主要问题及改进情况", 1),
        ("五、其他需要报告的事项", 1),
    ]


def test_restart_needs_a_template_heading(segmenter):
    text = "一、总体情况\n正文。\n二、工作措施\n正文。\n一、加强领导\n正文。\n"
    assert [t for t, _ in tree(segmenter, text)] == ["一、总体情况", "二、工作措施"]


def test_headings_whose_numbers_were_lost(segmenter):
    text = (
        "一、主动公开政府信息情况。\n\n()公开的主要内容。\n\n全年发布信息306条。\n\n"
        "()公开形式。\n\n通过网站公开。\n\n二、政府信息公开收费及减免情况。\n\n无。\n"
    )
    assert tree(segmenter, text) == [
        ("一、主动公开政府信息情况", 1),
        ("()公开的主要内容", 2),
        ("()公开形式", 2),
        ("二、政府信息公开收费及减免情况", 1),
    ]


def test_run_on_line_with_template_headings(segmenter):
    text = (
        "一、总体情况 (一)主动公开情况。2020年主动公开信息201条。(二)依申请公开情况。"
        "2020年未收到申请。二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况 "
        "四、政府信息公开行政复议、行政诉讼情况 五、存在的主要问题及改进情况 一是意识不强。"
    )
    assert [t for t, _ in tree(segmenter, text)] == [
        "一、总体情况",
        "(一)主动公开情况",
        "(二)依申请公开情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
    ]
