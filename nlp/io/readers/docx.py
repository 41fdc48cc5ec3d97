"""DOCX: paragraphs and tables in document order."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ...errors import Errors, IngestError
from .base import RawDocument


def read_docx(path: Path, data: bytes) -> RawDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise IngestError("docx", Errors.E106.format(path=path, detail=e)) from e
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.append("")
            for row in block.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    # python-docx repeats a merged cell once per grid column it spans.
                    key = id(cell._tc)
                    if key in seen:
                        continue
                    seen.add(key)
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    lines.append(" | ".join(cells) + " |")
            lines.append("")
    return RawDocument(text="\n".join(lines) + "\n", format="docx", encoding=None)
