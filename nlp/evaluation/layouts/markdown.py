"""``md``: Markdown as a PDF-to-Markdown converter writes it from the ``pdf`` rendering.

The converter is Microsoft's MarkItDown (``markitdown[pdf]``, MIT licence), which reads
the PDF with pdfminer.six and pdfplumber. Its output is kept exactly as the tool writes
it: page-wrapped prose lines, ``- N -`` page numbers, pipe tables whose header rows are
split over several grid rows, group labels (``（三）不予公开``) lifted out of the grid
between table fragments, a ``|---|`` separator under each fragment's first row, table
三's header repeated after a page break, and neighbouring cells sometimes run into one
(``| 0 0 |``). pymupdf4llm was tried too: with its layout model (pymupdf-layout, a
PolyForm Noncommercial licence) its tables are cleaner, without it table 三 is lost;
MarkItDown was chosen for its licence and its realistic mess.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any


def available() -> bool:
    """Whether ``markitdown`` is installed."""
    try:
        import markitdown  # noqa: F401
    except ImportError:
        return False
    return True


def version() -> str:
    """The installed markitdown version ('' if absent)."""
    try:
        return metadata.version("markitdown")
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=1)
def _converter() -> Any:
    from markitdown import MarkItDown

    return MarkItDown(enable_plugins=False)


def pdf_to_markdown(pdf: Path) -> str:
    """The Markdown MarkItDown writes of a PDF."""
    return _converter().convert(str(pdf)).text_content


def render_md(pdf: Path, out: Path) -> dict[str, str]:
    """Write the converter's Markdown of ``pdf``; returns what the manifest records."""
    text = pdf_to_markdown(pdf)
    out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return {"tool": "markitdown[pdf]", "tool_version": version()}
