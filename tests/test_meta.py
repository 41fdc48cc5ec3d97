"""Metadata: agency, report year (statistics year, not publication), template era."""

from __future__ import annotations

import json

import pytest
from conftest import GOLD, ROOT, make_report

from nlp.evaluation.scorers import fold
from nlp.records import Source
from nlp.stages.meta import MetaExtractor
from nlp.stages.meta.agency import same_agency
from nlp.stages.meta.agency_finder import abbreviates
from nlp.stages.meta.stage import _TITLE, prose_titles

HELDOUT = GOLD.parent / "heldout"


def _corpus_texts():
    for path in sorted((ROOT / "corpora").rglob("*")):
        if path.suffix in (".txt", ".md", ".html", ".htm") and path.is_file():
            yield path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(
    "text",
    [
        *_corpus_texts(),
        # spaces and tabs before the year; a title whose first year is not its own
        "某某县 \t 2019年政府信息公开工作年度报告",
        "发布 2018-2019 某县教育局2019年度政府信息公开工作报告",
        "x" * 45 + "2020年政府信息公开年报" + "y" * 39 + "2021年2022年政务公开报告",
    ],
)
def test_prose_titles_are_the_title_pattern_matches(text):
    for end in (1500, len(text)):
        expected = [(m.span(), m.groups()) for m in _TITLE.finditer(text, 0, end)]
        assert [(m.span(), m.groups()) for m in prose_titles(text, end)] == expected


def test_agency_mentions_are_the_agency_pattern_matches():
    finder = MetaExtractor().initialize().agencies
    texts = [*_corpus_texts(), "衡阳市教育局和县人民政府办公室" * 3, "局" * 40]
    for text in texts:
        expected = [m.span() for m in finder.agency_pattern.finditer(text)]
        assert [m.span() for m in finder._mentions(text)] == expected


GOLD_FILES = [
    pytest.param(p, id=p.name.split(".gold")[0])
    for p in [*sorted(GOLD.glob("*.gold.json")), *sorted(HELDOUT.glob("*.gold.json"))]
]


@pytest.mark.parametrize("gold_file", GOLD_FILES)
def test_meta_matches_gold(gold_file, loaded):
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    meta = MetaExtractor().initialize()(loaded(gold["doc"])).meta
    assert meta.year == gold["meta"]["year"]
    assert meta.template == gold["meta"]["template"]
    expected = gold["meta"].get("agency")
    if expected is None:  # the report does not say (gongxian): neither may we
        assert meta.agency is None
    else:
        names = [fold(n) for n in (meta.agency, meta.agency_printed) if n]
        assert any(same_agency(fold(expected), n) for n in names), meta


@pytest.mark.parametrize(
    "text,agency,year,template",
    [
        (
            "衡阳市民政局2017年政府信息公开年度报告\n(2018年3月8日)\n",
            "衡阳市民政局",
            2017,
            "pre2019",
        ),
        ("2019年兵团教育局政府信息公开工作年度报告\n", "兵团教育局", 2019, "2019"),
        (
            "洪泽区人民政府\n2023年政府信息公开工作年度报告\n本报告...统计期限自2023年1月1日起至2023年12月31日止。",
            "洪泽区人民政府",
            2023,
            "2021",
        ),
        # The statistics year wins over the title's publication-year wording.
        (
            "某镇2020年政府信息公开工作年度报告\n本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。",
            "某镇",
            2019,
            "2019",
        ),
        # 2021+ report on the 2019 table layout: the template is what the tables follow.
        (
            "某县2022年政府信息公开工作年度报告\n信息内容 本年新制作数量 本年新公开数量 对外公开总数量\n",
            "某县",
            2022,
            "2019",
        ),
    ],
)
def test_meta_from_snippets(text, agency, year, template):
    meta = MetaExtractor().initialize()(make_report(text)).meta
    assert (meta.agency, meta.year, meta.template) == (agency, year, template)


def test_published_date_from_page_header(loaded):
    assert (
        MetaExtractor().initialize()(loaded("pingtan-zone-2019.txt")).meta.published
        == "2020-01-20"
    )


# -- the agency on shapes of page the gold does not have (invented names, real forms) --
def _meta(
    text: str,
    title: str | None = None,
    path: str = "page.txt",
    **source,
):
    report = make_report(text)
    report.source = Source(path=path, sha256="", format="txt", title=title, **source)
    return MetaExtractor().initialize()(report).meta


# A crawl dump named after one agency holds rows of many: a row's agency is never the
# dump's file name, while a report file named so is read as its agency.
DUMP_ROW_TEXT = "一、总体情况\n本年度,我局主动公开信息120条。\n"


def test_a_dump_rows_agency_is_not_the_dump_file_name():
    as_file = _meta(
        DUMP_ROW_TEXT, path="江西省民政厅2019年政府信息公开工作年度报告.txt"
    )
    assert as_file.agency == "江西省民政厅"
    as_row = _meta(
        DUMP_ROW_TEXT, path="江西省民政厅2019年政府信息公开工作年度报告.csv", row=3
    )
    assert as_row.agency is None


def test_year_and_date_from_a_dump_rows_title_and_date_columns():
    meta = _meta(
        DUMP_ROW_TEXT,
        title="江西省民政厅2019年政府信息公开工作年度报告",
        path="dump.jsonl",
        row=1,
        published="2020/1/20 09:30",
    )
    assert (meta.year, meta.published) == (2019, "2020-01-20")
    assert meta.evidence.year is None  # not read from the text
    # No title, a date only: the year before the date's (reports come out in Q1).
    meta = _meta(DUMP_ROW_TEXT, path="dump.jsonl", row=2, published="2021-03-01")
    assert (meta.year, meta.published) == (2020, "2021-03-01")
    assert _meta(DUMP_ROW_TEXT, path="d.csv", row=4, published="n/a").published is None


def test_agency_from_the_page_title_when_the_text_has_none():
    meta = _meta(
        "一、总体情况\n2019年,我厅认真贯彻落实《条例》,主动公开信息120条。\n",
        title="江西省民政厅2019年政府信息公开工作年度报告_江西省民政厅",
    )
    assert (meta.agency, meta.agency_source) == ("江西省民政厅", "page_title")


def test_abbreviated_department_completed_from_the_province_named():
    text = (
        "省交通运输厅2020年政府信息公开工作年度报告\n"
        "2020年,在江西省委、江西省政府的领导下,我厅主动公开信息300条。\n"
    )
    meta = _meta(text)
    assert meta.agency == "江西省交通运输厅"
    assert meta.agency_printed == "省交通运输厅"


def test_abbreviated_department_expanded_from_its_full_name_in_the_text():
    text = (
        "县人社局2018年政府信息公开工作年度报告\n"
        "2018年,武宁县人力资源和社会保障局主动公开信息80条。\n"
    )
    meta = _meta(text)
    assert meta.agency == "武宁县人力资源和社会保障局"
    assert meta.agency_printed == "县人社局"


def test_department_abbreviation_spelt_out_in_the_canonical_name():
    meta = _meta("永修县卫健委2021年政府信息公开工作年度报告\n一、总体情况\n")
    assert meta.agency == "永修县卫生健康委员会"
    assert meta.agency_printed == "永修县卫健委"


@pytest.mark.parametrize(
    "text",
    [
        # navigation words that end like an agency
        "首页 > 网上服务大厅 > 政务公开\n一、总体情况\n我局主动公开信息20条。\n",
        # a name without its own place: which 区? (a wrong name is worse than none)
        "区司法局2019年政府信息公开工作年度报告\n一、总体情况\n主动公开信息5条。\n",
        # mirror spam in a simplified page: traditional-only characters
        "一、总体情况\n我局主动公开信息20条。\n版权所有:澳门新葡京娛樂城办公厅\n",
        "一、总体情况\n我局主动公开信息20条,澳門市娛樂城管理局,澳門市娛樂城管理局。\n",
        # 省…厅 where the text names two provinces: which one?
        (
            "省交通运输厅2020年政府信息公开工作年度报告\n"
            "江西省、湖南省、江西省、湖南省交界路段,我厅主动公开信息300条。\n"
        ),
        # only 我局, and no name it could stand for
        "一、总体情况\n2020年,我局没有依申请公开事项。\n",
    ],
)
def test_no_agency_rather_than_a_wrong_one(text):
    assert _meta(text).agency is None


def test_title_and_signature_naming_two_agencies_give_none_with_both():
    text = (
        "德安县审计局2019年政府信息公开工作年度报告\n一、总体情况\n主动公开信息5条。\n"
        "德安县统计局\n2020年1月10日\n"
    )
    meta = _meta(text)
    assert meta.agency is None
    assert {"德安县审计局", "德安县统计局"} <= set(meta.agency_candidates)


def test_signature_when_the_title_names_no_agency():
    text = (
        "2019年政府信息公开工作年度报告\n一、总体情况\n我办主动公开信息12条。\n"
        "九江市人民防空办公室\n2020年1月15日\n"
    )
    meta = _meta(text)
    assert (meta.agency, meta.agency_source) == ("九江市人民防空办公室", "signature")
    assert text[slice(*meta.evidence.agency)] == "九江市人民防空办公室"


def test_government_and_the_office_signing_for_it_agree():
    text = (
        "瑞昌市人民政府2019年政府信息公开工作年度报告\n一、总体情况\n"
        "瑞昌市人民政府办公室\n2020年1月20日\n"
    )
    assert _meta(text).agency == "瑞昌市人民政府"


def test_body_name_backed_by_the_self_reference():
    text = (
        "2018年政府信息公开工作年度报告\n本报告依据湖口县水利局2018年工作情况编制。"
        "2018年,我局主动公开信息35条,湖口县水利局网站发布动态20条。\n"
    )
    assert _meta(text).agency == "湖口县水利局"


@pytest.mark.parametrize(
    "short,full,expected",
    [
        ("省粮食和储备局", "辽宁省粮食和物资储备局", True),
        ("区司法局", "锡山区司法局", True),
        ("南山区安监局", "南山区安全生产监督管理局", True),
        ("淮安市人民政府", "淮安市洪泽区人民政府", False),  # a place added inside
        ("市教育局", "衡阳市民政局", False),
        ("平潭综合实验区", "栏目可以查阅平潭综合实验区", False),  # prose in front
    ],
)
def test_abbreviates(short, full, expected):
    assert abbreviates(short, full) is expected


def test_html_title_is_read_into_source_title():
    from nlp.io.readers import load_report

    path = GOLD.parent / "layouts" / "html" / "local-19-2018.html"
    report = load_report(path)
    assert report.source.title == "2018年建新镇政府信息公开工作年度报告"
