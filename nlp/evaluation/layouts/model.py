"""The document model every renderer reads: a report as a sequence of blocks.

A :class:`Document` is what one gold report looks like once it is re-published: a title,
headings and paragraphs taken from the report's own text, and :class:`Table` blocks
regenerated from the official template and filled with the gold cell values. A table is
a list of rows of :class:`Cell` as HTML writes it: a cell that spans rows or columns
appears once, in its top-left position, and the positions it covers are left out of the
following rows. :meth:`Table.grid` expands that into a rectangle for the renderers that
need one (DOCX merges, pipe tables, one cell per line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BlockKind = Literal["title", "heading", "paragraph", "table"]


@dataclass
class Cell:
    """One printed cell: its text, its spans, and for a value cell its indicator id."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    indicator: str | None = None
    #: "caption" (第二十条第（一）项 rows), "label" (row labels), "value" or "head".
    role: str = "label"


@dataclass
class Slot:
    """A position of the expanded grid: the cell that covers it and whether it is the
    cell's own (top-left) position."""

    cell: Cell
    anchor: bool
    row: int
    col: int


@dataclass
class Table:
    """A statistical table of one kind (t2, t3, t4, stat_pre2019) in one layout era."""

    kind: str
    era: str
    rows: list[list[Cell]]
    #: Leading rows that form the header (repeated after page breaks in DOCX/PDF).
    header_rows: int = 1
    #: What the table follows from the gold when the template had to bend (e.g. a 2021
    #: report printing the single 2019 row （六）其他处理).
    notes: list[str] = field(default_factory=list)

    def ncols(self) -> int:
        """Number of grid columns (the widest row, spans counted)."""
        return max((len(r) for r in self.grid()), default=0)

    def grid(self) -> list[list[Slot]]:
        """The table as a rectangle of slots (spanned positions repeat their cell)."""
        occupied: dict[tuple[int, int], Slot] = {}
        width = 0
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in occupied:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        occupied[(r + dr, c + dc)] = Slot(
                            cell, dr == 0 and dc == 0, r + dr, c + dc
                        )
                c += cell.colspan
                width = max(width, c)
        height = len(self.rows)
        out: list[list[Slot]] = []
        for r in range(height):
            line: list[Slot] = []
            for c in range(width):
                slot = occupied.get((r, c))
                if slot is None:
                    slot = Slot(Cell(""), True, r, c)
                line.append(slot)
            out.append(line)
        return out

    def values(self) -> dict[str, str]:
        """Indicator id -> printed text of every non-blank value cell."""
        return {
            cell.indicator: cell.text
            for row in self.rows
            for cell in row
            if cell.indicator and cell.text
        }


@dataclass
class Block:
    """A title, heading (level 1-3), paragraph or table."""

    kind: BlockKind
    text: str = ""
    level: int = 0
    table: Table | None = None


@dataclass
class Document:
    """One report ready to render."""

    stem: str
    source: Path
    gold: Path
    era: str
    blocks: list[Block]
    #: The page title (the report's own title; never taken from the gold).
    title: str = "政府信息公开工作年度报告"
    #: Crawled page furniture kept aside (not prose): header lines and footer lines.
    furniture_top: list[str] = field(default_factory=list)
    furniture_bottom: list[str] = field(default_factory=list)
    published: str | None = None

    def tables(self) -> list[Table]:
        """The table blocks in document order."""
        return [b.table for b in self.blocks if b.kind == "table" and b.table]

    def prose(self) -> str:
        """All title, heading and paragraph text, one block a line."""
        return "\n".join(b.text for b in self.blocks if b.kind != "table")
