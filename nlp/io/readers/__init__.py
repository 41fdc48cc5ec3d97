"""Reading report files of every supported format into one raw text.

One module per input format and one extension table, ``EXTENSIONS`` (after datasets'
``packaged_modules``): ``read_document`` picks the reader by extension and returns a
``RawDocument`` (the text as extracted: the coordinate system of raw offsets, the
format, the detected encoding and, for PDFs, the pages). ``load_report`` wraps it into
the ``Report`` the pipeline starts from; cleaning is the pipeline's first stage
(``normalize.v1``). ``report_from_bytes`` does the same for bytes or text held in
memory (object storage, a crawl-dump cell) under a name.

Every reader works under ``Limits`` (bytes, unpacked bytes, characters, HTML depth);
any failure, expected or not, leaves here as an ``IngestError`` with a catalogue code.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, get_args
from urllib.parse import unquote_to_bytes

from ...errors import Errors, IngestError
from ...records import Format, Page, Report, Source
from .base import DEFAULT_LIMITS, Limits, RawDocument
from .docx import read_docx
from .html import html_document, read_html
from .pdf import read_pdf
from .text import read_markdown, read_text, reads_as_report

Reader = Callable[..., RawDocument]
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
# Readers that take ``limits`` (the PDF reader bounds itself by the input's bytes).
_TAKE_LIMITS = frozenset([read_text, read_markdown, read_html, read_docx])
# The reader of each format, for bytes given with a format rather than a file name.
FORMATS: dict[str, Reader] = {fmt: reader for fmt, reader in EXTENSIONS.values()}

SUPPORTED = tuple(sorted(EXTENSIONS))
_HASH_CHUNK = 1 << 20


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in EXTENSIONS


def format_of(name: str | Path) -> str | None:
    """The report format a file name says (``None``: not a report format)."""
    entry = EXTENSIONS.get(PurePosixPath(str(name)).suffix.lower())
    return entry[0] if entry else None


def read_document(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read one report file; raise ``IngestError`` with a clear message when it can't.
    Only regular files are opened (a FIFO would block), and never past the limit."""
    path = Path(path)
    if format_of(path) is None:
        raise IngestError(
            "unknown_format",
            Errors.E101.format(
                path=path, ext=path.suffix, supported=", ".join(SUPPORTED)
            ),
        )
    data = read_capped(path, limits)
    return document_from_bytes(data, path, limits)


def read_capped(path: Path, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file, at most ``limits.max_bytes`` of them."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise IngestError(
                "special", Errors.E118.format(path=path, reason="not a regular file")
            )
        if limits.exceeded("max_bytes", info.st_size):
            raise IngestError(
                "too_large",
                Errors.E110.format(
                    path=path, size=info.st_size, limit=limits.max_bytes
                ),
            )
        cap = -1 if limits.max_bytes is None else limits.max_bytes + 1
        with path.open("rb") as handle:
            data = handle.read(cap)
    except OSError as e:
        raise IngestError("unreadable", Errors.E109.format(path=path, detail=e)) from e
    if limits.exceeded("max_bytes", len(data)):  # grew while we looked
        raise IngestError(
            "too_large",
            Errors.E110.format(path=path, size=len(data), limit=limits.max_bytes),
        )
    return data


def document_from_bytes(
    data: bytes | str,
    name: str | Path,
    limits: Limits = DEFAULT_LIMITS,
    fmt: str | None = None,
) -> RawDocument:
    """The raw document of ``data`` read as the format ``fmt`` (default: the one the
    extension of ``name`` says). ``str`` data is text already decoded (txt, md or
    html only). ``name`` appears in messages. Raises only ``IngestError``."""
    path = Path(str(name))
    fmt = fmt or format_of(name)
    reader = FORMATS.get(fmt or "")
    if reader is None:
        raise IngestError(
            "unknown_format",
            Errors.E101.format(
                path=path, ext=path.suffix, supported=", ".join(SUPPORTED)
            ),
        )
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if limits.exceeded("max_bytes", size):
        raise IngestError(
            "too_large",
            Errors.E110.format(path=path, size=size, limit=limits.max_bytes),
        )
    if not data.strip():
        raise IngestError("empty", Errors.E100.format(path=path))
    try:
        if isinstance(data, str):
            doc = _from_text(path, data, fmt, limits)
            raw = data.encode("utf-8", "surrogatepass")
        else:
            doc = (
                reader(path, data, limits)
                if reader in _TAKE_LIMITS
                else reader(path, data)
            )
            raw = data
    except IngestError:
        raise
    except Exception as e:  # any reader failure is this document's
        raise IngestError(
            "reader_failed",
            Errors.E117.format(path=path, kind=type(e).__name__, detail=e),
        ) from e
    if limits.exceeded("max_chars", len(doc.text)):
        raise IngestError(
            "too_long",
            Errors.E112.format(path=path, chars=len(doc.text), limit=limits.max_chars),
        )
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    doc.size = len(raw)
    return doc


def _from_text(path: Path, text: str, fmt: str, limits: Limits) -> RawDocument:
    if fmt == "html":
        return html_document(path, text, None, limits)
    if fmt not in ("txt", "md"):
        raise IngestError(
            "unknown_format",
            Errors.E101.format(path=path, ext=fmt, supported="txt, md, html as text"),
        )
    if not reads_as_report(text):
        raise IngestError(
            "undecodable", Errors.E115.format(path=path, tried="(given as text)")
        )
    return RawDocument(text=text, format=fmt, encoding=None)


# ------------------------------------------------------------------ document ids
# An id is the path relative to the corpus root, '/'-separated. It is made of the
# file name's bytes: UTF-8 where they are UTF-8, every other byte and the characters
# '%' and '#' as %XX. So an id is valid UTF-8 (JSON), it is reversible
# (``id_to_path``), and a file name can never look like a dump row (``#row=``).
_ESCAPE = frozenset("%#")


def escape_name(name: str) -> str:
    """A file-system name (str with surrogate escapes, as ``os`` gives) as id text."""
    out: list[str] = []
    for ch in name:
        if ch in _ESCAPE:
            out.append(f"%{ord(ch):02X}")
        elif "\udc80" <= ch <= "\udcff":  # a byte that was not UTF-8
            out.append(f"%{ord(ch) - 0xDC00:02X}")
        elif "\ud800" <= ch <= "\udfff" or ch < " " or ch == "\x7f":
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append(ch)
    return "".join(out)


def id_to_path(doc_id: str) -> tuple[str, int | None]:
    """The relative path (str, surrogate-escaped like ``os``) and dump row of an id."""
    base, sep, row = doc_id.partition("#row=")
    name = os.fsdecode(unquote_to_bytes(base))
    return name, int(row) if sep else None


def doc_id_for(path: Path, root: Path | None = None) -> str:
    """Stable, unique id: the path as found relative to the corpus root (not resolved:
    a link keeps its own name), escaped by ``escape_name``."""
    rel: str | None = None
    if root is not None:
        try:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        except ValueError:
            rel = None
        if rel is not None and (rel == ".." or rel.startswith(".." + os.sep)):
            rel = None
        if rel == ".":
            rel = path.name
    if rel is None:
        rel = path.name
    return "/".join(escape_name(part) for part in Path(rel).parts)


def row_doc_id(file_id: str, row: int) -> str:
    """The id of row ``row`` (1-based) of a crawl dump whose id is ``file_id``."""
    return f"{file_id}#row={row}"


def file_sha256(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The SHA-256 of a regular file within the byte limit, else ''."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or limits.exceeded("max_bytes", info.st_size):
            return ""
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return ""


def empty_report(
    path: Path,
    root: Path | None = None,
    fmt: str = "txt",
    doc_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    **source_fields: Any,
) -> Report:
    """A record for a document that could not be read: source and errors only."""
    fmt = format_of(path) or fmt
    if fmt not in get_args(Format):
        fmt = "txt"
    sha = source_fields.pop("sha256", None)
    if sha is None:
        sha = file_sha256(path, limits)
    return Report(
        doc_id=doc_id or doc_id_for(path, root),
        source=Source(
            path=os.fsencode(str(path)).decode("utf-8", "backslashreplace"),
            sha256=sha,
            format=fmt,
            **source_fields,
        ),
    )


def _report(doc: RawDocument, doc_id: str, path: str, **source_fields: Any) -> Report:
    title = source_fields.pop("title", None) or doc.title
    return Report(
        doc_id=doc_id,
        source=Source(
            path=path,
            sha256=doc.sha256,
            format=doc.format,
            encoding=doc.encoding,
            size=doc.size,
            pages=[Page(number=n, start=a, end=b) for n, a, b in doc.pages],
            title=title,
            ocr=doc.ocr,
            **source_fields,
        ),
        text=doc.text,
    )


def load_report(
    path: str | Path, root: Path | None = None, limits: Limits = DEFAULT_LIMITS
) -> Report:
    """Read one file into a ``Report`` holding the raw extracted text (not cleaned)."""
    path = Path(path)
    doc = read_document(path, limits)
    return _report(
        doc,
        doc_id_for(path, root),
        os.fsencode(str(path)).decode("utf-8", "backslashreplace"),
    )


def report_from_bytes(
    data: bytes | str,
    name: str,
    *,
    doc_id: str | None = None,
    fmt: str | None = None,
    limits: Limits | None = None,
    **source_fields: Any,
) -> Report:
    """A raw ``Report`` (not cleaned) from bytes or text held in memory.

    ``name`` stands for the file: its extension picks the reader unless ``fmt``
    (``txt``, ``md``, ``html``, ``pdf``, ``docx``) is given, it appears in messages
    and is ``source.path`` unless ``path`` is given; ``doc_id`` defaults to it.
    ``source_fields`` are ``Source`` fields (``path``, ``title``, ``url``,
    ``published``, ``row``); a given title wins over an HTML page's <title>. Raises
    ``IngestError`` (with ``code`` and ``reason``) when the data cannot be read;
    nothing else.
    """
    doc = document_from_bytes(data, name, limits or DEFAULT_LIMITS, fmt)
    path = source_fields.pop("path", None) or name
    return _report(doc, doc_id or name, path, **source_fields)


__all__ = [
    "DEFAULT_LIMITS",
    "EXTENSIONS",
    "Limits",
    "RawDocument",
    "doc_id_for",
    "document_from_bytes",
    "empty_report",
    "escape_name",
    "id_to_path",
    "load_report",
    "read_document",
    "report_from_bytes",
    "row_doc_id",
]
