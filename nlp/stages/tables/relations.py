"""The relations of configs/indicators.yaml instantiated over one table's cells.

Each relation (R1-R4 of tables 三 and 四, P1-P8 of the pre-2019 table) becomes one
linear constraint per column, row or block where all its operands are printed; a
pre-2019 relation also holds in the 历年累计 column. The split solver uses them to
settle which reading of run-together digits is shown (resolve_splits.py).
"""

from __future__ import annotations

from ...config import IndicatorSchema
from ...config.indicators import Relation
from ...records import Table
from .readings import Linear


def _grid(table: Table) -> tuple[dict[tuple[str, str], int], list[str | None]]:
    """(row, column) -> cell index, and the row keys in printed order (None for a
    row without an id)."""
    grid: dict[tuple[str, str], int] = {}
    order: list[str | None] = []
    if table.kind == "stat_pre2019":
        current: str | None = None
        position = 0
        previous_row = None
        for i, cell in enumerate(table.cells):
            if cell.row != previous_row or cell.indicator:
                current = cell.indicator
                position = 0
                previous_row = cell.row
                order.append(current)
            if current is not None:
                grid.setdefault((current, str(position)), i)
            position += 1
        return grid, order
    for i, cell in enumerate(table.cells):
        if not cell.indicator:
            continue
        _, row, column = cell.indicator.split(".", 2)
        if row not in order:
            order.append(row)
        grid.setdefault((row, column), i)
    return grid, order


def relation_constraints(schema: IndicatorSchema, table: Table) -> list[Linear]:
    kind_of = {name: spec.kind for name, spec in schema.tables.items()}
    grid, order = _grid(table)
    rows = {r for r, _ in grid}
    columns = sorted({c for _, c in grid})
    out: list[Linear] = []
    for relation in schema.relations:
        if kind_of[relation.table] != table.kind:
            continue
        if relation.over in ("rows", "blocks"):
            for row in sorted(rows):
                out += _instance(relation, relation.left, relation.right, grid, row)
            continue
        right = list(relation.right)
        if relation.right_one_of:
            alternative = next(
                (a for a in relation.right_one_of if all(r in rows for r in a)), None
            )
            if alternative is None:
                continue
            right += alternative
        if relation.closed and not _closed(relation, order):
            continue
        if relation.partial:  # the parts the table prints
            right = [r for r in right if r in rows]
            if not right:
                continue
        for column in columns:
            terms = []
            for sign, operands in ((1.0, relation.left), (-1.0, right)):
                for operand in operands:
                    index = grid.get((operand, column))
                    if index is None:
                        break
                    terms.append((index, sign))
                else:
                    continue
                break
            else:
                out.append(Linear(relation.op, tuple(terms), 0.0, relation.rule))
    return out


def _instance(
    relation: Relation,
    left: tuple[str, ...],
    right: tuple[str, ...],
    grid: dict[tuple[str, str], int],
    row: str,
) -> list[Linear]:
    terms = []
    for sign, operands in ((1.0, left), (-1.0, right)):
        for operand in operands:
            index = grid.get((row, operand))
            if index is None:
                return []
            terms.append((index, sign))
    return [Linear(relation.op, tuple(terms), 0.0, relation.rule)]


def _closed(relation: Relation, order: list[str | None]) -> bool:
    """False when a row without an id sits among the relation's rows or right after
    them (a local table that splits or merges the rows: 电子邮件申请数)."""
    members = (*relation.left, *relation.right)
    positions = [i for i, row in enumerate(order) if row in members]
    if not positions:
        return True
    last = max(positions)
    while last + 1 < len(order) and order[last + 1] is None:
        last += 1
    return all(order[i] is not None for i in range(min(positions), last + 1))
