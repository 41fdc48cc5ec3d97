"""The reader's output: raw text plus what the cleaner needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawDocument:
    text: str
    format: str
    encoding: str | None = None
    # (page number, start, end) spans of ``text`` for paginated sources.
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    sha256: str = ""
    size: int = 0
    # Metadata around the text (an HTML page's <title>): ``Source.title``.
    title: str | None = None
    # Pages read by OCR (``records.OcrPage``, line spans in offsets of ``text``).
    ocr: list = field(default_factory=list)
