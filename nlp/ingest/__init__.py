"""Reading report files of every supported format into one raw text.

``read_document`` picks the reader by extension and returns a ``RawDocument``: the text
as extracted (the coordinate system of ``Removal``/``OffsetSpan`` raw offsets), the
format, the detected encoding and, for PDFs, the pages. ``load_report`` goes on to clean
and normalise it (``nlp.clean``) into the ``Report`` the pipeline stages work on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import Errors, IngestError
from ..records import Report, Source
from .base import RawDocument
from .docx import read_docx
from .html import read_html
from .pdf import read_pdf
from .text import read_markdown, read_text

READERS = {
    ".txt": read_text,
    ".text": read_text,
    ".htm": read_html,
    ".html": read_html,
    ".shtml": read_html,
    ".xhtml": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".md": read_markdown,
    ".markdown": read_markdown,
}

SUPPORTED = tuple(sorted(READERS))


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(path: str | Path) -> RawDocument:
    """Read one report file; raise ``IngestError`` with a clear message when it can't."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
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
    doc = reader(path, data)
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
    fmt = READERS.get(path.suffix.lower()) and path.suffix.lower().lstrip(".") or fmt
    fmt = {
        "htm": "html",
        "shtml": "html",
        "xhtml": "html",
        "text": "txt",
        "markdown": "md",
    }.get(fmt, fmt)
    if fmt not in ("txt", "html", "pdf", "docx", "md"):
        fmt = "txt"
    return Report(
        doc_id=doc_id_for(path, root),
        source=Source(path=str(path), sha256=sha, format=fmt),
    )


def load_report(path: str | Path, root: Path | None = None) -> Report:
    """Read and clean one file into a ``Report`` with normalised ``text``."""
    from ..clean import Cleaner

    path = Path(path)
    doc = read_document(path)
    report = Report(
        doc_id=doc_id_for(path, root),
        source=Source(
            path=str(path),
            sha256=doc.sha256,
            format=doc.format,
            encoding=doc.encoding,
            size=doc.size,
        ),
    )
    return Cleaner.default()(report, doc)
