"""DOCX: paragraphs and tables in document order.

A table row becomes one line ``| a | b |`` with a cell for every position of the
table's grid: a merged cell keeps its text at its top-left position, and the positions
it covers (``gridSpan`` across, ``vMerge`` down) are explicit blank cells, so that every
value stays under its column header and a blank cell is never lost.

Before python-docx sees the file, every part is streamed through zlib with a cap
(``Limits.max_part_bytes``, ``max_unzipped_bytes``): a zip bomb or a corrupt deflate
stream fails the document, it never reaches memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ...errors import Errors, IngestError
from .base import DEFAULT_LIMITS, Limits, RawDocument

_CHUNK = 1 << 16


def check_zip(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise ``IngestError`` when a part of the archive unpacks past the limits or
    does not unpack at all. Declared sizes are checked first, then every part is
    read in chunks, counting what it really yields (a header can lie)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise IngestError("docx", Errors.E106.format(path=path, detail=e)) from e
    total = 0
    with archive:
        for info in archive.infolist():
            if limits.exceeded("max_part_bytes", info.file_size):
                raise IngestError(
                    "zip_bomb",
                    Errors.E111.format(
                        path=path, part=info.filename, limit=limits.max_part_bytes
                    ),
                )
            size = 0
            try:
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if limits.exceeded("max_part_bytes", size):
                            raise IngestError(
                                "zip_bomb",
                                Errors.E111.format(
                                    path=path,
                                    part=info.filename,
                                    limit=limits.max_part_bytes,
                                ),
                            )
                        if limits.exceeded("max_unzipped_bytes", total):
                            raise IngestError(
                                "zip_bomb",
                                Errors.E111.format(
                                    path=path,
                                    part="(all parts)",
                                    limit=limits.max_unzipped_bytes,
                                ),
                            )
            except IngestError:
                raise
            except Exception as e:  # zlib.error, BadZipFile, EOFError...
                raise IngestError(
                    "docx",
                    Errors.E106.format(
                        path=path,
                        detail=f"part {info.filename}: {type(e).__name__}: {e}",
                    ),
                ) from e


def read_docx(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(path, data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
    except Exception as e:  # XMLSyntaxError, KeyError, ValueError...
        raise IngestError(
            "docx", Errors.E106.format(path=path, detail=f"{type(e).__name__}: {e}")
        ) from e
    lines: list[str] = []
    for block in blocks:
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
