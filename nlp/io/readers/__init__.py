"""Reading report files of every supported format into one raw text.

One module per input format and one extension table, ``EXTENSIONS`` (after datasets'
``packaged_modules``): ``read_document`` picks the reader by extension and returns a
``RawDocument`` (the text as extracted: the coordinate system of raw offsets, the
format, the detected encoding and, for PDFs, the pages). ``load_report`` wraps it into
the ``Report`` the pipeline starts from; cleaning is the pipeline's first stage
(``normalize.v1``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import get_args

from ...errors import Errors, IngestError
from ...records import Format, Page, Report, Source
from .base import RawDocument
from .docx import read_docx
from .html import read_html
from .pdf import read_pdf
from .text import read_markdown, read_text

Reader = Callable[[Path, bytes], RawDocument]
# extension -> (format recorded in ``source.format``, reader)
EXTENSIONS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_text),
    ".text": ("txt", read_text),
    ".htm": ("html", read_html),
    ".html": ("html", read_html),
    ".shtml": ("html", read_html),
    ".xhtml": ("html", read_html),
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
}
if {fmt for fmt, _ in EXTENSIONS.values()} != set(get_args(Format)):
    raise ImportError("records.Format and readers.EXTENSIONS name different formats")

SUPPORTED = tuple(sorted(EXTENSIONS))


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in EXTENSIONS


def read_document(path: str | Path) -> RawDocument:
    """Read one report file; raise ``IngestError`` with a clear message when it can't."""
    path = Path(path)
    entry = EXTENSIONS.get(path.suffix.lower())
    if entry is None:
        raise IngestError(
            "unknown_format",
            Errors.E101.format(
                path=path, ext=path.suffix, supported=", ".join(SUPPORTED)
            ),
        )
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError("unreadable", Errors.E109.format(path=path, detail=e)) from e
    if not data.strip():
        raise IngestError("empty", Errors.E100.format(path=path))
    doc = entry[1](path, data)
    doc.sha256 = hashlib.sha256(data).hexdigest()
    doc.size = len(data)
    return doc


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """Stable id: the path relative to the corpus root (file names are unique there)."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def empty_report(path: Path, root: Path | None = None, fmt: str = "txt") -> Report:
    """A record for a document that could not be read: source and errors only."""
    sha = ""
    try:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        pass
    fmt = EXTENSIONS.get(path.suffix.lower(), (fmt, None))[0]
    return Report(
        doc_id=doc_id_for(path, root),
        source=Source(path=str(path), sha256=sha, format=fmt),
    )


def load_report(path: str | Path, root: Path | None = None) -> Report:
    """Read one file into a ``Report`` holding the raw extracted text (not cleaned)."""
    path = Path(path)
    doc = read_document(path)
    return Report(
        doc_id=doc_id_for(path, root),
        source=Source(
            path=str(path),
            sha256=doc.sha256,
            format=doc.format,
            encoding=doc.encoding,
            size=doc.size,
            pages=[Page(number=n, start=a, end=b) for n, a, b in doc.pages],
            title=doc.title,
            ocr=doc.ocr,
        ),
        text=doc.text,
    )
