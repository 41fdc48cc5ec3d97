"""DOCX: paragraphs and tables in document order.

A table row becomes one line ``| a | b |`` with a cell for every position of the
table's grid: a merged cell keeps its text at its top-left position, and the positions
it covers (``gridSpan`` across, ``vMerge`` down) are explicit blank cells, so that every
value stays under its column header and a blank cell is never lost.
"""

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
            for cells in _grid(block):
                if any(cells):
                    lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    return RawDocument(text="\n".join(lines) + "\n", format="docx", encoding=None)


def _grid(table) -> list[list[str]]:
    """Each row's cells by grid position, merged positions blank."""
    from docx.table import _Cell

    rows = []
    for row in table.rows:
        tr = row._tr
        cells = [""] * tr.grid_before
        for tc in tr.tc_lst:
            span = max(1, tc.grid_span)
            if tc.vMerge == "continue":  # covered by the cell above
                cells.extend([""] * span)
                continue
            cells.append(" ".join(_Cell(tc, table).text.split()))
            cells.extend([""] * (span - 1))
        cells.extend([""] * tr.grid_after)
        rows.append(cells)
    return rows
