"""OCR of scanned PDF pages (issue 18, docs/ocr.md): an engine behind one interface
(``engine``), page images deskewed and their seals lifted (``image``), boxes laid
out into lines and table rows the template alignment reads (``layout``), and the
page-level driver with its provenance records (``document``).

The engine is an optional extra (``pip install -e .[ocr]``); ``available()`` says
whether it is installed.
"""

from .document import PageResult, Settings, line_at, read_pages
from .engine import Engine, Word, available, get_engine
from .layout import page_text

__all__ = [
    "Engine",
    "PageResult",
    "Settings",
    "Word",
    "available",
    "get_engine",
    "line_at",
    "page_text",
    "read_pages",
]
