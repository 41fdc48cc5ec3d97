"""``docx``: the report as a Word document (python-docx).

Laid out like a government 公文: A4, a centred 小标宋 title, 黑体/楷体 headings (Word's
Heading 1-3 styles, restyled black), 仿宋 body paragraphs with a two-character first-line
indent, ``- N -`` page numbers in the footer. Tables use the "Table Grid" style with the
template's spans as real merges (``gridSpan`` across, ``vMerge`` down); header rows are
marked to repeat after page breaks. The file is deterministic: core properties carry
fixed dates and the zip entries a fixed timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .model import Block, Document, Table

FIXED = dt.datetime(2025, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "宋体"
TEXT_WIDTH = 15.6
HEADING_FONT = {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312"}


def _fonts(
    run_or_style: object,
    east_asia: str,
    size: float | None = None,
    bold: bool | None = None,
) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), east_asia)
    rfonts.set(qn("w:hAnsi"), east_asia)
    # “” and ： are of ambiguous width: take the East Asian font for them, as Word
    # does for text typed in a Chinese document
    rfonts.set(qn("w:hint"), "eastAsia")


def _page_number(section: object) -> None:
    """A centred ``- N -`` footer (a PAGE field between two runs)."""
    para = section.footer.paragraphs[0]  # type: ignore[attr-defined]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("- ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    para._p.append(fld)
    tail = OxmlElement("w:r")
    t2 = OxmlElement("w:t")
    t2.text = " -"
    t2.set(qn("xml:space"), "preserve")
    tail.append(t2)
    para._p.append(tail)


def _repeat_header(row: object) -> None:
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def column_widths(table: Table, ncols: int) -> list[float]:
    """Column widths in cm over the 15.6 cm text width: label columns wide, value
    columns narrow."""
    label_cols = {
        "t2": [4.6],
        "t3": [1.0, 1.4, 4.5],
        "t4": [],
        "stat_pre2019": [10.6, 2.0],
    }.get(table.kind, [])
    label_cols = label_cols[:ncols]
    rest = ncols - len(label_cols)
    each = (TEXT_WIDTH - sum(label_cols)) / rest if rest else 0.0
    return label_cols + [each] * rest


def add_table(document: docx.document.Document, table: Table) -> None:
    """A Word table with the template's merges."""
    grid = table.grid()
    nrows, ncols = len(grid), len(grid[0]) if grid else 0
    wt = document.add_table(rows=nrows, cols=ncols)
    wt.style = "Table Grid"
    wt.alignment = WD_TABLE_ALIGNMENT.CENTER
    wt.autofit = False
    widths = column_widths(table, ncols)
    for c, col in enumerate(wt.columns):
        col.width = Cm(widths[c])
        for cell in col.cells:
            cell.width = Cm(widths[c])
    for r, line in enumerate(grid):
        for slot in line:
            if not slot.anchor:
                continue
            cell = slot.cell
            target = wt.cell(r, slot.col)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(
                    wt.cell(r + cell.rowspan - 1, slot.col + cell.colspan - 1)
                )
            para = target.paragraphs[0]
            para.paragraph_format.line_spacing = 1.0
            para.paragraph_format.first_line_indent = Pt(0)
            target.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            para.alignment = (
                WD_ALIGN_PARAGRAPH.LEFT
                if cell.role == "label" and len(cell.text) > 12
                else WD_ALIGN_PARAGRAPH.CENTER
            )
            if cell.text:
                run = para.add_run(cell.text)
                _fonts(run, TABLE_FONT, 10.5, cell.header or cell.role == "caption")
    for r in range(min(table.header_rows, nrows)):
        _repeat_header(wt.rows[r])


def _add_block(document: docx.document.Document, block: Block) -> None:
    if block.kind == "table" and block.table:
        add_table(document, block.table)
        document.add_paragraph()
        return
    if block.kind == "title":
        para = document.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for i, line in enumerate(block.text.split("\n")):
            run = para.add_run(line)
            if i < len(block.text.split("\n")) - 1:
                run.add_break()
            _fonts(run, "方正小标宋简体", 22)
        return
    if block.kind == "heading":
        level = min(max(block.level, 1), 3)
        para = document.add_paragraph(style=f"Heading {level}")
        para.paragraph_format.first_line_indent = Pt(32)
        _fonts(para.add_run(block.text), HEADING_FONT[level], 16, level == 3)
        return
    para = document.add_paragraph()
    para.paragraph_format.first_line_indent = Pt(32)
    _fonts(para.add_run(block.text), BODY_FONT, 16)


def build_docx(doc: Document) -> bytes:
    """The DOCX bytes of a document (deterministic)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _fonts(document.styles["Normal"], BODY_FONT, 16)
    document.styles["Normal"].paragraph_format.line_spacing = Pt(28)
    for level in (1, 2, 3):
        style = document.styles[f"Heading {level}"]
        _fonts(style, HEADING_FONT[level], 16, level == 3)
        style.font.italic = False
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
    _page_number(section)
    for block in doc.blocks:
        _add_block(document, block)
    props = document.core_properties
    props.title = doc.title
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.created = FIXED
    props.modified = FIXED
    props.last_printed = FIXED
    props.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry stamped 1980-01-01 (python-docx stamps 'now')."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_docx(doc: Document, out: Path) -> dict[str, str]:
    """Write the DOCX; returns what the manifest records of it."""
    out.write_bytes(build_docx(doc))
    return {
        "tool": "python-docx",
        "tool_version": docx.__version__ if hasattr(docx, "__version__") else "",
    }
