"""Cleaning: furniture and spam removed and recorded; offsets lead back to the raw text."""

from __future__ import annotations

import pytest
from conftest import ROOT, SAMPLE, make_report

from nlp.io.readers import read_document
from nlp.stages.normalize import (
    _EDGE_NEWLINES,
    _INNER_SPACE,
    Cleaner,
    edge_spaces,
    inner_spaces,
    prose_grid_markup,
)


@pytest.mark.parametrize(
    "raw,gone,kept",
    [
        (
            "在雷速体育,雷速直播新时代中国特色社会主义思想指引下",
            "雷速",
            "在新时代中国特色社会主义思想指引下",
        ),
        ("教育局-凯发k8官网\n\n2019年兵团教育局", "凯发", "教育局\n\n2019年兵团教育局"),
        ("您现在的位置: | 首页 |\n一、总体情况", "位置", "一、总体情况"),
        ("【字体: 打印本页\n正文", "打印", "正文"),
        (
            "(三)接受培训人员数 | 人次 | 50 |\n扫一扫在手机打开当前页",
            "扫一扫",
            "(三)接受培训人员数 | 人次 | 50 |",
        ),
        ("报告 |||||||||||||\n一、概述", "||", "一、概述"),
    ],
)
def test_furniture_and_spam(raw: str, gone: str, kept: str):
    report = Cleaner().initialize()(make_report(raw))
    assert gone not in report.text
    assert kept in report.text
    assert report.removals, "every removal is recorded"
    for removal in report.removals:
        assert raw[removal.raw_start : removal.raw_end] == removal.text


def test_single_pipes_of_table_rows_survive():
    raw = "(二)设置政府信息公开查阅点数 | 2个 |\n(三)从事政府信息公开工作人员数 | 5人 |"
    assert Cleaner().initialize()(make_report(raw)).text == raw


@pytest.mark.parametrize(
    "raw,normalised",
    [
        ("（一）主动公开情况：", "(一)主动公开情况:"),
        ("邮 编 ： 223100 ， 电 话", "邮编:223100,电话"),
        ("主动公开政府信息 1136 条", "主动公开政府信息1136条"),
        (
            "一、本年新收政府信息公开申请数量 21 0 0 0 0 0 21",
            "一、本年新收政府信息公开申请数量21 0 0 0 0 0 21",
        ),
    ],
)
def test_normalisation(raw: str, normalised: str):
    assert Cleaner().initialize()(make_report(raw)).text == normalised


@pytest.mark.parametrize("name", [p.name for p in sorted(SAMPLE.iterdir())])
def test_offset_map_leads_back_to_raw(name: str, loaded):
    import unicodedata

    import opencc

    report = loaded(name)
    raw = read_document(SAMPLE / name).text
    to_simplified = opencc.OpenCC("t2s").convert
    checked = 0
    for i in range(0, len(report.text), 97):
        ch = report.text[i]
        j = report.raw_offset(i)
        if j is None or ch.isspace():
            continue
        # The character itself, its NFKC form, or (a report in traditional script)
        # its simplified form.
        source = unicodedata.normalize("NFKC", raw[j])
        assert ch in source + to_simplified(source), (i, ch, raw[j])
        checked += 1
    assert checked > 0


def test_crawler_header_is_removed_but_recorded(loaded):
    report = loaded("pingtan-zone-2019.txt")
    assert not report.text.startswith("标题")
    assert any(r.rule == "crawler_header" for r in report.removals)
    assert report.text.startswith("平潭综合实验区2019年政府信息公开工作年度报告")


@pytest.mark.parametrize(
    "raw, fmt, expected",
    [
        # A blank cell of a table row stays a cell (class 1 of the field guide).
        ("| 规章 | 4 |  | 9 |", "md", "| 规章 | 4 | | 9 |"),
        # The Markdown header separator is no row; neither is a dashed page number.
        (
            "| 规章 | 4 |\n|---|:---:|\n| 行政许可 | 5 |",
            "md",
            "| 规章 | 4 |\n| 行政许可 | 5 |",
        ),
        (
            "| 4.无正当理由 | 0 |\n- 3 -\n| 5.要求 | 1 |",
            "md",
            "| 4.无正当理由 | 0 |\n| 5.要求 | 1 |",
        ),
        # One cell a line: empty lines before a value are blank cells and stay.
        ("一、本年新收\n412\n20\n\n\n3", "txt", "一、本年新收\n412\n20\n\n\n3"),
        ("一、概述\n\n\n\n二、主动公开", "txt", "一、概述\n\n二、主动公开"),
    ],
)
def test_table_cells_survive_cleaning(raw: str, fmt: str, expected: str):
    report = make_report(raw)
    report.source.format = fmt
    assert Cleaner().initialize()(report).text == expected


def test_text_converted_from_a_pdf_is_joined_like_a_pdf(loaded):
    # markitdown's Markdown of a PDF keeps the PDF's hard wraps (field guide class 18):
    # the lines are joined as the PDF's own, so a sentence is whole again.
    from conftest import ROOT, clean_report

    path = ROOT / "corpora" / "layouts" / "md" / "hongze-district-2024.md"
    text = clean_report(path).text
    assert "2024年,区政府办代表区政府受理政府信息公开申请17件" in text
    assert "严格执行“分级审核、先审后发”程序" in text
    assert "- 1 -" not in text


def test_a_converters_grid_of_running_text_is_read_as_prose():
    # MarkItDown takes wrapped PDF lines for a grid (| 年共收到申请 |  | 7 条,网上申 |):
    # the markup goes, the lines join, and the sentence is whole again.
    from conftest import clean_report

    md = ROOT / "corpora" / "layouts" / "md"
    text = clean_report(md / "pingtan-county-2013.md").text
    assert (
        "2013年全县共收到有关政府信息公开的申请7条,网上申请数3条,信函申请数4条" in text
    )
    text = clean_report(md / "pingtan-zone-2012.md").text
    assert "2012年主动公开政府信息1913条" in text
    # The statistical table of the same file keeps its markup for the table reader.
    assert "| 2.政府网站公开政府信息数 | | 条 | 739 |" in text


def test_a_number_cut_from_its_measure_word_is_running_text():
    # A converter splits a line at the gap around a digit run (| 2018 | 年…): a table
    # cell never starts with the measure word of the number before it and goes on.
    grid = (
        "| 一、临北回族乡 | | 2018 | 年政府信息公开基本情况 | |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| 2018 | 年我乡认真贯彻落实《条例》 | | | |"
    )
    assert prose_grid_markup(grid)
    report = make_report("前言。\n" + grid + "\n")
    report.source.format = "md"
    text = Cleaner().initialize()(report).text
    assert "一、临北回族乡2018年政府信息公开基本情况" in text
    assert "|" not in text


def test_a_clause_comma_in_a_cell_is_running_text():
    # A row of one wrapped line (| 程进行了精简和优化,其中 | | 7个服务事项… |): a comma
    # between Chinese words outside brackets is no table label's.
    assert prose_grid_markup(
        "| 程进行了精简和优化,其中 | | 7个服务事项全面实现网上申报 | |"
    )
    assert not prose_grid_markup("| (二)部分公开(区分处理的,只计这一情形) | 件 | 3 |")


@pytest.mark.parametrize(
    "raw,expected",
    [
        # a page break between a number and its measure word: the page number goes, and
        # the break with it
        (
            "主动公开政府信息 873\n- 1 -\n\n条,回应公众关注热点6次。",
            "主动公开政府信息873条,回应公众关注热点6次。",
        ),
        ("共受理申请 17\n件。其中网上申请5件。", "共受理申请17件。其中网上申请5件。"),
        # a paragraph that opens with such a word but no clause mark after it stays
        (
            "电话:0591-23165250\n\n项目建设方面,全年公开信息5条。",
            "电话:0591-23165250\n\n项目建设方面,全年公开信息5条。",
        ),
    ],
)
def test_a_number_and_its_measure_word_are_not_parted_by_a_break(raw, expected):
    report = make_report(raw)
    report.source.format = "md"
    assert Cleaner().initialize()(report).text == expected


def test_a_pdf_set_one_line_a_paragraph_is_joined(loaded):
    # A converter gives each wrapped line of the PDF a paragraph of its own: the
    # blank lines are line breaks there, and the sentence is whole again.
    from conftest import clean_report

    md = ROOT / "corpora" / "layouts" / "md"
    text = clean_report(md / "liaoning-lsj-2018.md").text
    assert "通过原省农委网站公开信息数1312条" in text
    assert "高度重视政务公开工作,把推进政务公开工作作为新组建后首要的工作任务" in text
    # a short report makes the case with fewer lines: the double setting is itself
    # a converter's mark
    text = clean_report(md / "yaohai-mzj-2017.md").text
    assert "2017年度我局公开依申请信息2条,处理依申请公开网路申请1件" in text


def test_a_sentence_goes_on_over_a_page_break(loaded):
    # The page's last line is full and ends mid-sentence; the page number between
    # is gone and the blank line it leaves is no paragraph break.
    from conftest import clean_report

    md = ROOT / "corpora" / "layouts" / "md"
    text = clean_report(md / "pingtan-zone-2022.md").text
    assert "动态更新本年度制发的规范性文件88件。二是做好各类规划公开" in text
    assert "- 1 -" not in text


def test_written_markdown_keeps_its_paragraphs():
    # Markdown written as such: one paragraph a line, blank lines between. Its lines
    # end with their sentences, so the blank lines are paragraph breaks and stay.
    paragraphs = [
        f"第{n}段落的内容说明了本机关政府信息公开工作的情况。" for n in range(30)
    ]
    report = make_report("\n\n".join(paragraphs))
    report.source.format = "md"
    assert Cleaner().initialize()(report).text == "\n\n".join(paragraphs)


def test_markdown_heading_marks_are_markup():
    report = make_report("## 一、主动公开政府信息情况\n### ()公开的主要内容。\n正文。")
    report.source.format = "md"
    text = Cleaner().initialize()(report).text
    assert text.startswith("一、主动公开政府信息情况\n()公开的主要内容。")
    report = make_report("# 不是标题的井号\n正文。")
    report.source.format = "txt"  # only Markdown has this markup
    assert Cleaner().initialize()(report).text.startswith("# 不是标题")


@pytest.mark.parametrize(
    "grid",
    [
        # A statistical table: numbers alone in their cells, stops only in label notes.
        (
            "| 统计指标 | 单位 | 统计数 |\n|---|---|---|\n"
            "| (二)部分公开(区分处理的,只计这一情形,不计其他情形) | 件 | 3 |\n"
            "| 1.属于国家秘密 | 件 | 0 |\n| 2.其他法律行政法规禁止公开 | 件 | 12 |"
        ),
        # A unit column after a number column: the unit stands alone in its cell.
        (
            "| 指标名称 | 2011年度 | 计量单位 |\n|---|---|---|\n"
            "| 主动公开信息数 | 425 | 条 |\n| 其中:网站公开 | 418 | 条 |"
        ),
        # Table 三 with its group label set one character a row (三 / 、 / 本 / 年).
        (
            "| 三 | 6.属于四类过程性信息 | 0 0 | 0 |\n| --- | --- | --- | --- |\n"
            "| 、 | 7.属于行政执法案卷 | 0 0 | 0 |\n| 本 | 8.属于行政查询事项 | 0 0 | 0 |"
        ),
    ],
)
def test_a_statistical_table_keeps_its_markup(grid: str):
    assert prose_grid_markup(grid) == []
    report = make_report(grid)
    report.source.format = "md"
    text = Cleaner().initialize()(report).text
    for row in grid.splitlines():
        assert row in text or "---" in row, row


def test_no_hand_written_table_is_taken_for_prose():
    for path in sorted((ROOT / "corpora" / "layouts" / "md_pipe").glob("*.md")):
        assert prose_grid_markup(path.read_text(encoding="utf-8")) == [], path.name


def test_line_width_is_measured_as_printed(loaded):
    # Digits are half as wide as Chinese characters: a line with a number in it is
    # not longer on the page than a Chinese line of as many characters, so the full
    # width is a Chinese line's and a full Chinese line is joined to the next.
    from conftest import clean_report

    path = ROOT / "corpora" / "layouts" / "pdf" / "pingtan-zone-2012.pdf"
    text = clean_report(path).text
    assert "通过“中国平潭网”门户网站公开政府信息3636条" in text


_FULL = "这是一行排满了的中文文字用来确定整行宽度共二十五个字的样子"


@pytest.mark.parametrize(
    "last,nxt,joined",
    [
        # An address that would not fit: the breaker moved it down whole.
        (
            "报告的电子版可在门户网站(http://",
            "www.example-county.gov.cn/)上下载。",
            True,
        ),
        # A heading, then a paragraph that starts with a year that would have fit.
        ("二、政府依申请公开政府信息情况", "2013年,我镇未收到申请。", False),
    ],
)
def test_a_line_ended_before_a_word_that_did_not_fit_is_joined(last, nxt, joined):
    raw = "\n".join([_FULL] * 24 + [last, nxt])
    report = make_report(raw)
    report.source.format = "pdf"
    text = Cleaner().initialize()(report).text
    assert (last + nxt in text) is joined, text[-80:]


_TEXTS = [
    path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((ROOT / "corpora").rglob("*"))
    if path.suffix in (".txt", ".md", ".html", ".htm") and path.is_file()
]


@pytest.mark.parametrize(
    "text",
    [*_TEXTS, "", " \t\n", "\n\n 中 文 1 2 、 。 \n", "\u3000a\u3000", "x\xa0\xa0中 "],
)
def test_space_scans_are_the_patterns_they_replace(text):
    assert inner_spaces(text) == [m.span() for m in _INNER_SPACE.finditer(text)]
    assert edge_spaces(text) == [m.span() for m in _EDGE_NEWLINES.finditer(text)]
