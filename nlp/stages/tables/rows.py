"""From a row's value tokens to ``Cell`` records, shared by every table reader.

A row read directly (as many tokens as columns) gives its cells as printed. A row
whose digits ran together gets candidate splits (streams.py); the table's relations
choose among them, and a cell is only given a value when every surviving split agrees.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ...config.indicators import Relation
from ...errors import Errors
from ...records import Ambiguity, Cell
from .streams import Constraint, Piece, solve, split_row, whole_piece
from .view import TextView, Token


@dataclass
class TableRead:
    """What a reader found: the cells and the table's extent (view indexes)."""

    start: int
    end: int
    rows: list[RowRead] = field(default_factory=list)
    cells: list = field(default_factory=list)
    layout: str | None = None
    notes: list[str] = field(default_factory=list)
    ambiguities: list = field(default_factory=list)


def printed(
    view: TextView, text: str, hit_start: int, hit_end: int
) -> tuple[str, int, int]:
    start, end = view.span(hit_start, hit_end)
    return " ".join(text[start:end].split()), start, end


# Candidate splits listed in a table note when a row stays ambiguous.
MAX_LISTED = 8


@dataclass
class RowRead:
    """One printed row: its label, what each column means, and the tokens found."""

    key: str | None  # row id (t2/t3), indicator id (pre-2019), block-less "t4"
    label: str
    label_start: int  # text offsets
    label_end: int
    columns: list[str | None]  # column ids, in order
    indicators: list[str | None]
    column_labels: list[str]
    units: list[str | None]
    types: list[str]
    tokens: list[Token] = field(default_factory=list)
    zone_unit: str | None = None
    zone_start: int = 0  # view index where the values were looked for
    check: Callable[[Sequence], bool] | None = None
    candidates: list[tuple[Piece, ...]] = field(default_factory=list)
    split: bool = False  # candidates come from cutting run-together digits
    problem: str | None = None
    layout: str | None = None  # table 二: the layout whose columns the row follows

    @property
    def ncols(self) -> int:
        return len(self.columns)


def add_row(rows: list[RowRead], read: RowRead) -> None:
    """Append a row; a label printed twice keeps the reading that fits its columns.

    A row label can also occur in prose or in a repeated header; the occurrence with
    as many values as columns (else with the most values) is the table's row.
    """
    if read.key is not None:
        for i, old in enumerate(rows):
            if old.key == read.key:
                if _fit(read) > _fit(old):
                    rows[i] = read
                return
    rows.append(read)


def _fit(row: RowRead) -> tuple[bool, bool, int]:
    n = len([t for t in row.tokens if t.kind != "text"])
    return (n == row.ncols, bool(row.candidates), n)


def _empty_piece(at: int) -> Piece:
    return Piece(at, at, "", None, None, "blank")


def prepare(row: RowRead, table: str, fitted: bool = False) -> None:
    """Fill ``row.candidates`` from its tokens.

    ``fitted``: the tokens are already the row's cells in column order (align.py),
    blank cells in place, or fewer when digits ran together.
    """
    tokens = [t for t in row.tokens if t.kind != "text"]
    n = row.ncols
    if not fitted and len(tokens) > n and any(t.kind == "blank" for t in tokens):
        tokens = _drop_padding(tokens, n)
        row.tokens = tokens
    if not tokens:
        row.candidates = [tuple(_empty_piece(row.zone_start) for _ in range(n))]
        return
    if len(tokens) == n:
        row.candidates = [tuple(whole_piece(t) for t in tokens)]
        return
    if len(tokens) < n and any(t.splittable for t in tokens):
        values = [t for t in tokens if t.kind != "blank"]
        candidates, _ = split_row(values, n, row.check, row.types)
        digits = " ".join(t.raw for t in values)
        if not candidates and row.check is not None:
            # No cut keeps the row's own relation: then the printed row breaks it
            # however its digits are cut. The cuts that fit the digits and the
            # column types are its admissible readings still; the relation's check
            # judges them (fail only when every one fails), instead of nothing
            # being read.
            candidates, _ = split_row(values, n, None, row.types)
            if candidates:
                row.problem = Errors.E413.format(
                    table=table, row=row.label, digits=digits, n=n, k=len(candidates)
                )
        row.candidates = candidates
        row.split = True
        if not candidates:
            row.problem = Errors.E412.format(
                table=table, row=row.label, digits=digits, n=n
            )
        return
    row.candidates = []
    row.problem = Errors.E410.format(
        table=table, row=row.label, found=len(tokens), expected=n
    )


def _drop_padding(tokens: list[Token], n: int) -> list[Token]:
    """Blank pipe cells that only pad merged cells (| 行政许可 | 9487 | | |)."""
    while len(tokens) > n and tokens[0].kind == "blank":
        tokens = tokens[1:]
    while len(tokens) > n and tokens[-1].kind == "blank":
        tokens = tokens[:-1]
    filled = [t for t in tokens if t.kind != "blank"]
    return filled if len(tokens) > n and len(filled) == n else tokens


def constraints_for(
    relations: Sequence[Relation], rows: Sequence[RowRead]
) -> list[Constraint]:
    """The relations between rows (per column), as constraints on cell indexes."""
    index: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row.key and row.key not in index and row.candidates:
            index[row.key] = i
    out: list[Constraint] = []
    for relation in relations:
        if relation.over not in ("columns", None):
            continue
        right = list(relation.right)
        for alternative in relation.right_one_of:
            if all(r in index for r in alternative):
                right += alternative
                break
        else:
            if relation.right_one_of:
                continue
        operands = list(relation.left) + right
        if not all(o in index for o in operands):
            continue
        if relation.closed and not closed_block(rows, index, relation):
            continue
        ncols = min(rows[index[o]].ncols for o in operands)
        # Every value column obeys the relation (pre-2019: also 历年累计).
        for c in range(ncols):
            out.append(
                Constraint(
                    relation.op,
                    tuple((index[o], c) for o in relation.left),
                    tuple((index[o], c) for o in right),
                )
            )
    return out


def closed_block(
    rows: Sequence[RowRead], index: dict[str, int], relation: Relation
) -> bool:
    """True unless a row without an id sits among (or right after) the relation's parts.

    Local tables add channels (电子邮件申请数) or merge them (信函、传真申请数); the
    national sum relations don't hold for them.
    """
    total = index[relation.left[0]]
    parts = {index[o] for o in relation.right if o in index}
    last = max(parts | {total})
    for i in range(total + 1, len(rows)):
        row = rows[i]
        if row.key is None:
            return False
        if i > last and row.key not in relation.right:
            return True
    return True


# Splits of one row kept for later stages; beyond this the row stays unreadable.
MAX_KEPT_SPLITS = 64


def finish(
    rows: Sequence[RowRead],
    constraints: Sequence[Constraint],
    notes: list[str],
    view: TextView,
    table: str,
    ambiguities: list[Ambiguity] | None = None,
) -> list[Cell]:
    """Choose the cells of every row, using the constraints for run-together rows.

    Every row cut from run-together digits is listed in ``ambiguities`` (when given,
    with up to ``MAX_KEPT_SPLITS`` splits) with all its admissible readings: those the
    digits, the column types and the row's own relation allow. The constraints
    between rows only choose what the cells show.
    """
    candidates = [
        [tuple(p.value for p in cand) for cand in row.candidates] for row in rows
    ]
    survivors = solve(candidates, constraints)
    cells: list[Cell] = []
    inferred_rows = 0
    ambiguous_cells = 0
    for row, keep in zip(rows, survivors):
        if row.problem:
            notes.append(row.problem)
        chosen = [row.candidates[i] for i in keep]
        split = row.split and bool(chosen)
        if split and ambiguities is not None and len(row.candidates) <= MAX_KEPT_SPLITS:
            ambiguities.append(
                Ambiguity(
                    cells=list(range(len(cells), len(cells) + row.ncols)),
                    splits=[[p.value for p in cand] for cand in row.candidates],
                    raw=" ".join(t.raw for t in row.tokens if t.kind != "blank"),
                )
            )
        if split and len(chosen) == 1:
            inferred_rows += 1
        elif split:
            digits = " ".join(t.raw for t in row.tokens)
            splits = "; ".join(
                " | ".join(str(p.value) for p in cand) for cand in chosen[:MAX_LISTED]
            )
            more = f"; … ({len(chosen)} in all)" if len(chosen) > MAX_LISTED else ""
            notes.append(
                Errors.E411.format(table=table, digits=digits, row=row.label)
                + f" Possible: {splits}{more}."
            )
        for c in range(row.ncols):
            pieces = [cand[c] for cand in chosen]
            status = "ok"
            if not pieces:
                piece = _empty_piece(row.zone_start)
                status = "unreadable"
                value = None
            else:
                piece = pieces[0]
                same = all(
                    p.value == piece.value and p.kind == piece.kind for p in pieces
                )
                value = piece.value if same else None
                if not same:
                    status = "unreadable"
                elif piece.kind != "num":
                    status = "empty"
                elif split:
                    status = "inferred"
            if status == "unreadable" and split:
                ambiguous_cells += 1
            cells.append(_cell(row, c, piece, value, status, view))
    if inferred_rows:
        notes.append(
            f"{table}: {inferred_rows} row(s) had their numbers run together; one "
            "split fits the digits and the table's relations (cells 'inferred')."
        )
    if ambiguous_cells:
        notes.append(
            f"{table}: {ambiguous_cells} cell(s) fit several splits of their row's "
            "digits; kept as 'unreadable' (value null)."
        )
    return cells


def _cell(
    row: RowRead, c: int, piece: Piece, value, status: str, view: TextView
) -> Cell:
    kind = row.types[c]
    if isinstance(value, float) and kind in ("int", "signed") and value.is_integer():
        value = int(value)
    unit = piece.unit or row.zone_unit or row.units[c]
    if status == "unreadable" and row.tokens:
        # Point at everything the row printed: no single place holds this cell.
        start, end = view.span(row.tokens[0].start, row.tokens[-1].end)
        raw = " ".join(t.raw for t in row.tokens)
    else:
        start, end = view.span(piece.start, piece.end)
        raw = piece.raw
    return Cell(
        indicator=row.indicators[c],
        row=row.label,
        column=row.column_labels[c],
        value=value,
        raw=raw,
        unit=unit,
        start=start,
        end=end,
        status=status,
    )
