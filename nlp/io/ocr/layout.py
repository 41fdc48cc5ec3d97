"""From recognised boxes to text: lines, reading order, and table rows.

Boxes are grouped into lines by vertical overlap and read top to bottom, left to
right. Inside a table (a run of lines holding several numeric boxes) the value
columns are found from the boxes' x positions over the whole run; a row whose boxes
leave a column empty is written as a pipe row with that cell blank (``| 标签 | 3 |  |
0 |``), every other row as a running line (``标签 3 0 0``), the two forms the table
reader aligns to its templates (docs/tables.md). The column count of the template
is applied there (``fit_cells``), not here: this module only keeps each cell in the
column the geometry puts it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from statistics import median

from .engine import Word

# A numeric cell: digits with separators, a decimal, a percentage, a dash for zero.
NUMERIC = re.compile(r"^([-+]?(\d{1,3}([,，]\d{3})+|\d+)([.．]\d+)?%?|[—–-])$")
# A value cell as OCR may misread it: a stray dot or tick from the grain beside the
# digits, the letter O for a zero.
ALMOST_NUMERIC = re.compile(
    r"^[.,，。·、'‘’`]*((?=[\dOo.．]*\d)[\dOo][\dOo]*(?:[.．][\dOo]+)?%?)[.,，。·、'‘’`]*$"
)
# Two boxes are on one line when they overlap vertically by this share of the
# shorter one's height.
LINE_OVERLAP = 0.5
# A gap wider than this share of the line height separates two boxes with a space.
SPACE_GAP = 0.3
# Non-value lines a table run may hold between two value rows (wrapped labels).
TABLE_GAP_LINES = 4
# A column is a cluster of value x-centres closer than this share of the box height,
# seen in at least COLUMN_SUPPORT of the run's multi-value rows.
COLUMN_TOLERANCE = 1.2
COLUMN_SUPPORT = 0.3


@dataclass(frozen=True)
class Piece:
    """A span of the page text and the box it was read from."""

    start: int
    end: int
    word: Word


def _band(line: list[Word]) -> tuple[float, float]:
    return median(w.y0 for w in line), median(w.y1 for w in line)


def _share(a: tuple[float, float], b: tuple[float, float]) -> float:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap / max(1.0, min(a[1] - a[0], b[1] - b[0]))


def _collide(a: list[Word], b: list[Word]) -> bool:
    return any(min(u.x1, v.x1) - max(u.x0, v.x0) > 0 for u in a for v in b)


def group_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into lines, lines top to bottom, words left to right.

    A word joins the recent line whose band (the median top and bottom of its
    words) it overlaps most and none of whose words it overlaps across; afterwards two lines whose bands overlap and whose
    words do not collide are one line that a tall or offset box had cut in two
    (a table row beside a label cell printed one character a line)."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.cy, w.x0)):
        best, best_share = None, 0.0
        for i in range(len(lines) - 1, max(-1, len(lines) - 6), -1):
            share = _share(_band(lines[i]), (word.y0, word.y1))
            # two boxes of one line never overlap across: a word under another
            # starts a line of its own (a label cell's second line)
            if (
                share >= LINE_OVERLAP
                and share > best_share
                and not _collide(lines[i], [word])
            ):
                best, best_share = i, share
        if best is None:
            lines.append([word])
        else:
            lines[best].append(word)
    lines.sort(key=lambda ws: median(w.cy for w in ws))
    merged: list[list[Word]] = []
    for line in lines:
        for other in merged[-3:]:
            if _share(_band(other), _band(line)) >= LINE_OVERLAP and not _collide(
                other, line
            ):
                other.extend(line)
                break
        else:
            merged.append(line)
    merged.sort(key=lambda ws: median(w.cy for w in ws))
    return [sorted(ws, key=lambda w: w.x0) for ws in merged]


def clean_values(line: list[Word]) -> list[Word]:
    """The line with its misread value cells repaired, when it is a table row: two
    or more values after its first box, or a value closing a labelled line (the
    pre-2019 统计表 prints one value a row). Other lines are left as they are."""
    repaired = list(line)
    for k in range(1, len(line)):
        match = ALMOST_NUMERIC.match(line[k].text.strip())
        if match and not is_numeric(line[k].text):
            value = match.group(1).replace("O", "0").replace("o", "0")
            repaired[k] = replace(line[k], text=value)
    values = sum(is_numeric(w.text) for w in repaired[1:])
    closing = len(line) > 1 and is_numeric(repaired[-1].text)
    if values < 2 and not closing:
        return line
    return repaired


def pull_up_labels(lines: list[list[Word]]) -> list[list[Word]]:
    """Rows whose label cell wraps: the label's next line, printed beside the row's
    values (which sit centred on the cell), is read before the values, as a text
    layer reads the cell, so the label is whole when the row's values come."""
    out: list[list[Word]] = []
    i = 0
    while i < len(lines):
        line = list(lines[i])
        while i + 1 < len(lines):
            values = [w for w in line[1:] if is_numeric(w.text)]
            below = lines[i + 1]
            if not values or any(is_numeric(w.text) for w in below):
                break
            first = min(w.x0 for w in values)
            bottom = median(w.y1 for w in values)
            height = median(w.height for w in values)
            if max(w.x1 for w in below) > first or (
                min(w.y0 for w in below) > bottom - 0.2 * height
            ):
                break
            right = max(w.x1 for w in below)
            at = next((k for k, w in enumerate(line) if w.x0 >= right), len(line))
            line[at:at] = below
            i += 1
        out.append(line)
        i += 1
    return out


def is_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.strip().replace(" ", "")))


def _values(line: list[Word]) -> list[Word]:
    """The numeric boxes of a line after its first non-numeric one (its label)."""
    return [w for w in line if is_numeric(w.text)]


def table_runs(lines: list[list[Word]]) -> list[tuple[int, int]]:
    """``(first, last)`` line indexes of runs holding rows of several values."""
    runs = []
    first = last = None
    for i, line in enumerate(lines):
        if len(_values(line)) >= 2:
            if first is None or i - last > TABLE_GAP_LINES + 1:
                if first is not None:
                    runs.append((first, last))
                first = i
            last = i
    if first is not None:
        runs.append((first, last))
    return runs


def columns(lines: list[list[Word]]) -> list[float]:
    """Column x-centres of a table run: clusters of value centres that enough of its
    multi-value rows share."""
    rows = [_values(line) for line in lines]
    rows = [r for r in rows if len(r) >= 2]
    if not rows:
        return []
    height = median(w.height for r in rows for w in r)
    centres = sorted(w.cx for r in rows for w in r)
    clusters: list[list[float]] = [[centres[0]]]
    for x in centres[1:]:
        if x - clusters[-1][-1] <= COLUMN_TOLERANCE * height:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    need = max(2, COLUMN_SUPPORT * len(rows))
    return [median(c) for c in clusters if len(c) >= need]


def place(values: list[Word], cols: list[float]) -> list[Word | None] | None:
    """The row's values in their columns (None for an empty one), or None when a
    value falls in no column or two fall in one."""
    if not cols:
        return None
    height = median(w.height for w in values)
    slots: list[Word | None] = [None] * len(cols)
    for word in values:
        distance, i = min((abs(word.cx - c), i) for i, c in enumerate(cols))
        if distance > COLUMN_TOLERANCE * height or slots[i] is not None:
            return None
        slots[i] = word
    return slots


def _join(line: list[Word], out: list[str], pieces: list[Piece], at: int) -> int:
    height = median(w.height for w in line)
    for k, word in enumerate(line):
        if k and word.x0 - line[k - 1].x1 > SPACE_GAP * height:
            out.append(" ")
            at += 1
        at = _put(word, out, pieces, at)
    return at


def _put(word: Word, out: list[str], pieces: list[Piece], at: int) -> int:
    """Append ``word``'s text at offset ``at``, noting where it came from."""
    text = word.text.strip()
    out.append(text)
    pieces.append(Piece(at, at + len(text), word))
    return at + len(text)


def _pipe(
    line: list[Word],
    slots: list[Word | None],
    out: list[str],
    pieces: list[Piece],
    at: int,
) -> int:
    placed = {id(w) for w in slots if w is not None}
    label = [w for w in line if id(w) not in placed]
    cells: list[list[Word]] = [label] + [[w] if w else [] for w in slots]
    out.append("|")
    at += 1
    for cell in cells:
        out.append(" ")
        at += 1
        for k, word in enumerate(cell):
            if k:
                out.append(" ")
                at += 1
            at = _put(word, out, pieces, at)
        out.append(" |")
        at += 2
    return at


def page_text(words: list[Word]) -> tuple[str, list[Piece]]:
    """The page's text in reading order and the box of every piece of it."""
    lines = pull_up_labels([clean_values(line) for line in group_lines(words)])
    layout: dict[int, list[Word | None]] = {}
    for first, last in table_runs(lines):
        cols = columns(lines[first : last + 1])
        if len(cols) < 3:
            continue
        for i in range(first, last + 1):
            values = _values(lines[i])
            if len(values) < 2 or len(values) == len(cols):
                continue
            slots = place(values, cols)
            if slots is not None:
                layout[i] = slots
    out: list[str] = []
    pieces: list[Piece] = []
    at = 0
    for i, line in enumerate(lines):
        if i in layout:
            at = _pipe(line, layout[i], out, pieces, at)
        else:
            at = _join(line, out, pieces, at)
        out.append("\n")
        at += 1
    return "".join(out), pieces
