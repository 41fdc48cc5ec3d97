"""A table's printed rows aligned to its official template (docs/FORMATS.md §2.3-2.5).

A table region is read as a sequence of observed value rows: the numbers of one pipe
row, of one line of running text, of a run of one-value lines (one cell a line, where
extra empty lines are blank cells), or the digits between two labels of a crawl that
lost its markup. Each row keeps the text printed since the previous row (its own label
cells included) as its label context. ``align`` matches that sequence to the
template's row sequence by dynamic programming over order, scored by label
similarity: rows whose label is printed anchor the alignment, rows whose label was
lifted elsewhere (PDF-to-Markdown converters) or lost fill the gaps between anchors in
order, and a row the template does not have (a footnote, a stray number) is skipped.
A row is assigned only when every best alignment assigns it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any

from ...text.fold import Fold
from .view import PUNCT, Hit, TextView, Token, ZoneReader

# A label key shorter than this is matched by exact hits only ("其他", "总计").
MIN_FUZZY_KEY = 4
# Bigram recall below this is no evidence for a row.
FUZZY_FLOOR = 0.5
# Evidence at or above this makes a matched row an anchor of the alignment.
ANCHOR = 0.5
# Cost of leaving an observed value row unassigned (a footnote, a stray number).
SKIP_ROW = 0.3


@dataclass
class Observed:
    """One printed value row and the label text before it (view indexes)."""

    tokens: list[Token]  # value tokens (num, empty, blank) in printed order
    start: int
    end: int
    context: str = ""
    hits: list[Hit] = field(default_factory=list)  # exact label hits in the context
    pipe: bool = False
    positions: list[int] = field(default_factory=list)  # pipe rows: grid position
    header: dict[int, str] = field(default_factory=dict)  # the pipe header above

    @property
    def values(self) -> list[Token]:
        return [t for t in self.tokens if t.kind in ("num", "empty")]

    def capacity(self) -> int:
        """How many cells the row's tokens can make at most (digits may be split)."""
        return sum(len(t.digits) if t.splittable else 1 for t in self.tokens)

    @cached_property
    def context_key(self) -> str:
        return key(self.context)

    @cached_property
    def context_grams(self) -> set[str]:
        return _bigrams(self.context_key)

    @cached_property
    def hit_payloads(self) -> list[Any]:
        """The payloads of every hit, in one list (asked once per template row)."""
        return [payload for hit in self.hits for payload in hit.payloads]


def key(text: str) -> str:
    """Text without white space and punctuation, as labels are compared."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in PUNCT)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


# ---------------------------------------------------------------------- observing


class _Builder:
    """State while the lines of a region are read into observed rows."""

    def __init__(self, hits: Sequence[Hit], base_gap: int):
        self.hits = hits
        self.base_gap = base_gap
        self.rows: list[Observed] = []
        self.context: list[str] = []
        self.context_hits: list[Hit] = []
        self.singles: list[tuple[int, Token]] = []
        self.label_line = -1  # last line that held label text
        self.header: dict[int, str] = {}
        self.header_done = False  # a value row came after the header lines

    def text(self, raw: str) -> None:
        self.context.append(raw)

    def collect_hits(self, a: int, b: int) -> None:
        for hit in self.hits:
            if a <= hit.start < b and hit not in self.context_hits:
                self.context_hits.append(hit)

    def emit(
        self, tokens: list[Token], pipe: bool = False, positions: list[int] = ()
    ) -> None:
        values = [t for t in tokens if t.kind in ("num", "empty")]
        if not values:
            return
        self.rows.append(
            Observed(
                tokens=tokens,
                start=values[0].start,
                end=values[-1].end,
                context="".join(self.context),
                hits=list(self.context_hits),
                pipe=pipe,
                positions=list(positions),
                header=dict(self.header) if pipe else {},
            )
        )
        self.context.clear()
        self.context_hits.clear()

    def header_line(self, cells: list[tuple[int, Token]]) -> None:
        if self.header_done:
            self.header, self.header_done = {}, False
        for position, token in cells:
            if token.kind == "text":
                self.header[position] = self.header.get(position, "") + token.raw

    def flush_singles(self, next_line: int | None) -> None:
        if not self.singles:
            return
        tokens: list[Token] = []
        previous = self.label_line
        for number, token in self.singles:
            if previous >= 0:
                tokens += _blanks(number - previous, self.base_gap, token.start)
            tokens.append(token)
            previous = number
        if next_line is not None:
            end = self.singles[-1][1].end
            tokens += _blanks(next_line - previous, self.base_gap, end)
        self.singles = []
        self.emit(tokens)


def observe(
    view: TextView, start: int, end: int, hits: Sequence[Hit], zones: ZoneReader
) -> list[Observed]:
    """The value rows of ``view.s[start:end]``, each with its label context."""
    s = view.s
    hits = [h for h in hits if start <= h.start < end]
    cuts = sorted({h.start for h in hits})
    lines = _lines(s, start, end)
    build = _Builder(hits, _base_gap(s, lines, zones))
    for number, (a, b) in enumerate(lines):
        if not s[a:b].strip():
            continue
        if "|" in s[a:b]:
            build.flush_singles(number)
            _pipe_line(build, s, a, b, zones)
            build.label_line = number
            continue
        pieces = _running_line(s, a, b, cuts, zones)
        if len(pieces) == 1 and not pieces[0][1] and len(pieces[0][2]) == 1:
            build.singles.append((number, pieces[0][2][0]))  # one cell a line
            continue
        build.flush_singles(number)
        for seg_a, texts, run in pieces:
            for token in texts:
                build.text(token.raw)
            build.collect_hits(seg_a, run[0].start if run else b)
            build.emit(run)
        if any(texts for _, texts, _ in pieces):
            build.label_line = number
    build.flush_singles(None)
    return build.rows


def _pipe_line(build: _Builder, s: str, a: int, b: int, zones: ZoneReader) -> None:
    cells = pipe_cells(s, a, b, zones)
    first = next(
        (i for i, (_, t) in enumerate(cells) if t.kind in ("num", "empty")), None
    )
    if first is None:
        build.header_line(cells)
        for _, token in cells:
            if token.kind == "text":
                build.text(token.raw)
        build.collect_hits(a, b)
        return
    build.header_done = True
    for _, token in cells[:first]:
        if token.kind == "text":
            build.text(token.raw)
    build.collect_hits(a, cells[first][1].start)
    # Blank cells between the label and the first value keep their place: they are
    # a merged label cell's covered positions or blank values; the reader decides.
    lead = []
    for position, token in reversed(cells[:first]):
        if token.kind != "blank":
            break
        lead.insert(0, (position, token))
    rest = [(p, t) for p, t in cells[first:] if t.kind != "text"]
    row = lead + rest
    build.emit([t for _, t in row], True, [p for p, _ in row])
    for _, token in cells[first:]:
        if token.kind == "text":  # a note after the values: context of the next row
            build.text(token.raw)


def _running_line(
    s: str, a: int, b: int, cuts: Sequence[int], zones: ZoneReader
) -> list[tuple[int, list[Token], list[Token]]]:
    """A line of running text as (segment start, label tokens, value run) pieces,
    cut at every label hit (a crawl's digits run into the next row's ordinal)."""
    points = [a] + [c for c in cuts if a < c < b] + [b]
    pieces: list[tuple[int, list[Token], list[Token]]] = []
    for seg_a, seg_b in pairwise(points):
        texts: list[Token] = []
        run: list[Token] = []
        piece_start = seg_a
        for token in zones.run_tokens(s, seg_a, seg_b):
            if token.kind == "text":
                if run:
                    pieces.append((piece_start, texts, run))
                    texts, run, piece_start = [], [], token.start
                texts.append(token)
            else:
                run.append(token)
        pieces.append((piece_start, texts, run))
    return [p for p in pieces if p[1] or p[2]]


def _lines(s: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    a = start
    while a < end:
        b = s.find("\n", a, end)
        b = end if b < 0 else b
        out.append((a, b))
        a = b + 1
    return out


def _single_value(s: str, a: int, b: int, zones: ZoneReader) -> bool:
    if "|" in s[a:b]:
        return False
    tokens = zones.run_tokens(s, a, b)
    return len(tokens) == 1 and tokens[0].kind != "text"


def _base_gap(s: str, lines: list[tuple[int, int]], zones: ZoneReader) -> int:
    """Line distance between two cells of a one-cell-a-line table: 1, or 2 when every
    cell is followed by an empty line. Empty lines beyond it are blank cells."""
    gaps = []
    previous = None
    for number, (a, b) in enumerate(lines):
        if not s[a:b].strip():
            continue
        if _single_value(s, a, b, zones):
            if previous is not None:
                gaps.append(number - previous)
            previous = number
        else:
            previous = None
    return min(gaps) if gaps else 1


def _blanks(gap: int, base: int, at: int) -> list[Token]:
    return [Token("blank", at, at, "") for _ in range(max(0, gap // base - 1))]


def pipe_cells(s: str, a: int, b: int, zones: ZoneReader) -> list[tuple[int, Token]]:
    """The cells of a pipe line as (grid position, token). Numbers printed apart
    inside one cell are several tokens at the same position; none is ever split."""
    bars = [i for i in range(a, b) if s[i] == "|"]
    bounds = list(zip([a - 1, *bars], [*bars, b]))
    if bounds and not s[bounds[0][0] + 1 : bounds[0][1]].strip():
        bounds = bounds[1:]  # the line starts with a bar
    if bounds and not s[bounds[-1][0] + 1 : bounds[-1][1]].strip():
        bounds = bounds[:-1]  # the line ends with a bar
    out: list[tuple[int, Token]] = []
    for position, (lo, hi) in enumerate(bounds):
        for token in zones.cell_tokens(s, lo + 1, hi):
            out.append((position, token))
    return out


# ---------------------------------------------------------------------- aligning


class LabelScorer:
    """How well a row's label context names each template row."""

    def __init__(self, labels: Sequence[Sequence[str]], fold: Fold):
        self.keys = [[key(fold(label)) for label in row] for row in labels]
        self.grams = [[_bigrams(k) for k in row] for row in self.keys]

    def similarity(self, observed: Observed, row: int, payload: object) -> float:
        """1.0 for an exact label hit, else the best bigram recall of a label."""
        if payload in observed.hit_payloads:
            return 1.0
        context = observed.context_key
        if not context:
            return 0.0
        grams = observed.context_grams
        best = 0.0
        for label_key, label_grams in zip(self.keys[row], self.grams[row]):
            if len(label_key) < MIN_FUZZY_KEY:
                continue
            if label_key in context:
                return 1.0
            best = max(best, len(label_grams & grams) / len(label_grams))
        return best if best >= FUZZY_FLOOR else 0.0


@dataclass
class Alignment:
    """Template row index -> observed row index, and the label evidence of each."""

    rows: dict[int, int]
    evidence: dict[int, float]
    undecided: list[int]  # observed rows the best alignments assign differently
    score: float = 0.0


def align(
    observed: Sequence[Observed],
    size: int,
    similarity: Callable[[int, int], float],
    compatible: Callable[[int, int], bool],
) -> Alignment:
    """Match observed rows (by index) to ``size`` template rows in order.

    ``similarity(o, t)`` is the label evidence in [0, 1] that observed row ``o`` is
    template row ``t``; ``compatible(o, t)`` whether its values can fill that row's
    columns. Matching a row scores 1 plus its evidence, minus the evidence that it is
    another row; skipping an observed row costs ``SKIP_ROW``; a template row the
    report does not print costs nothing.
    """
    n, m = len(observed), size
    sims = [[similarity(i, j) for j in range(m)] for i in range(n)]
    score: list[list[float | None]] = []
    for i in range(n):
        row: list[float | None] = []
        ranked = sorted(range(m), key=lambda k: sims[i][k], reverse=True)
        first = ranked[0] if ranked else None
        top = sims[i][first] if first is not None else 0.0
        second = sims[i][ranked[1]] if len(ranked) > 1 else 0.0
        for j in range(m):
            if not compatible(i, j):
                row.append(None)
                continue
            other = second if j == first else top  # the best evidence for another row
            row.append(1.0 + 5.0 * sims[i][j] - 3.0 * other)
        score.append(row)
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        table[i][0] = table[i - 1][0] - SKIP_ROW
        for j in range(1, m + 1):
            best = max(table[i - 1][j] - SKIP_ROW, table[i][j - 1])
            s = score[i - 1][j - 1]
            if s is not None:
                best = max(best, table[i - 1][j - 1] + s)
            table[i][j] = best

    def backtrack(prefer_match: bool) -> dict[int, int]:
        out: dict[int, int] = {}
        i, j = n, m
        while i > 0 and j > 0:
            here = table[i][j]
            s = score[i - 1][j - 1]
            can = {
                "match": s is not None and _same(here, table[i - 1][j - 1] + s),
                "template": _same(here, table[i][j - 1]),
                "row": _same(here, table[i - 1][j] - SKIP_ROW),
            }
            order = (
                ("match", "template", "row")
                if prefer_match
                else ("template", "match", "row")
            )
            move = next(x for x in order if can[x])
            if move == "match":
                out[j - 1] = i - 1
                i, j = i - 1, j - 1
            elif move == "template":
                j -= 1
            else:
                i -= 1
        return out

    late = backtrack(prefer_match=True)
    early = backtrack(prefer_match=False)
    late_of = {o: t for t, o in late.items()}
    early_of = {o: t for t, o in early.items()}
    undecided = sorted(
        o for o in set(late_of) | set(early_of) if late_of.get(o) != early_of.get(o)
    )
    rows = {t: o for t, o in late.items() if o not in undecided}
    # Rows placed by order alone stand between two anchors, never beyond them.
    anchors = [o for t, o in rows.items() if sims[o][t] >= ANCHOR]
    if anchors:
        lo, hi = min(anchors), max(anchors)
        rows = {t: o for t, o in rows.items() if lo <= o <= hi}
    else:
        rows = {}
    evidence = {t: sims[o][t] for t, o in rows.items()}
    return Alignment(rows, evidence, undecided, table[n][m])


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


# ------------------------------------------------------------------- cells


def column_positions(
    header: dict[int, str], labels: Sequence[Sequence[str]], fold: Fold
) -> list[int] | None:
    """The grid position of each column, read from the header cells above a pipe
    row: each column's label at a position after the previous column's."""
    if not header:
        return None
    texts = {p: key(fold(t)) for p, t in header.items()}
    out: list[int] = []
    last = -1
    for names in labels:
        keys = [key(fold(n)) for n in names]
        found = next(
            (
                p
                for p in sorted(texts)
                if p > last and any(k and k in texts[p] for k in keys)
            ),
            None,
        )
        if found is None:
            return None
        out.append(found)
        last = found
    return out


def fit_cells(
    row: Observed, ncols: int, positions: list[int] | None = None
) -> list[Token] | None:
    """The row's tokens for ``ncols`` columns, blank cells kept in place; fewer when
    digits ran together (the split solver cuts them); None when they cannot fit.

    By grid position when the header gave each column's position; else the printed
    values when there are exactly ``ncols``; else every cell blank or not when that
    makes ``ncols``; else blank padding next to the label (merged label cells) and
    after the last value (a merged value cell) is dropped.
    """
    if positions is not None and row.positions:
        by_position: dict[int, list[Token]] = {}
        for p, t in zip(row.positions, row.tokens):
            by_position.setdefault(p, []).append(t)
        if all(len(by_position.get(p, [])) <= 1 for p in positions) and set(
            by_position
        ) - set(positions) <= {
            p for p, ts in by_position.items() if all(t.kind == "blank" for t in ts)
        }:
            return [
                by_position[p][0]
                if p in by_position
                else Token("blank", row.end, row.end, "")
                for p in positions
            ]
    tokens = row.tokens
    values = row.values
    if len(values) == ncols:
        return values
    if len(tokens) == ncols:
        return list(tokens)
    if len(tokens) > ncols:
        trimmed = list(tokens)
        while len(trimmed) > ncols and trimmed[0].kind == "blank":
            trimmed.pop(0)
        while len(trimmed) > ncols and trimmed[-1].kind == "blank":
            trimmed.pop()
        return trimmed if len(trimmed) == ncols else None
    if any(t.splittable for t in values) and row.capacity() >= ncols:
        return values
    return None


def faithful(rows: Sequence[Observed], positions: list[int] | None) -> bool:
    """Whether a header's column positions hold for the rows that print every value:
    PDF-to-Markdown converters misplace cells, a CMS or Word grid does not."""
    if positions is None:
        return False
    confirmed = False
    for row in rows:
        if not row.pipe or len(row.values) != len(positions):
            continue
        printed = [p for p, t in zip(row.positions, row.tokens) if t.kind != "blank"]
        if printed != positions:
            return False
        confirmed = True
    return confirmed
