"""Reading every input format; encodings detected, not assumed; bad files reported."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import SAMPLE, clean_report

from nlp.errors import IngestError
from nlp.io.readers import read_document

REPORT = "local-17-2018.txt"  # short, clean, with problems and improvements


def _utf8(name: str = REPORT) -> str:
    return (SAMPLE / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "encoding,prefix",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # UTF-8 with BOM
        ("gb18030", b""),
        ("gbk", b""),
        ("utf-16", b""),  # Python writes a BOM
        ("utf-16-le", b""),  # no BOM: detected from the NUL pattern
    ],
)
def test_encodings_give_the_same_text(tmp_path: Path, encoding: str, prefix: bytes):
    original = clean_report(SAMPLE / REPORT)
    path = tmp_path / REPORT
    path.write_bytes(prefix + _utf8().encode(encoding))
    converted = clean_report(path)
    assert converted.text == original.text
    assert converted.errors == []


def test_gb18030_copy_of_a_crawled_report(tmp_path: Path):
    name = "000_8ef287be2d4f18ab.txt"
    original = clean_report(SAMPLE / name)
    path = tmp_path / name
    path.write_bytes(_utf8(name).encode("gb18030"))
    copy = clean_report(path)
    assert copy.source.encoding == "gb18030"
    assert copy.text == original.text


def test_big5_traditional_report_becomes_simplified(tmp_path: Path):
    import opencc

    traditional = opencc.OpenCC("s2t").convert(_utf8())
    path = tmp_path / "big5.txt"
    path.write_bytes(traditional.encode("big5hkscs", errors="replace"))
    report = clean_report(path)
    assert report.source.encoding.startswith("big5")
    assert "存在的主要问题及改进措施" in report.text
    assert "主动公开政府信息2092条" in report.text
    # The offset map still leads back into the raw (traditional) text.
    i = report.text.index("改进措施")
    raw = read_document(path).text
    assert raw[report.raw_offset(i)] == "改"


def test_html_page_keeps_body_and_table_rows(tmp_path: Path):
    lines = [
        line for line in _utf8("004_15ed71d81f93ac9f.txt").splitlines() if line.strip()
    ]
    prose = [line for line in lines if "|" not in line]
    rows = [line for line in lines if "|" in line]
    body = "".join(f"<p>{line}</p>" for line in prose)
    table = "".join(
        "<tr>"
        + "".join(f"<td>{c.strip()}</td>" for c in row.split("|") if c.strip())
        + "</tr>"
        for row in rows
    )
    page = (
        '<html><head><meta charset="gb2312"><title>t</title><script>var a=1;</script></head>'
        '<body><div class="nav">首页 | 政务公开 | 网站地图</div>'
        f'<div class="content">{body}<table>{table}</table></div>'
        '<div class="footer">版权所有 主办单位</div></body></html>'
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gb18030"))
    report = clean_report(path)
    assert report.source.format == "html"
    assert "var a" not in report.text and "版权所有" not in report.text
    assert "网站地图" not in report.text
    assert "一、概述" in report.text
    assert "2.政府网站在线访谈次数 | 次 | 0 |" in report.text


def test_docx_paragraphs_and_tables(tmp_path: Path):
    import docx

    document = docx.Document()
    for line in _utf8().splitlines()[:8]:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=3)
    for i, row in enumerate(
        [("指标", "单位", "数量"), ("主动公开政府信息数", "条", "2092")]
    ):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "report.docx"
    path.write_bytes(buffer.getvalue())
    report = clean_report(path)
    assert report.source.format == "docx"
    assert "一、临北回族乡2018年政府信息公开基本情况" in report.text
    assert "主动公开政府信息数 | 条 | 2092 |" in report.text


def test_markdown_pipe_table(tmp_path: Path):
    path = tmp_path / "report.md"
    path.write_text(
        "# 某县2019年政府信息公开工作年度报告\n\n一、总体情况\n\n| 信息内容 | 本年新制作数量 |\n"
        "|---|---|\n| 规章 | 0 |\n",
        encoding="utf-8",
    )
    report = clean_report(path)
    assert report.source.format == "md"
    assert "| 规章 | 0 |" in report.text


def test_pdf_pages_without_running_page_numbers(loaded):
    report = loaded("hongze-district-2023.pdf")
    assert len(report.source.pages) == 5
    assert "- 1 -" not in report.text and "- 3 -" not in report.text
    assert [r.kind for r in report.removals].count("page_number") == 5
    # A sentence broken over a page boundary is joined again.
    assert "严格执行“分级审核、先审后发”程序" in report.text


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("garbage.txt", bytes(range(256)) * 20, "binary"),
        (
            "truncated.pdf",
            (SAMPLE / "hongze-district-2024.pdf").read_bytes()[:3000],
            "pdf",
        ),
        ("not-a-pdf.pdf", b"hello", "pdf"),
        ("report.xyz", "一、总体情况".encode(), "unknown_format"),
        ("broken.docx", b"PK\x03\x04 not a zip", "docx"),
    ],
)
def test_bad_files_raise_a_clear_error(
    tmp_path: Path, name: str, content: bytes, code: str
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as error:
        read_document(path)
    assert error.value.reason == code
    assert str(error.value).startswith(f"[{error.value.code}]")
    assert name in str(error.value)


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path):
    # A scanned report is pages of images: no text layer to read.
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    document.new_page(595, 842)
    path = tmp_path / "scanned.pdf"
    with path.open("wb") as handle:
        document.save(handle)
    with pytest.raises(IngestError) as error:
        read_document(path)
    assert error.value.reason == "no_text"
    assert error.value.code == "E105"
    assert "scanned.pdf" in str(error.value) and "OCR" in str(error.value)


def test_html_spans_are_explicit_blank_cells(tmp_path: Path):
    # A CMS table: a caption over four columns, a row label over two rows, a value
    # over two columns, a blank written as &nbsp;.
    page = (
        "<html><body><table>"
        '<tr><td colspan="4">第二十条第（一）项</td></tr>'
        '<tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td>'
        "<td>&nbsp;</td></tr>"
        '<tr><td>（二）部分公开</td><td colspan="2">7</td></tr>'
        "</table></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    lines = [line for line in read_document(path).text.splitlines() if "|" in line]
    assert lines == [
        "| 第二十条第（一）项 |  |  |  |",
        "| 三、本年度办理结果 | （一）予以公开 | 5 |  |",
        "|  | （二）部分公开 | 7 |  |",
    ]


def test_docx_merged_cells_are_explicit_blank_cells(tmp_path: Path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(0, 3)).text = "第二十条第（一）项"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"
    for (i, j), value in {
        (1, 1): "（一）予以公开",
        (1, 2): "5",
        (2, 1): "（二）部分公开",
    }.items():
        table.cell(i, j).text = value
    table.cell(2, 2).merge(table.cell(2, 3)).text = "7"
    buffer = io.BytesIO()
    document.save(buffer)
    path = tmp_path / "report.docx"
    path.write_bytes(buffer.getvalue())
    lines = [line for line in read_document(path).text.splitlines() if "|" in line]
    assert lines == [
        "| 第二十条第（一）项 |  |  |  |",
        "| 三、本年度办理结果 | （一）予以公开 | 5 |  |",
        "|  | （二）部分公开 | 7 |  |",
    ]
