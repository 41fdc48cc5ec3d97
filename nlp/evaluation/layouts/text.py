"""Plain-text and hand-written layouts: ``md_pipe``, ``cell_per_line``, ``run_together``.

- ``md_pipe``: Markdown as a person writes it by hand: ``#`` headings, paragraphs, and
  GitHub pipe tables whose first template row is the header, with a ``|---|`` row under
  it; a merged cell's text stands in its top-left position, the positions it covers and
  the blank template cells are written ``|  |``.
- ``cell_per_line``: what some crawlers dump of a page: every paragraph on a line, and
  every table cell on a line of its own, row after row (a blank cell is an empty line).
- ``run_together``: what crawls of pages that lost their table markup hold: each table
  on one line, every row's label followed directly by its cells' text with no
  separator (``一、本年新收政府信息公开申请数量640020470``), rows running into each
  other; blank cells vanish. Paragraphs stay one a line.
"""

from __future__ import annotations

from pathlib import Path

from .model import Document, Table

MD_HEADING = {0: "#", 1: "##", 2: "###", 3: "####"}


def _pipe_cell(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return f" {text} " if text else "  "


def pipe_table(table: Table) -> str:
    """A GitHub pipe table of the template grid."""
    lines: list[str] = []
    for r, row in enumerate(table.grid()):
        cells = [_pipe_cell(s.cell.text if s.anchor else "") for s in row]
        lines.append("|" + "|".join(cells) + "|")
        if r == 0:
            lines.append("|" + "|".join("---" for _ in row) + "|")
    return "\n".join(lines)


def md_pipe(doc: Document) -> str:
    """The ``md_pipe`` text of a document."""
    out: list[str] = []
    for b in doc.blocks:
        if b.kind == "table" and b.table:
            out.append(pipe_table(b.table))
        elif b.kind == "title":
            out.append("# " + b.text.replace("\n", " "))
        elif b.kind == "heading":
            out.append(MD_HEADING.get(b.level, "###") + " " + b.text)
        else:
            out.append(b.text)
    return "\n\n".join(out) + "\n"


def cell_per_line(doc: Document) -> str:
    """The ``cell_per_line`` text of a document."""
    out: list[str] = []
    for b in doc.blocks:
        if b.kind == "table" and b.table:
            for row in b.table.rows:
                out.extend(c.text.replace("\n", "") for c in row)
        else:
            out.extend(b.text.split("\n"))
    return "\n".join(out) + "\n"


def run_together_table(table: Table) -> str:
    """One line: every row's cell texts concatenated, rows concatenated."""
    return "".join("".join(c.text.replace("\n", "") for c in row) for row in table.rows)


def run_together(doc: Document) -> str:
    """The ``run_together`` text of a document."""
    out: list[str] = []
    for b in doc.blocks:
        if b.kind == "table" and b.table:
            out.append(run_together_table(b.table))
        else:
            out.extend(b.text.split("\n"))
    return "\n".join(out) + "\n"


RENDER = {
    "md_pipe": md_pipe,
    "cell_per_line": cell_per_line,
    "run_together": run_together,
}
EXT = {"md_pipe": "md", "cell_per_line": "txt", "run_together": "txt"}


def render_text(layout: str, doc: Document, out: Path) -> dict[str, str]:
    """Write one of the text layouts (UTF-8); returns what the manifest records."""
    out.write_text(RENDER[layout](doc), encoding="utf-8")
    return {"tool": f"nlp.evaluation.layouts.text.{RENDER[layout].__name__}"}
