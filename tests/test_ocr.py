"""OCR of scanned pages with the real engine (the ``ocr`` extra): one-page scans made
here from the pdf rendering of a gold report, read back through the reader and the
pipeline.

Skipped when the extra is missing, unless ``NLP_REQUIRE_OCR=1`` (set by ``.ci/run``'s
OCR step), which makes a missing engine a failure. About 30 s on a shared core.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from nlp.errors import IngestError
from nlp.io import ocr
from nlp.io.readers import load_report, read_document

if not ocr.available():
    if os.environ.get("NLP_REQUIRE_OCR") == "1":
        raise RuntimeError("NLP_REQUIRE_OCR=1 but the ocr extra is not installed")
    pytest.skip(
        "the ocr extra (rapidocr, onnxruntime) is not installed",
        allow_module_level=True,
    )

import img2pdf
import pypdfium2 as pdfium

from nlp.cli.bench import main as bench_main
from nlp.evaluation.scans import make_scan
from nlp.pipeline.corpus import Processor

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpora" / "layouts" / "pdf" / "hongze-district-2023.pdf"


def one_page(page: int, out: Path) -> Path:
    """A text PDF holding page ``page`` (1-based) of the report."""
    source = pdfium.PdfDocument(REPORT)
    target = pdfium.PdfDocument.new()
    target.import_pages(source, [page - 1])
    target.save(out)
    return out


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("scans")
    table = one_page(3, tmp / "table.pdf")  # most of table 三
    last = one_page(5, tmp / "last.pdf")  # the agency and date: the seal goes there
    return {
        "table_text": table,
        "table": make_scan(table, tmp / "table-scan.pdf", 200, "mild", seal=False),
        "sealed": make_scan(last, tmp / "sealed-scan.pdf", 200, "clean", seed=1),
    }


@pytest.fixture(scope="module")
def processor() -> Processor:
    return Processor()


def test_the_models_ship_in_the_wheel():
    import rapidocr

    models = Path(rapidocr.__file__).parent / "models"
    names = sorted(p.name for p in models.glob("*.onnx"))
    assert any("det" in n for n in names) and any("rec" in n for n in names), names


def test_a_scanned_table_page_reads_as_its_text_layer(scans, processor):
    doc = read_document(scans["table"])
    assert doc.ocr and doc.ocr[0].number == 1 and doc.ocr[0].dpi == 200
    # the scan was turned by 0.6° and is straightened before recognition
    assert doc.ocr[0].skew == pytest.approx(0.6, abs=0.15)
    assert "一、本年新收政府信息公开申请数量 21 0 0 0 0 0 21" in doc.text
    # every line's span holds text, lies inside the page and its box on the page
    width, height = 595.44, 842.04
    for line in doc.ocr[0].lines:
        assert doc.text[line.raw_start : line.raw_end].strip()
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        assert 0 < line.confidence <= 1 and not line.under_seal
    # the same table cells as the text layer of the same page
    scanned = processor.process(scans["table"]).to_dict()
    original = processor.process(scans["table_text"]).to_dict()

    def cells(record):
        return {
            c["indicator"]: c["value"]
            for t in record["tables"]
            for c in t["cells"]
            if c.get("indicator")
        }

    assert len(cells(original)) >= 100
    assert cells(scanned) == cells(original)
    # a cell's offsets in the normalised text lead back to its box on the page
    cell = next(
        c
        for t in scanned["tables"]
        for c in t["cells"]
        if c.get("indicator") == "t3.new.natural"
    )
    report = processor.process(scans["table"])
    line = ocr.line_at(report, cell["start"])
    assert line is not None and line.page == 1
    assert report.text[cell["start"] : cell["end"]] == "21"
    raw = doc.text[line.raw_start : line.raw_end]
    assert raw == "21" and 270 < line.box[0] < 300  # the 自然人 column


def test_text_under_a_seal_is_kept_and_marked(scans):
    report = load_report(scans["sealed"])
    (page,) = report.source.ocr
    assert page.seals == 1
    under = [line for line in page.lines if line.under_seal]
    assert under, "the seal covers the agency and date lines"
    assert all(line.confidence <= 0.5 for line in under)
    sealed_text = "".join(report.text[u.raw_start : u.raw_end] for u in under)
    assert "2023" in report.text and sealed_text.strip()
    # the record round-trips with its OCR provenance
    again = type(report).from_dict(report.to_dict())
    assert again.source.ocr == report.source.ocr


def blank_scan(out: Path, noise: bool) -> Path:
    from io import BytesIO

    from PIL import Image

    pixels = np.full((1654, 1169), 255, np.uint8)
    if noise:
        pixels = (np.random.default_rng(0).normal(235, 12, pixels.shape)).clip(0, 255)
    buffer = BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, "PNG", dpi=(200, 200))
    out.write_bytes(img2pdf.convert([buffer.getvalue()]))
    return out


@pytest.mark.parametrize("noise", [False, True])
def test_a_scan_without_text_fails_clearly(tmp_path, processor, noise):
    path = blank_scan(tmp_path / "blank.pdf", noise)
    with pytest.raises(IngestError) as err:
        read_document(path)
    assert err.value.code == "E162" and "blank.pdf" in str(err.value)
    record = processor.process(path)
    assert [e.code for e in record.errors] == ["E162"] and not record.text


def test_ocr_can_be_turned_off(scans, monkeypatch):
    monkeypatch.setenv("NLP_OCR", "off")
    with pytest.raises(IngestError) as err:
        read_document(scans["sealed"])
    assert err.value.code == "E161"


def with_garbage_text_layer(source: Path, out: Path) -> Path:
    """``source`` with a text layer of mojibake over its image (a font without a
    usable character map extracts as Latin-1 soup)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(source)
    page = pdf[0]
    obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
    text = ("ÕþÈ¸®ÐÅÏ¢¹«¿ª¹¤×÷Äê¶È±¨¸æ " * 4 + "\0").encode("utf-16-le")
    buffer = ctypes.create_string_buffer(text)
    pdfium_c.FPDFText_SetText(
        obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR))
    )
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 40, 60)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    pdf.save(out)
    return out


def test_a_garbage_text_layer_is_read_by_ocr(scans, tmp_path):
    path = with_garbage_text_layer(scans["sealed"], tmp_path / "garbage.pdf")
    textpage = pdfium.PdfDocument(path)[0].get_textpage()
    assert "ÕþÈ" in textpage.get_text_range()  # the layer is there, and garbage
    doc = read_document(path)
    assert doc.ocr and "ÕþÈ" not in doc.text
    assert "政府信息公开" in doc.text


def test_bench_measures_ocr_pages_per_core_second(scans, tmp_path, capsys):
    out = tmp_path / "ocr.json"
    assert (
        bench_main(
            [str(scans["sealed"]), "--ocr", "--ocr-pages", "1", "--json", str(out)]
        )
        == 0
    )
    result = json.loads(out.read_text("utf-8"))
    assert result["pages"] == 1 and result["boxes"] > 0
    assert 0 < result["pages_per_s_per_core"] and result["cpu_s"] > 0
    assert "pages/s/core" in capsys.readouterr().out
