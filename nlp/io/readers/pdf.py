"""PDF text with pypdfium2 (PDFium): fast, page by page, layout order.

PDFium puts a table row on one text line ("行政处罚 4119"), which the table parsers read;
pdfplumber, several times slower, is only the reference ``nlp.bench`` compares with.

A page whose text layer is missing (a scan) or garbage (a font without a usable
character map) is read by OCR instead (``nlp/io/ocr``, the ``ocr`` extra; docs/ocr.md).
Its text takes the page's place in the raw text and ``RawDocument.ocr`` keeps each
line's page, box and confidence. ``NLP_OCR=off`` turns OCR off.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...errors import Errors, IngestError
from .. import ocr
from .base import RawDocument

log = logging.getLogger(__name__)

# A page needs OCR when its text layer holds fewer readable characters than this
# (a scan carries at most a page number) and the page holds an image...
MIN_READABLE = 20
# ... or when fewer than this share of its characters are readable: Chinese, ASCII
# letters and digits, and the punctuation of both.
MIN_READABLE_SHARE = 0.6
READABLE = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf0-9A-Za-z\u3000-\u303f\uff00-\uffef"
    r"\u2010-\u2027\u00b7.,;:!?()\[\]%/+\-*'\"“”‘’《》]"
)
OFF = {"0", "off", "no", "false"}


def readable(text: str) -> tuple[int, float, int]:
    """The readable characters of ``text``: their number, their share of the
    non-space ones, and the number of non-space ones."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0, 0.0, 0
    good = sum(1 for c in chars if READABLE.match(c))
    return good, good / len(chars), len(chars)


def needs_ocr(text: str, page_has_image: bool | Callable[[], bool]) -> bool:
    """Whether a page's text layer is garbage, or missing on a page holding an image.
    ``page_has_image`` may be a function, asked only when the text layer does not
    decide (looking for an image walks every object of the page)."""
    good, share, chars = readable(text)
    if chars >= MIN_READABLE and share < MIN_READABLE_SHARE:
        return True
    if good >= MIN_READABLE:
        return False
    return page_has_image() if callable(page_has_image) else page_has_image


def ocr_enabled() -> bool:
    return os.environ.get("NLP_OCR", "on").strip().lower() not in OFF


def read_pdf(path: Path, data: bytes, use_ocr: bool | None = None) -> RawDocument:
    import pypdfium2 as pdfium

    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError("pdf", Errors.E104.format(path=path, detail="no %PDF header"))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise IngestError("pdf", Errors.E104.format(path=path, detail=e)) from e
    use_ocr = ocr_enabled() if use_ocr is None else use_ocr
    texts: list[str] = []
    scanned: list[int] = []
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            textpage.close()
            if needs_ocr(text, lambda page=page: ocr.image.has_image(page)):
                scanned.append(number)
            page.close()
            texts.append(text)
        read = {}
        if scanned:
            read = _ocr(path, data, pdf, scanned, texts, use_ocr)
    except pdfium.PdfiumError as e:
        raise IngestError("pdf", Errors.E104.format(path=path, detail=e)) from e
    finally:
        pdf.close()
    parts: list[str] = []
    pages: list[tuple[int, int, int]] = []
    ocr_pages = []
    offset = 0
    for number, text in enumerate(texts):
        if number in read:
            result = read[number]
            text = result.text
            lines = [
                replace(
                    line,
                    raw_start=line.raw_start + offset,
                    raw_end=line.raw_end + offset,
                )
                for line in result.page.lines
            ]
            ocr_pages.append(replace(result.page, lines=lines))
        if not text.endswith("\n"):
            text += "\n"
        parts.append(text)
        pages.append((number + 1, offset, offset + len(text)))
        offset += len(text)
    text = "".join(parts)
    if not text.strip():
        raise IngestError("no_text", Errors.E105.format(path=path))
    return RawDocument(
        text=text, format="pdf", encoding=None, pages=pages, ocr=ocr_pages
    )


def _ocr(path, data, pdf, scanned, texts, use_ocr):
    """OCR the ``scanned`` pages; the errors when that cannot give any text."""
    has_text = any(
        readable(t)[0] >= MIN_READABLE for i, t in enumerate(texts) if i not in scanned
    )
    if not use_ocr or not ocr.available():
        if has_text:  # a mixed file: keep the text pages, say what was left out
            log.warning(
                "%s: %d page(s) without a usable text layer not read (OCR %s)",
                path,
                len(scanned),
                "off" if not use_ocr else "not installed",
            )
            return {}
        if not use_ocr:
            raise IngestError(
                "no_text",
                Errors.E161.format(path=path, value=os.environ.get("NLP_OCR", "off")),
            )
        raise IngestError("ocr_missing", Errors.E160.format(path=path))
    read = ocr.read_pages(path, data, pdf, scanned)
    if not has_text and not any(readable(r.text)[0] for r in read.values()):
        raise IngestError("no_text", Errors.E162.format(path=path, pages=len(texts)))
    return read
