"""The admissible readings of a table's cells, and linear relations judged over them.

A cell printed on its own has one reading, its value. The cells of a row whose digits
ran together have the splits recorded in ``Table.ambiguities``: every cut of the
digits that fits the column types and the row's own relation and agrees with the
exact prose (resolve_splits.py); the table's other relations choose what is shown, but
never narrow what is judged. A relation is then judged over every joint reading
(interval semantics, as Arelle treats XBRL calculations): ``pass`` when every reading
passes, ``fail`` when every reading fails, ``mixed`` otherwise; ``missing`` when an
operand is blank, ``unknown`` when one has no recorded reading (unreadable, or placed
by order alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...records import Table

EPSILON = 1e-6
# Distinct sums tracked when readings combine; beyond this a relation is "unknown".
MAX_SUMS = 20000
# Nodes a joint search may visit before it gives up.
MAX_NODES = 200000


def close(a: float, b: float) -> bool:
    return abs(a - b) <= EPSILON * max(1.0, abs(a), abs(b))


class Readings:
    """Where each cell's readings come from: its own value, or a row's splits."""

    def __init__(self, table: Table):
        self.table = table
        self.where: dict[int, tuple[int, int]] = {}
        for k, ambiguity in enumerate(table.ambiguities):
            for pos, index in enumerate(ambiguity.cells):
                self.where[index] = (k, pos)

    def options(self, index: int) -> set[float] | None:
        """Every value cell ``index`` may have; None when it has no known reading."""
        cell = self.table.cells[index]
        if index in self.where:
            k, pos = self.where[index]
            values = {split[pos] for split in self.table.ambiguities[k].splits}
            if not values or any(v is None for v in values):
                return None
            return {float(v) for v in values}  # type: ignore[arg-type]
        if cell.status in ("ok",) and cell.value is not None:
            return {float(cell.value)}
        return None

    def blank(self, index: int) -> bool:
        cell = self.table.cells[index]
        return cell.status == "empty" or (
            cell.status == "ok" and cell.value is None and index not in self.where
        )

    def differences(
        self, terms: Sequence[tuple[int, float]], constant: float = 0.0
    ) -> set[float] | None:
        """Every value Σ coef·cell + constant may take over the joint readings."""
        fixed = constant
        groups: dict[int, list[tuple[int, float]]] = {}
        for index, coef in terms:
            if index in self.where:
                k, pos = self.where[index]
                groups.setdefault(k, []).append((pos, coef))
                continue
            options = self.options(index)
            if options is None:
                return None
            fixed += coef * next(iter(options))
        totals = {fixed}
        for k, members in groups.items():
            contributions = set()
            for split in self.table.ambiguities[k].splits:
                if any(split[pos] is None for pos, _ in members):
                    return None
                contributions.add(
                    sum(coef * float(split[pos]) for pos, coef in members)
                )
            if not contributions:
                return None
            totals = {a + b for a in totals for b in contributions}
            if len(totals) > MAX_SUMS:
                return None
        return totals

    def judge(
        self,
        op: str,
        left: Iterable[int],
        right: Iterable[int],
        constant: float = 0.0,
    ) -> str:
        """``Σ left op Σ right + constant`` over every joint reading."""
        left, right = list(left), list(right)
        if any(self.blank(i) for i in left + right):
            return "missing"
        terms = [(i, 1.0) for i in left] + [(i, -1.0) for i in right]
        values = self.differences(terms, -constant)
        if values is None:
            return "unknown"
        if op == "le":
            passes = [v <= EPSILON for v in values]
        else:
            passes = [abs(v) <= EPSILON * max(1.0, abs(constant)) for v in values]
        if all(passes):
            return "pass"
        if not any(passes):
            return "fail"
        return "mixed"


# ------------------------------------------------------------------ joint search


@dataclass(frozen=True)
class Linear:
    """``Σ coef·cell + constant`` is ``op`` 0 (eq: equals; le: at most)."""

    op: str
    terms: tuple[tuple[int, float], ...]  # (cell index, coefficient)
    constant: float = 0.0
    source: str = ""


Compiled = tuple  # (constraint, fixed part, {ambiguity: [(position, coef)]})


def compile_constraints(
    readings: Readings, constraints: Sequence[Linear]
) -> list[Compiled]:
    """The constraints a search can use, fixed cells folded into the constant; one
    with an operand of no known reading, or on no ambiguity, is left out."""
    usable: list[Compiled] = []
    for constraint in constraints:
        fixed = constraint.constant
        groups: dict[int, list[tuple[int, float]]] = {}
        known = True
        for index, coef in constraint.terms:
            if index in readings.where:
                k, pos = readings.where[index]
                groups.setdefault(k, []).append((pos, coef))
                continue
            options = readings.options(index)
            if options is None or len(options) != 1:
                known = False
                break
            fixed += coef * next(iter(options))
        if known and groups:
            usable.append((constraint, fixed, groups))
    return usable


def search(
    readings: Readings, constraints: Sequence[Linear | Compiled]
) -> list[set[int]] | None:
    """Per ambiguity, the indexes of its splits that some joint reading satisfying
    every constraint uses (an empty set: none does); None when the search is too
    large. Constraints are ``Linear`` or already compiled."""
    table = readings.table
    usable = [c for c in constraints if isinstance(c, tuple)]
    usable += compile_constraints(
        readings, [c for c in constraints if isinstance(c, Linear)]
    )
    variables = sorted(
        {k for _, _, groups in usable for k in groups},
        key=lambda k: len(table.ambiguities[k].splits),
    )
    survivors: list[set[int]] = [set(range(len(a.splits))) for a in table.ambiguities]
    if not variables:
        return survivors
    step_of = {k: i for i, k in enumerate(variables)}
    by_step: dict[int, list[tuple[Linear, float, dict]]] = {}
    for item in usable:
        by_step.setdefault(max(step_of[k] for k in item[2]), []).append(item)
    found: dict[int, set[int]] = {k: set() for k in variables}
    chosen: dict[int, int] = {}
    nodes = 0

    def holds(item) -> bool:
        constraint, fixed, groups = item
        total = fixed
        for k, members in groups.items():
            split = table.ambiguities[k].splits[chosen[k]]
            for pos, coef in members:
                value = split[pos]
                if value is None:
                    return True
                total += coef * float(value)
        if constraint.op == "le":
            return total <= EPSILON
        return abs(total) <= EPSILON * max(1.0, abs(fixed))

    def walk(step: int) -> bool:
        nonlocal nodes
        if step == len(variables):
            for k, i in chosen.items():
                found[k].add(i)
            return True
        k = variables[step]
        for i in range(len(table.ambiguities[k].splits)):
            nodes += 1
            if nodes > MAX_NODES:
                return False
            chosen[k] = i
            if all(holds(item) for item in by_step.get(step, ())) and not walk(
                step + 1
            ):
                return False
            del chosen[k]
        return True

    if not walk(0):
        return None
    for k in variables:
        survivors[k] = found[k]
    return survivors
