"""PDF text with pypdfium2 (PDFium): fast, page by page, layout order.

PDFium puts a table row on one text line ("行政处罚 4119"), which the table parsers read;
pdfplumber, several times slower, is only the reference ``nlp.bench`` compares with.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import Errors, IngestError
from .base import RawDocument


def read_pdf(path: Path, data: bytes) -> RawDocument:
    import pypdfium2 as pdfium

    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError("pdf", Errors.E104.format(path=path, detail="no %PDF header"))
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise IngestError("pdf", Errors.E104.format(path=path, detail=e)) from e
    parts: list[str] = []
    pages: list[tuple[int, int, int]] = []
    offset = 0
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            textpage.close()
            page.close()
            if not text.endswith("\n"):
                text += "\n"
            parts.append(text)
            pages.append((number + 1, offset, offset + len(text)))
            offset += len(text)
    except pdfium.PdfiumError as e:
        raise IngestError("pdf", Errors.E104.format(path=path, detail=e)) from e
    finally:
        pdf.close()
    text = "".join(parts)
    if not text.strip():
        raise IngestError("no_text", Errors.E105.format(path=path))
    return RawDocument(text=text, format="pdf", encoding=None, pages=pages)
