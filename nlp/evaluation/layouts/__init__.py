"""Layout round-trip rendering harness.

Each gold report is re-published in the layouts real reports come in, with real tools,
so that the pipeline can read every rendering back and be scored against the same gold:
``html`` (a CMS page, some GB2312/GBK), ``docx`` (python-docx, merged header cells),
``pdf`` (LibreOffice's PDF of the DOCX), ``md`` (MarkItDown's Markdown of that PDF),
``md_pipe`` (hand-written pipe tables), ``cell_per_line`` and ``run_together`` (crawl
dumps). The prose is the report's own; its table stretches (``regions.yaml``) are
replaced by the official templates filled with the gold cells.

This package imports no other ``nlp`` module: it reads ``configs/indicators.yaml``
itself.
"""

from __future__ import annotations

from .build import LAYOUTS, load_documents, render_corpus, render_report
from .document import build_document, check_document
from .model import Block, Cell, Document, Table
from .templates import build_tables

__all__ = [
    "LAYOUTS",
    "Block",
    "Cell",
    "Document",
    "Table",
    "build_document",
    "build_tables",
    "check_document",
    "load_documents",
    "render_corpus",
    "render_report",
]
