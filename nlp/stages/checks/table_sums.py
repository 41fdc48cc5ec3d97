"""Stage ``table_checks.v1``: the arithmetic of every table.

``sum`` checks instantiate each relation of configs/indicators.yaml (R1-R4 for tables
三 and 四, P1/P2/P5-P8 for the pre-2019 table) per column, row or block, and judge it
over every admissible reading of its operands (interval semantics, as Arelle treats
XBRL calculations; nlp/stages/tables/readings.py): ``fail`` only when every reading
fails, ``uncertain`` when some reading passes and some fails or an operand has no
known reading (unreadable, or a row placed by order alone), ``not_assessable`` when an
operand is missing or blank. An ``inferred`` operand never makes a ``fail`` by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ...config import IndicatorSchema, schema_from
from ...config.indicators import Relation
from ...pipeline.registry import Stage, stage
from ...records import Cell, Check, Evidence, Report, Table
from ..tables.readings import Readings


@stage(
    "table_checks.v1",
    requires=("tables",),
    assigns=("checks",),
    config="indicators",
    scorer="checks",
)
class TableChecker(Stage):
    """Checks the tables' arithmetic.

    Needs ``tables``. Fills ``checks`` with kind ``sum`` (ids sum-0, sum-1, ...;
    checks of other kinds are kept).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.schema: IndicatorSchema = schema_from(self.config)
        self.kind_of = {name: spec.kind for name, spec in self.schema.tables.items()}

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        kept = [c for c in report.checks if c.kind != "sum"]
        checks: list[Check] = []
        for table in report.tables:
            checks += self.sum_checks(table)
        for i, check in enumerate(checks):
            check.id = f"sum-{i}"
        report.checks = kept + checks
        return report

    # -------------------------------------------------------------------------- sums

    def sum_checks(self, table: Table) -> list[Check]:
        cells: dict[str, Cell] = {}
        order: dict[str, int] = {}
        for i, cell in enumerate(table.cells):
            if cell.indicator and cell.indicator not in cells:
                cells[cell.indicator] = cell
                order[cell.indicator] = i
        readings = Readings(table)
        out: list[Check] = []
        for relation in self.schema.relations:
            if self.kind_of[relation.table] != table.kind:
                continue
            for left, right, indicator, label in self._instances(
                relation, cells, table
            ):
                if relation.closed and not self._closed(relation, table, order):
                    continue
                if relation.partial:  # the parts this table prints
                    right = [r for r in right if r in cells]
                    if not right:
                        continue
                out.append(
                    self._check(
                        relation, left, right, indicator, label, cells, order, readings
                    )
                )
        return out

    def _instances(
        self, relation: Relation, cells: dict[str, Cell], table: Table
    ) -> Iterable[tuple[list[str], list[str], str, str]]:
        """(left ids, right ids, indicator checked, where) for each place it applies."""
        spec = self.schema.tables[relation.table]
        prefix = spec.kind
        present_rows = {ind.split(".")[1] for ind in cells}
        if relation.over == "columns":
            right_rows = list(relation.right) + self._alternative(
                relation, present_rows
            )
            if not present_rows & set(relation.left) and not present_rows & set(
                right_rows
            ):
                return
            for column in spec.columns:
                yield (
                    [f"{prefix}.{r}.{column.id}" for r in relation.left],
                    [f"{prefix}.{r}.{column.id}" for r in right_rows],
                    f"{prefix}.{relation.indicator}.{column.id}",
                    column.labels[0],
                )
        elif relation.over in ("rows", "blocks"):
            units = (
                spec.blocks
                if relation.over == "blocks"
                else [r for r in spec.rows if r.id and r.id in present_rows]
            )
            for unit in units:
                if unit.id not in present_rows:
                    continue
                yield (
                    [f"{prefix}.{unit.id}.{c}" for c in relation.left],
                    [f"{prefix}.{unit.id}.{c}" for c in relation.right],
                    f"{prefix}.{unit.id}.{relation.indicator}",
                    unit.labels[0],
                )
        else:
            if relation.left[0] not in cells:
                return
            if not any(r in cells for r in relation.right) and relation.op == "eq":
                return
            yield list(relation.left), list(relation.right), relation.indicator, ""

    @staticmethod
    def _alternative(relation: Relation, present_rows: set[str]) -> list[str]:
        for alternative in relation.right_one_of:
            if all(r in present_rows for r in alternative):
                return list(alternative)
        for alternative in relation.right_one_of:
            if any(r in present_rows for r in alternative):
                return list(alternative)
        # None printed: the first alternative's rows are the missing operands.
        return list(relation.right_one_of[0]) if relation.right_one_of else []

    @staticmethod
    def _closed(relation: Relation, table: Table, order: dict[str, int]) -> bool:
        """False when a row without an id sits in the block of the relation's total."""
        if relation.left[0] not in order:
            return True
        total = order[relation.left[0]]
        parts = [order[r] for r in relation.right if r in order]
        last = max(parts + [total])
        seen_rows: set[str] = set()
        for cell in table.cells[total + 1 :]:
            if cell.row in seen_rows:
                continue
            seen_rows.add(cell.row)
            if cell.indicator is None and cell.column == table.cells[total].column:
                return False
            if cell.indicator and order.get(cell.indicator, -1) > last:
                return True
        return True

    def _check(
        self,
        relation: Relation,
        left: Sequence[str],
        right: Sequence[str],
        indicator: str,
        where: str,
        cells: dict[str, Cell],
        order: dict[str, int],
        readings: Readings,
    ) -> Check:
        evidence = []
        missing, unknown = [], []
        for ref in list(left) + list(right):
            cell = cells.get(ref)
            if cell is None:
                missing.append(ref)
                continue
            evidence.append(
                Evidence(ref=ref, start=cell.start, end=cell.end, value=cell.value)
            )
            if readings.blank(order[ref]):
                missing.append(ref)
            elif readings.options(order[ref]) is None:
                unknown.append(ref)
        name = f"{relation.rule} {where}".strip()

        def check(verdict: str, why: str, **numbers) -> Check:
            return Check(
                id="",
                kind="sum",
                rule=relation.rule,
                verdict=verdict,  # type: ignore[arg-type]
                evidence=evidence,
                indicator=indicator,
                message=f"{name}: {why}",
                **numbers,
            )

        if missing:
            return check("not_assessable", "missing or blank: " + ", ".join(missing))
        if unknown:
            return check("uncertain", "no reading of: " + ", ".join(unknown))
        verdict = readings.judge(
            relation.op, [order[r] for r in left], [order[r] for r in right]
        )
        several = [
            r for r in list(left) + list(right) if len(readings.options(order[r])) > 1
        ]
        if verdict in ("unknown", "missing"):
            return check("uncertain", "the readings of its operands cannot be combined")
        if several:
            # Run-together digits with several admissible readings: judged over all.
            listing = ", ".join(several)
            if verdict == "mixed":
                return check(
                    "uncertain",
                    f"some readings of the run-together digits of {listing} keep the "
                    "relation and some do not",
                )
            shown = all(cells[r].value is not None for r in list(left) + list(right))
            numbers = (
                self._numbers(relation, left, right, indicator, cells) if shown else {}
            )
            return check(
                verdict,
                f"{'every' if verdict == 'pass' else 'no'} reading of the "
                f"run-together digits of {listing} keeps the relation",
                **numbers,
            )
        numbers = self._numbers(relation, left, right, indicator, cells)
        lsum, rsum = numbers["left"], numbers["right"]
        # The operands as printed, so a reader sees the arithmetic: "0 ≠ 10+1+0+0 (11)".
        left_text = _operands(left, cells, lsum)
        right_text = _operands(right, cells, rsum)
        ok = verdict == "pass"
        if relation.op == "le":
            relation_text = f"{left_text} ≤ {right_text}"
        else:
            relation_text = f"{left_text} {'=' if ok else '≠'} {right_text}"
        inferred = [
            r for r in list(left) + list(right) if cells[r].status == "inferred"
        ]
        if inferred:
            relation_text += " (operands split from run-together digits)"
        return check("pass" if ok else "fail", relation_text, **numbers)

    @staticmethod
    def _numbers(
        relation: Relation,
        left: Sequence[str],
        right: Sequence[str],
        indicator: str,
        cells: dict[str, Cell],
    ) -> dict:
        lsum = _tidy(sum(cells[r].value for r in left))  # type: ignore[misc]
        rsum = _tidy(sum(cells[r].value for r in right))  # type: ignore[misc]
        expected = None
        if relation.op != "le":
            value = cells[indicator].value
            expected = _tidy(
                rsum - (lsum - value) if indicator in left else lsum - (rsum - value)
            )
        return {"left": lsum, "right": rsum, "expected": expected}


def _operands(refs: Sequence[str], cells: dict[str, Cell], total) -> str:
    values = "+".join(str(_tidy(cells[r].value)) for r in refs)
    return values if len(refs) == 1 else f"{values} ({total})"


def _tidy(value: float) -> float | int:
    if isinstance(value, float):
        value = round(value, 6)
        if value.is_integer():
            return int(value)
    return value
