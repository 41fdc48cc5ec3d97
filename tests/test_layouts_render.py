"""The layout round-trip renderers (nlp.evaluation.layouts) on real reports."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html

from nlp.evaluation.layouts import build_document, check_document
from nlp.evaluation.layouts.build import gold_files, load_documents
from nlp.evaluation.layouts.docx import build_docx
from nlp.evaluation.layouts.html import render_page, variant
from nlp.evaluation.layouts.regions import load as load_regions
from nlp.evaluation.layouts.templates import build_tables, format_value
from nlp.evaluation.layouts.text import cell_per_line, md_pipe, run_together

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"
GOLD_DIRS = [ROOT / "corpora" / "gold", ROOT / "corpora" / "heldout"]
REGIONS = ROOT / "corpora" / "layouts" / "regions.yaml"
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed"
)


def _gold_path(name: str) -> Path:
    return next(
        d / f"{name}.gold.json" for d in GOLD_DIRS if (d / f"{name}.gold.json").exists()
    )


def _gold(name: str) -> dict:
    return json.loads(_gold_path(name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def docs():
    regions = load_regions(REGIONS)
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = build_document(SAMPLE / name, _gold_path(name), regions[name])
        return cache[name]

    return get


def test_every_report_is_reviewed_and_keeps_its_gold():
    regions = load_regions(REGIONS)
    assert len(gold_files(GOLD_DIRS)) == 43
    assert all(
        regions[g.name[: -len(".gold.json")]]["reviewed"] for g in gold_files(GOLD_DIRS)
    )
    docs = load_documents(SAMPLE, GOLD_DIRS, REGIONS)  # raises on any lost gold
    assert len(docs) == 43
    assert all(not check_document(d) for d in docs)


def test_templates_print_every_gold_cell():
    for g in gold_files(GOLD_DIRS):
        gold = json.loads(g.read_text(encoding="utf-8"))
        printed = {}
        for table in build_tables(gold["meta"]["template"], gold["cells"]).values():
            printed.update(table.values())
        for ind, value in gold["cells"].items():
            assert printed[ind] == format_value(value), (g.name, ind)


def test_package_imports_no_other_nlp_module():
    folder = ROOT / "nlp" / "evaluation" / "layouts"
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+nlp\b", text, re.MULTILINE), (
            path.name
        )


def test_pingtan_one_line_crawl_is_split_at_its_headings(docs):
    doc = docs("pingtan-zone-2021.txt")
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == ["一、总体情况", "二、主动公开政府信息情况"]
    # a run-in heading (（一）主动公开方面。全年…) starts its own paragraph
    assert any(
        b.kind == "paragraph" and b.text.startswith("（一）主动公开方面。")
        for b in doc.blocks
    )
    assert [b.kind for b in doc.blocks].count("table") == 3
    # the page title stood only in the crawl's breadcrumb furniture (set aside)
    assert doc.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert doc.furniture_top[0].startswith("当前位置：")


def test_docx_has_merged_headers_and_gold_values_in_place(docs, tmp_path):
    doc = docs("huaian-city-2024.pdf")
    gold = _gold("huaian-city-2024.pdf")
    out = tmp_path / "r.docx"
    out.write_bytes(build_docx(doc))
    word = docx.Document(str(out))
    tables = {t.kind: t for t in doc.tables()}
    t3 = word.tables[1]
    xml = t3._tbl.xml
    assert 'w:gridSpan w:val="7"' in xml  # 申请人情况 over the seven columns
    assert 'w:gridSpan w:val="5"' in xml  # 法人或其他组织
    assert "<w:vMerge/>" in xml and 'w:vMerge w:val="restart"' in xml
    assert "<w:tblHeader" in xml  # header rows repeat after page breaks
    assert t3.cell(0, 0).text.startswith("（本列数据的勾稽关系")
    assert t3.cell(3, 0).text == "一、本年新收政府信息公开申请数量"
    for kind, wt in (("t2", word.tables[0]), ("t3", t3), ("t4", word.tables[2])):
        for row in tables[kind].grid():
            for slot in row:
                if slot.anchor and slot.cell.indicator in gold["cells"]:
                    expected = format_value(gold["cells"][slot.cell.indicator])
                    assert wt.cell(slot.row, slot.col).text == expected
    assert word.core_properties.created.year == 2025


def test_docx_bytes_are_deterministic(docs):
    doc = docs("pingtan-zone-2019.txt")
    assert build_docx(doc) == build_docx(doc)


def test_html_has_spans_nbsp_and_declared_charset(docs):
    doc = docs("pingtan-zone-2025.txt")  # its gold leaves 行政规范性文件 blank
    page, charset, codec = render_page(doc)
    assert f"charset={charset}" in page
    assert 'rowspan="22"' in page  # 三、本年度办理结果 over its 22 rows (2021)
    assert 'rowspan="8"' in page and 'colspan="10"' in page  # 不予公开; 行政诉讼
    assert "&nbsp;" in page
    tree = lxml_html.fromstring(
        page.encode(codec), parser=lxml_html.HTMLParser(encoding=codec)
    )
    first = tree.xpath("//table")[0]
    assert "第二十条第（一）项" in first.text_content()
    caption = first.xpath(".//tr[1]/td")[0]
    assert caption.get("colspan") == "4"
    assert tree.xpath("//div[@class='breadcrumb']")


def test_some_html_pages_are_gbk_encoded(docs):
    regions = load_regions(REGIONS)
    gbk = [n for n in regions if variant(docs(n))[1] == "gbk"]
    assert gbk
    page, charset, codec = render_page(docs(gbk[0]))
    assert charset in ("gb2312", "gbk")
    assert page.encode(codec, errors="xmlcharrefreplace").decode(codec)


def test_run_together_holds_the_digit_runs(docs):
    text = run_together(docs("pingtan-zone-2021.txt"))
    # as the crawled page printed it: 64 0 0 2 0 4 70
    assert "一、本年新收政府信息公开申请数量640020470二、上年结转" in text
    assert "行政许可2293第二十条第（六）项" in text
    table_lines = [x for x in text.splitlines() if "结果维持" in x]
    assert table_lines and table_lines[0].endswith("10203120001200000")


def test_cell_per_line_and_md_pipe(docs):
    doc = docs("pingtan-zone-2014.txt")  # a pre-2019 统计表 with many blank cells
    lines = cell_per_line(doc).splitlines()
    i = lines.index("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）")
    assert lines[i + 1 : i + 3] == ["条", "2543"]
    md = md_pipe(doc)
    assert "| 统计指标 | 单位 | 统计数 |\n|---|---|---|" in md
    assert "|  |" in md
    assert "| 2.政府网站公开政府信息数 | 条 | 2543 |" in md


@needs_soffice
def test_pdf_has_a_chinese_text_layer_with_the_gold_values(docs, tmp_path):
    from nlp.evaluation.layouts.pdf import convert, text_layer

    doc = docs("pingtan-zone-2021.txt")
    gold = _gold("pingtan-zone-2021.txt")
    src = tmp_path / "pingtan-zone-2021.docx"
    src.write_bytes(build_docx(doc))
    (pdf,) = convert([src], tmp_path / "a")
    layer = text_layer(pdf)
    assert "\ufffd" not in layer
    assert len(re.findall(r"[\u4e00-\u9fff]", layer)) > 1000
    squashed = re.sub(r"\s+", "", layer)
    assert "收到和处理政府信息公开申请情况" in squashed
    for ind in ("t2.fees.amount", "t2.licensing.decisions", "t3.total.total"):
        assert format_value(gold["cells"][ind]) in layer
    (again,) = convert([src], tmp_path / "b")
    assert again.read_bytes() == pdf.read_bytes()  # dates and /ID normalised


@needs_soffice
def test_md_converter_writes_pipe_tables(docs, tmp_path):
    pytest.importorskip("markitdown")
    from nlp.evaluation.layouts.markdown import pdf_to_markdown
    from nlp.evaluation.layouts.pdf import convert

    src = tmp_path / "hongze.docx"
    src.write_bytes(build_docx(docs("hongze-district-2023.pdf")))
    (pdf,) = convert([src], tmp_path)
    md = pdf_to_markdown(pdf)
    assert re.search(r"^\| .* \|$", md, re.MULTILINE)
    assert re.search(r"^\| -+ \|", md, re.MULTILINE)
    assert "7730.28" in md and "行政事业性收费" in md
