"""A report's clean text drawn as HTML: headings, paragraphs, tables as grids, every
metric, weakness and evidence span marked, removed text ready to show in place.

The text is cut at every boundary of everything that points into it, so each marked
piece is one element (``<span id="x<start>" data-s data-e>``) and a check's evidence
becomes a list of element ids (``Body.targets``): the page highlights exactly the
characters and cells a check read, with no offset arithmetic in the browser.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from .tables import CellSpot, table_html

_CLASS = re.compile(r"[^a-z0-9_-]+")


def css_name(value: str) -> str:
    return _CLASS.sub("-", value.lower()).strip("-") or "x"


@dataclass
class Mark:
    """Something pointing into the text: a metric, weakness, improvement or evidence."""

    start: int
    end: int
    kind: str  # metric | weakness | improvement | evidence
    title: str = ""
    chip: str = ""
    category: str = ""


@dataclass
class Body:
    html: str
    pieces: list[tuple[int, int, str]] = field(default_factory=list)
    cells: list[CellSpot] = field(default_factory=list)
    tables: list[tuple[int, int, str]] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)
    _starts: list[int] = field(default_factory=list, repr=False)
    _cell_starts: list[int] = field(default_factory=list, repr=False)
    _longest: int = 0

    def targets(self, start: int, end: int, ref: str | None = None) -> list[str]:
        """Element ids showing text[start:end] (a cell named ``ref`` preferred when
        several cells share the span, as run-together digits split into cells do).
        An empty span shows no prose, whatever marks lie around it (an empty cell
        still shows its cell)."""
        found: list[tuple[int, str]] = []
        if len(self._starts) != len(self.pieces):
            self._starts = [p[0] for p in self.pieces]
        starts = self._starts
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while end > start and i < len(self.pieces) and self.pieces[i][0] < end:
            a, b, element = self.pieces[i]
            if b > start and a < end:
                found.append((a, element))
            i += 1
        cells = [
            c for c in self._near(start, end) if _touches(start, end, c.start, c.end)
        ]
        named = [c for c in cells if ref and c.indicator == ref]
        for cell in named or cells:
            found.append((cell.start, cell.element))
        if not cells:
            for a, b, element in self.tables:
                if a <= start < b or (start == end == a):
                    found.append((a, element))
        found.sort()
        seen: set[str] = set()
        return [e for _, e in found if not (e in seen or seen.add(e))]

    def _near(self, start: int, end: int) -> list[CellSpot]:
        """Cells that may touch [start, end): found by their sorted starts."""
        if len(self._cell_starts) != len(self.cells):
            self.cells.sort(key=lambda c: (c.start, c.end))
            self._cell_starts = [c.start for c in self.cells]
            self._longest = max((c.end - c.start for c in self.cells), default=0)
        lo = bisect.bisect_left(self._cell_starts, start - self._longest)
        hi = bisect.bisect_right(self._cell_starts, end)
        return self.cells[lo:hi]


def _touches(start: int, end: int, cell_start: int, cell_end: int) -> bool:
    if start == end and cell_start == cell_end:
        return start == cell_start
    if start == end:
        return cell_start <= start < cell_end
    if cell_start == cell_end:
        return start <= cell_start < end
    return cell_start < end and cell_end > start


def removal_positions(record: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """Each removed stretch (raw offsets) placed at the text offset where it was
    cut out, through the offset map; sorted by that offset."""
    spans = sorted(
        (int(s.get("raw_start", 0)), int(s.get("start", 0)), int(s.get("length", 0)))
        for s in record["offset_map"]
        if isinstance(s, dict)
    )
    raw_starts = [s[0] for s in spans]
    size = len(record["text"])
    placed = []
    for removal in record["removals"]:
        raw = int(removal.get("raw_start") or 0)
        i = bisect.bisect_right(raw_starts, raw) - 1
        if i >= 0 and raw < spans[i][0] + spans[i][2]:
            at = spans[i][1] + raw - spans[i][0]
        elif i + 1 < len(spans):
            at = spans[i + 1][1]
        else:
            at = size if spans else 0
        placed.append((min(max(at, 0), size), removal))
    placed.sort(key=lambda item: (item[0], int(item[1].get("raw_start") or 0)))
    return placed


def _removal_html(removal: dict[str, Any], inline: bool) -> str:
    tag = "span" if inline else "div"
    kind = escape(str(removal.get("kind") or "removed"))
    rule = escape(str(removal.get("rule") or ""))
    return (
        f"<{tag} class='rm' title='removed: {kind} ({rule})'>"
        f"<span class='rmk'>{kind}</span>{escape(str(removal.get('text') or ''))}"
        f"</{tag}>"
    )


class _Writer:
    """Collects blocks; a paragraph or heading stays open until a cut closes it."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.open: str | None = None  # closing tag of the open block
        self.filled = False

    def start(self, opening: str, closing: str) -> None:
        self.close()
        self.out.append(opening)
        self.open, self.filled = closing, False

    def add(self, html: str) -> None:
        if self.open is None:
            self.start("<p>", "</p>")
        self.out.append(html)
        self.filled = True

    def close(self) -> None:
        if self.open is not None:
            self.out.append(self.open)
            self.open = None


def _heading_open(sections: list[dict[str, Any]], synthetic: bool) -> str:
    first = sections[0]
    level = min(6, int(first.get("level") or 1) + 1)
    anchors = "".join(
        f"<a class='anchor' id='sec-{css_name(str(s.get('id')))}'></a>"
        for s in sections[1:]
    )
    chips = "".join(_label_chip(s) for s in sections)
    title = escape(str(first.get("title") or "")) if synthetic else ""
    return (
        f"<h{level} class='sec' id='sec-{css_name(str(first.get('id')))}'>"
        f"{anchors}{chips}{title}"
    ), f"</h{level}>"


def _label_chip(section: dict[str, Any]) -> str:
    label = str(section.get("label") or "unlabelled")
    confidence = section.get("confidence")
    method = section.get("method") or ""
    title = f"section {section.get('id')}: {label} ({method}"
    title += f", confidence {confidence})" if confidence is not None else ")"
    model = section.get("model_label")
    extra = ""
    if model and model != label:
        title += f"; the classifier reads its body as {model}"
        extra = f"<span class='chip model'>model: {escape(model)}</span>"
    return (
        f"<span class='chip label lb-{css_name(label)}' title='{escape(title)}'>"
        f"{escape(label)}</span>{extra}"
    )


def _piece(text: str, a: int, b: int, active: list[Mark]) -> str:
    content = escape(text[a:b])
    if not active:
        return str(content)
    classes = ["a"]
    titles = []
    for mark in active:
        if mark.kind == "metric":
            classes.append("m")
        elif mark.kind == "weakness":
            classes.append("w")
        elif mark.kind == "improvement":
            classes.append("imp")
        if mark.title:
            titles.append(mark.title)
    title = f" title='{escape(' | '.join(dict.fromkeys(titles)))}'" if titles else ""
    return (
        f"<span id='x{a}' class='{' '.join(dict.fromkeys(classes))}' "
        f"data-s='{a}' data-e='{b}'{title}>{content}</span>"
    )


def render_body(record: dict[str, Any], marks: list[Mark]) -> Body:
    """The report's text as HTML with ``marks`` drawn and addressable."""
    text: str = record["text"]
    size = len(text)
    tables = []
    for table in sorted(
        (t for t in record["tables"] if isinstance(t, dict)),
        key=lambda t: int(t.get("start") or 0),
    ):
        start = min(max(int(table.get("start") or 0), 0), size)
        end = min(max(int(table.get("end") or 0), start), size)
        if end > start and not (tables and start < tables[-1][1]):
            tables.append((start, end, table))
    headings: dict[int, list[dict[str, Any]]] = {}
    heading_ends: dict[int, int] = {}
    for section in record["sections"]:
        start = min(max(int(section.get("start") or 0), 0), size)
        headings.setdefault(start, []).append(section)
    for start, group in headings.items():
        group.sort(key=lambda s: int(s.get("level") or 1))
        end = group[0].get("title_end")
        heading_ends[start] = (
            min(max(int(end), start), size) if end is not None else start
        )

    kept = [m for m in marks if 0 <= m.start < m.end <= size]
    removals = removal_positions(record)
    cuts = {0, size}
    for m in kept:
        cuts.update((m.start, m.end))
    for i, ch in enumerate(text):
        if ch == "\n":
            cuts.update((i, i + 1))
    for start, end in heading_ends.items():
        cuts.update((start, end))
    for start, end, _ in tables:
        cuts.update((start, end))
    cuts.update(at for at, _ in removals)
    order = sorted(c for c in cuts if 0 <= c <= size)

    starts_at: dict[int, list[int]] = {}
    ends_at: dict[int, list[int]] = {}
    for index, m in enumerate(kept):
        starts_at.setdefault(m.start, []).append(index)
        ends_at.setdefault(m.end, []).append(index)

    body = Body(html="")
    writer = _Writer()
    active: dict[int, Mark] = {}
    pending = 0
    table_index = {id(t): i for i, t in enumerate(record["tables"])}
    t_i = 0
    heading_end: int | None = None
    emitted_headings: set[int] = set()

    def flush_removals(upto: int) -> None:
        nonlocal pending
        while pending < len(removals) and removals[pending][0] <= upto:
            inline = writer.open is not None and writer.filled
            html = _removal_html(removals[pending][1], inline)
            if inline:
                writer.out.append(html)
            else:
                writer.close()
                writer.out.append(html)
            pending += 1

    for k in range(len(order) - 1):
        a, b = order[k], order[k + 1]
        for index in ends_at.get(a, ()):
            active.pop(index, None)
        for index in starts_at.get(a, ()):
            active[index] = kept[index]
        if heading_end is not None and a >= heading_end:
            writer.close()
            heading_end = None
        flush_removals(a)
        while t_i < len(tables) and tables[t_i][1] <= a:
            t_i += 1
        if t_i < len(tables) and tables[t_i][0] <= a < tables[t_i][1]:
            start, end, table = tables[t_i]
            if a == start:
                writer.close()
                heading_end = None
                for at in sorted(h for h in headings if start <= h < end):
                    opening, closing = _heading_open(headings[at], synthetic=True)
                    writer.out.append(opening + closing)
                    emitted_headings.add(at)
                html, spots, container = table_html(table, table_index[id(table)], text)
                writer.out.append(html)
                body.cells.extend(spots)
                body.tables.append((start, end, container))
            continue
        if a in headings and a not in emitted_headings:
            emitted_headings.add(a)
            end = heading_ends[a]
            opening, closing = _heading_open(headings[a], synthetic=end <= a)
            if end <= a:
                writer.close()
                writer.out.append(opening + closing)
            else:
                writer.start(opening, closing)
                writer.filled = True
                heading_end = end
        if text[a:b] == "\n":
            if heading_end is None:
                writer.close()
            continue
        chips = []
        for index in starts_at.get(a, ()):
            mark = kept[index]
            if mark.chip:
                extra = f" wc-{css_name(mark.category)}" if mark.category else ""
                chips.append(
                    f"<span class='chip {mark.kind}{extra}'>{escape(mark.chip)}</span>"
                )
        piece = _piece(text, a, b, list(active.values()))
        if active:
            body.pieces.append((a, b, f"x{a}"))
        writer.add("".join(chips) + piece)
    flush_removals(size)
    writer.close()
    body.html = "".join(writer.out)
    body.headings = {
        str(s.get("id")): f"sec-{css_name(str(s.get('id')))}"
        for group in headings.values()
        for s in group
    }
    return body
