"""Stage ``resolve_splits.v1``: let the prose single out a split of run-together digits.

A crawled row such as ``主动公开信息数条20263542`` fits several splits (20|263542,
202|63542, 2026|3542) when the table's arithmetic cannot tell them apart. Where the
report's prose states the figure of one of the row's cells exactly (主动公开政府信息2026条),
the split that agrees with it, if it is the only one, is taken, and the table's notes
say so. The prose never overrides digits that were printed apart.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ...config import schema_from
from ...config.indicators import Relation
from ...pipeline.registry import Stage, stage
from ...records import Cell, Metric, Report, Table

# Qualifiers of figures that are not exact enough to choose digits by.
APPROXIMATE = frozenset(
    [
        "约",
        "大约",
        "近",
        "将近",
        "接近",
        "左右",
        "余",
        "多",
        "以上",
        "超过",
        "逾",
        "不到",
        "不足",
        "少于",
        "累计",
    ]
)


def exact_figures(metrics: list[Metric]) -> dict[str, list[Metric]]:
    """Exact prose figures by indicator id."""
    by_indicator: dict[str, list[Metric]] = defaultdict(list)
    for metric in metrics:
        if not metric.indicator or metric.value is None:
            continue
        if (
            metric.qualifier in APPROXIMATE
            or metric.low is not None
            or metric.high is not None
        ):
            continue
        by_indicator[metric.indicator].append(metric)
    return by_indicator


@stage(
    "resolve_splits.v1",
    requires=("tables", "metrics"),
    assigns=("tables",),
    config="indicators",
)
class SplitResolver(Stage):
    """Choose the split of an ambiguous table row that the prose figures single out.

    Needs ``tables`` (their ``ambiguities``) and ``metrics``. Fills ``tables``: the
    chosen cells get their values with status ``inferred``, a note names the prose
    figure, and the row leaves ``ambiguities``.
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        schema = schema_from(self.config)
        # Row-to-row relations of the pre-2019 table (P1, P2, P5, P6, P7), applied per
        # value column: once the prose fixes one row, they may settle the rows under it.
        self.relations = [
            r
            for r in schema.relations_for("stat_pre2019")
            if r.over in (None, "columns")
        ]

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        figures = exact_figures(report.metrics)
        if not figures:
            return report
        for table in report.tables:
            settled = bool(table.ambiguities) and self._resolve(report, table, figures)
            if settled and table.kind == "stat_pre2019":
                self._propagate(table)
        return report

    def _propagate(self, table: Table) -> None:
        """Re-apply the table's relations to its rows still ambiguous, until none moves."""
        changed = True
        while changed and table.ambiguities:
            changed = False
            rows = _rows(table)
            remaining = []
            for ambiguity in table.ambiguities:
                cells = [table.cells[i] for i in ambiguity.cells]
                fits = [
                    split
                    for split in ambiguity.splits
                    if all(_holds(rel, rows, cells, split) for rel in self.relations)
                ]
                if len(fits) == 1 and len(ambiguity.splits) > 1:
                    for cell, value in zip(cells, fits[0]):
                        cell.value = value
                        cell.status = "inferred" if value is not None else cell.status
                    table.notes.append(
                        f"{table.id}: digits '{ambiguity.raw}' split as "
                        f"{' | '.join(str(v) for v in fits[0])}: the only split of "
                        f"{len(ambiguity.splits)} that keeps the table's relations once "
                        "the rows above it were settled."
                    )
                    changed = True
                else:
                    remaining.append(ambiguity)
            table.ambiguities = remaining

    def _resolve(
        self, report: Report, table: Table, figures: dict[str, list[Metric]]
    ) -> bool:
        """Settle the rows the prose singles out; True when any was settled."""
        settled = False
        remaining = []
        for ambiguity in table.ambiguities:
            cells = [table.cells[i] for i in ambiguity.cells]
            evidence = {
                k: figures[cell.indicator]
                for k, cell in enumerate(cells)
                if cell.indicator in figures
            }
            if not evidence:
                remaining.append(ambiguity)
                continue
            agreeing = [
                split
                for split in ambiguity.splits
                if all(
                    any(_same(split[k], m.value) for m in metrics)
                    for k, metrics in evidence.items()
                )
            ]
            if len(agreeing) != 1:
                remaining.append(ambiguity)
                continue
            split = agreeing[0]
            settled = True
            for cell, value in zip(cells, split):
                cell.value = value
                cell.status = "inferred" if value is not None else cell.status
            used = [
                m
                for metrics in evidence.values()
                for m in metrics
                if any(_same(v, m.value) for v in split)
            ]
            quoted = "; ".join(f"'{m.text}' at {m.start}-{m.end}" for m in used[:3])
            table.notes.append(
                f"{table.id}: digits '{ambiguity.raw}' split as "
                f"{' | '.join(str(v) for v in split)}: the only split of "
                f"{len(ambiguity.splits)} that agrees with the prose ({quoted})."
            )
        table.ambiguities = remaining
        return settled


def _rows(table: Table) -> dict[str, list[Cell]]:
    """Each row's value cells in column order, keyed by the row's indicator id."""
    rows: dict[str, list[Cell]] = {}
    current: list[Cell] | None = None
    previous_row = None
    for cell in table.cells:
        if cell.row != previous_row or current is None:
            current = []
            previous_row = cell.row
            if cell.indicator:
                rows.setdefault(cell.indicator, current)
        current.append(cell)
    return rows


def _holds(
    relation: Relation, rows: dict[str, list[Cell]], cells: list[Cell], split
) -> bool:
    """Whether ``split`` for ``cells`` keeps ``relation`` in every value column; a
    relation with an operand not known (yet) does not rule a split out."""
    trial = {id(cell): value for cell, value in zip(cells, split)}
    operands = [*relation.left, *relation.right]
    if not any(id(c) in trial for o in operands for c in rows.get(o, [])):
        return True
    if not all(o in rows for o in operands):
        return True
    for column in range(min(len(rows[o]) for o in operands)):
        sides = []
        for side in (relation.left, relation.right):
            total = 0.0
            for o in side:
                cell = rows[o][column]
                value = trial.get(id(cell), cell.value)
                if value is None:
                    return True
                total += float(value)
            sides.append(total)
        left, right = sides
        if relation.op == "le" and left > right + 1e-9:
            return False
        if relation.op == "eq" and abs(left - right) > 1e-9:
            return False
    return True


def _same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
