"""Numbers that lost their separators: "640020470" for the cells 64 0 0 2 0 4 70.

Crawled pages sometimes drop the cell borders of a table, so a row's numbers run
together. ``split_row`` enumerates the ways to cut the digit runs of a row into the
expected number of cells (a cell of several digits never starts with 0) and keeps the
splits its row relation accepts (R2: the six columns sum to 总计; R4 per block).
``solve`` then uses the relations between rows (R1, R3 per column) to single out one
split. A cell is known only when every surviving split gives it the same value;
otherwise it stays unreadable: never guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .view import Token, parse_number

MAX_CELL_DIGITS = 12
MAX_SPLITS = 20000
MAX_NODES = 200000


@dataclass(frozen=True)
class Piece:
    """One cell cut from a token: view span, text and value."""

    start: int
    end: int
    raw: str
    value: int | float | None
    unit: str | None
    kind: str  # "num" | "empty" | "blank"


Values = tuple  # one candidate: the values of a row's cells, in column order
RowCheck = Callable[[Sequence], bool]


class _TooMany(Exception):
    """More splits than MAX_SPLITS: the row can't be read by enumeration."""


def whole_piece(token: Token) -> Piece:
    if token.kind == "num":
        text = token.raw
        if token.unit and text.endswith(token.unit):
            text = text[: -len(token.unit)].strip()
        return Piece(
            token.start, token.end, token.raw, parse_number(text), token.unit, "num"
        )
    return Piece(token.start, token.end, token.raw, None, None, token.kind)


def _piece(token: Token, i: int, j: int, last: bool) -> Piece:
    """Cell ``digits[i:j]`` of a token (the last one keeps the fraction and unit)."""
    digits = token.digits
    sign_len = len(token.sign)
    a = token.start + sign_len + i
    b = token.start + sign_len + j
    text = digits[i:j]
    raw = text
    if last:
        b = token.end
        raw = text + token.tail + (token.unit or "")
        value = parse_number(text + token.tail)
    else:
        value = int(text)
    if i == 0 and token.sign:
        a = token.start
        raw = token.sign + raw
        value = -value if token.sign == "-" else value  # type: ignore[operator]
    return Piece(a, b, raw, value, token.unit if last else None, "num")


def split_row(
    tokens: Sequence[Token],
    ncols: int,
    check: RowCheck | None = None,
    types: Sequence[str] | None = None,
) -> tuple[list[tuple[Piece, ...]], bool]:
    """Candidate cell lists for a row whose tokens are fewer than its columns.

    Every cut of the digits into ``ncols`` cells (a cell of several digits never starts
    with 0) is enumerated cell by cell; a cut is dropped as soon as a cell misfits its
    column type (``types``: a negative value only in a ``signed`` column, a fraction
    only in a ``decimal`` one) or a block of the row relation ``check`` is complete
    and broken (R4 per block of table 四). Returns the candidates and whether
    ``check`` took part; an empty list when the tokens cannot make ``ncols`` cells,
    or when ``check`` accepts no candidate (then the second value is True: the row
    breaks its own relation, and no cut of its digits is to be trusted).
    """
    capacity = [len(t.digits) if t.splittable else 1 for t in tokens]
    if sum(capacity) < ncols or len(tokens) > ncols:
        return [], False
    after = [sum(capacity[i + 1 :]) for i in range(len(tokens))]
    partial = getattr(check, "partial", None)
    results: list[tuple[Piece, ...]] = []
    typed = types is not None
    nodes = 0

    def fits(cells: list[Piece]) -> bool:
        column = len(cells) - 1
        if typed and not fits_types(cells[-1:], types[column:]):  # type: ignore[index]
            return False
        if partial is None or len(cells) == ncols:  # a whole row: judged below
            return True
        return _safe_check(partial, [p.value for p in cells])

    def walk(ti: int, pos: int, cells: list[Piece]) -> None:
        nonlocal nodes
        nodes += 1
        if len(results) > MAX_SPLITS or nodes > MAX_NODES * 5:
            raise _TooMany
        if ti == len(tokens):
            if len(cells) == ncols:
                results.append(tuple(cells))
            return
        token = tokens[ti]
        left = ncols - len(cells)  # cells still to make, this token's included
        later = len(tokens) - ti - 1
        if not token.splittable:
            if left - 1 >= later and left - 1 <= after[ti]:
                cells.append(whole_piece(token))
                if fits(cells):
                    walk(ti + 1, 0, cells)
                cells.pop()
            return
        digits = token.digits
        n = len(digits)
        for j in range(pos + 1, n + 1):
            width = j - pos
            if width > MAX_CELL_DIGITS or (width > 1 and digits[pos] == "0"):
                break
            last = j == n
            rest = left - 1
            if last:
                if not (later <= rest <= after[ti]):
                    continue
            elif not (later + 1 <= rest <= (n - j) + after[ti]):
                continue
            cells.append(_piece(token, pos, j, last))
            if fits(cells):
                if last:
                    walk(ti + 1, 0, cells)
                else:
                    walk(ti, j, cells)
            cells.pop()

    try:
        walk(0, 0, [])
    except _TooMany:
        return [], False
    if check is None or not results:
        return results, False
    kept = [c for c in results if _safe_check(check, [p.value for p in c])]
    return kept, True


def fits_types(candidate: Sequence[Piece], types: Sequence[str]) -> bool:
    """Whether each cut cell fits its column: counts are non-negative integers."""
    for piece, kind in zip(candidate, types):
        value = piece.value
        if not isinstance(value, (int, float)):
            continue
        if value < 0 and kind != "signed":
            return False
        if isinstance(value, float) and not value.is_integer() and kind != "decimal":
            return False
    return True


def _safe_check(check: RowCheck, values: list) -> bool:
    try:
        return bool(check(values))
    except TypeError:  # an operand is None: the relation cannot prune
        return True


@dataclass(frozen=True)
class Constraint:
    """``Σ left op Σ right`` over (row index, column index) cells."""

    op: str  # "eq" | "le"
    left: tuple[tuple[int, int], ...]
    right: tuple[tuple[int, int], ...]

    def cells(self) -> tuple[tuple[int, int], ...]:
        return self.left + self.right

    def holds(self, value: Callable[[int, int], object]) -> bool | None:
        """True/False, or None when an operand is missing or not a number."""
        total = []
        for side in (self.left, self.right):
            acc = 0
            for r, c in side:
                v = value(r, c)
                if not isinstance(v, (int, float)):
                    return None
                acc += v
            total.append(acc)
        if self.op == "le":
            return total[0] <= total[1] + 1e-9
        return abs(total[0] - total[1]) < 1e-6


def solve(
    candidates: Sequence[Sequence[Values]], constraints: Sequence[Constraint]
) -> list[list[int]]:
    """Per row, the indexes of the candidates that survive the relations between rows.

    ``candidates[r]`` lists row r's possible value tuples (one for a row read
    directly). Constraints that only involve rows with one candidate are not used: they
    can't choose anything (the checks report them). When no joint choice satisfies the
    constraints, or the search is too large, each row keeps all its own candidates.
    """
    everything = [list(range(len(cands))) for cands in candidates]
    ambiguous = sorted(
        (r for r, cands in enumerate(candidates) if len(cands) > 1),
        key=lambda r: len(candidates[r]),
    )
    if not ambiguous:
        return everything
    order = {r: i for i, r in enumerate(ambiguous)}
    # A constraint is tested once the last of its ambiguous rows is chosen.
    by_step: dict[int, list[Constraint]] = {}
    for constraint in constraints:
        steps = [order[r] for r, _ in constraint.cells() if r in order]
        if steps:
            by_step.setdefault(max(steps), []).append(constraint)
    if not by_step:
        return everything
    chosen: dict[int, int] = {}

    def value(r: int, c: int):
        row = candidates[r][chosen.get(r, 0)] if candidates[r] else ()
        return row[c] if c < len(row) else None

    survivors: dict[int, set[int]] = {r: set() for r in ambiguous}
    solutions = 0
    nodes = 0
    aborted = False

    def walk(step: int) -> None:
        nonlocal nodes, aborted, solutions
        if aborted:
            return
        if step == len(ambiguous):
            solutions += 1
            for r, i in chosen.items():
                survivors[r].add(i)
            return
        r = ambiguous[step]
        for i in range(len(candidates[r])):
            nodes += 1
            if nodes > MAX_NODES:
                aborted = True
                return
            chosen[r] = i
            if all(c.holds(value) is not False for c in by_step.get(step, ())):
                walk(step + 1)
            del chosen[r]

    walk(0)
    if aborted or not solutions:
        return everything
    return [
        sorted(survivors[r]) if r in survivors else everything[r]
        for r in range(len(candidates))
    ]
