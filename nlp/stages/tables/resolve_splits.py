"""Stage ``resolve_splits.v1``: the one solver for digits that ran together.

A crawled row such as ``主动公开信息数条20263542`` fits several cuts (20|263542,
202|63542, 2026|3542). The table reader keeps every cut that fits the digits, the
column types and the row's own relation (its admissible readings, in
``Table.ambiguities``). This stage adds the rest of the evidence:

- exact prose figures (主动公开政府信息2026条) and prose sums of several cells
  (``Metric.parts``) narrow the admissible readings; a figure that no reading agrees
  with is left to the prose-vs-table check, which then fails it;
- the table's relations (R1-R4, P1-P7, configs/indicators.yaml) and, when a corpus
  step supplies it, the same agency's previous year (R5, R7, C1) settle which reading
  is shown, but never narrow what the checks judge.

A cell is shown when every surviving joint reading agrees on it (status ``inferred``);
otherwise it stays ``unreadable`` with its candidates in the table's notes. The prose
never overrides a number printed in its own cell.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ...config import IndicatorSchema, schema_from
from ...pipeline.registry import Stage, stage
from ...records import Metric, Report, Table
from ..metrics.numbers import MONEY_UNITS
from .readings import Linear, Readings, compile_constraints, search
from .relations import relation_constraints

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
# Candidate splits listed in a note when a row stays ambiguous.
MAX_LISTED = 8


def exact(metric: Metric) -> bool:
    return (
        metric.value is not None
        and metric.qualifier not in APPROXIMATE
        and metric.low is None
        and metric.high is None
    )


def exact_figures(metrics: Sequence[Metric]) -> dict[str, list[Metric]]:
    """Exact prose figures by indicator id."""
    by_indicator: dict[str, list[Metric]] = defaultdict(list)
    for metric in metrics:
        if metric.indicator and exact(metric):
            by_indicator[metric.indicator].append(metric)
    return by_indicator


@stage(
    "resolve_splits.v1",
    requires=("tables", "metrics"),
    assigns=("tables",),
    config="indicators",
)
class SplitResolver(Stage):
    """Settle run-together digits with the prose and the table's relations.

    Needs ``tables`` (their ``ambiguities``) and ``metrics``. Fills ``tables``: the
    admissible readings narrowed by the exact prose, the cells every remaining joint
    reading agrees on (status ``inferred``), and a note naming the evidence.
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.schema: IndicatorSchema = schema_from(self.config)

    def __call__(
        self,
        report: Report,
        neighbours: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Report:
        """``neighbours``: the same agency's previous and next year, when a corpus
        pass hands them over (``neighbour_constraints``; ``Pipeline(component_cfg=)``)."""
        self._require_initialized()
        for table in report.tables:
            if table.ambiguities:
                evidence = self.prose_constraints(table, report.metrics)
                settling = (
                    self.neighbour_constraints(table, neighbours) if neighbours else []
                )
                self.settle(table, evidence, settling)
        return report

    # ------------------------------------------------------------------ evidence

    def prose_constraints(
        self, table: Table, metrics: Sequence[Metric]
    ) -> list[Linear]:
        """An exact prose figure of a cell (or of a sum of cells) whose row split in
        several ways: the cell (or the sum) equals the figure."""
        readings = Readings(table)
        index = _first_cells(table)
        out: list[Linear] = []
        figures = exact_figures(metrics)
        for indicator, found in figures.items():
            if indicator not in index or index[indicator] not in readings.where:
                continue
            values = {float(m.value) for m in found}
            if len(values) != 1:
                continue  # the prose gives this cell several figures: no evidence
            cell = table.cells[index[indicator]]
            value = _in_cell_unit(found[0], cell.unit, self.schema, indicator)
            if value is None:
                continue
            out.append(Linear("eq", ((index[indicator], 1.0),), -value, _quote(found)))
        for metric in metrics:
            if not metric.parts or not exact(metric):
                continue
            parts = self.schema.expand(metric.parts, set(index))
            if not parts or not all(p in index for p in parts):
                continue
            cells = [index[p] for p in parts]
            if not any(c in readings.where for c in cells):
                continue
            out.append(
                Linear(
                    "eq",
                    tuple((c, 1.0) for c in cells),
                    -float(metric.value),
                    _quote([metric]),
                )
            )
        return out

    def neighbour_constraints(
        self, table: Table, neighbours: Mapping[str, Mapping[str, Any]]
    ) -> list[Linear]:
        """The same agency's neighbouring years as settling evidence (FORMATS.md's
        cross-year relations, read in both directions). ``neighbours`` maps
        ``previous`` (year t−1) and ``next`` (t+1) to ``{"doc_id", "cells"}``, the
        cells by indicator id as ``cross_year.compact`` keeps them (``<id>#cumulative``
        for a pre-2019 历年累计 cell; only printed or settled values):

        - R5: 上年结转(t) = 结转下年度(t−1); 结转下年度(t) = 上年结转(t+1);
        - R6: 现行有效(t) − 本年制发(t) + 本年废止(t) = 现行有效(t−1);
          现行有效(t) = 现行有效(t+1) − 本年制发(t+1) + 本年废止(t+1);
        - R7: 上一年项目数量(t) = 上一年项目数量(t−1) + 本年增/减(t−1);
          上一年项目数量(t) + 本年增/减(t) = 上一年项目数量(t+1);
        - C1: 历年累计(t) − 本年(t) = 历年累计(t−1); 历年累计(t) = 历年累计(t+1) −
          本年(t+1).

        A constraint's source names the rule and the other year's document."""
        index = _first_cells(table)
        out: list[Linear] = []
        for side in ("previous", "next"):
            other = neighbours.get(side)
            if not other:
                continue
            cells = other.get("cells") or {}
            source = f"{side} year, {other.get('doc_id')}"

            def known(key: str, cells=cells) -> float | None:
                value = cells.get(key)
                return float(value) if isinstance(value, (int, float)) else None

            def add(
                rule: str,
                terms: list[tuple[str, float]],
                value: float | None,
                source: str = source,
            ) -> None:
                if value is None or not all(ind in index for ind, _ in terms):
                    return
                out.append(
                    Linear(
                        "eq",
                        tuple((index[ind], coef) for ind, coef in terms),
                        -value,
                        f"{rule}, {source}",
                    )
                )

            later = side == "next"
            for indicator in index:
                if indicator.startswith("t3.carried_in.") and not later:
                    column = indicator.split(".", 2)[2]
                    add("R5", [(indicator, 1.0)], known(f"t3.carried_out.{column}"))
                elif indicator.startswith("t3.carried_out.") and later:
                    column = indicator.split(".", 2)[2]
                    add("R5", [(indicator, 1.0)], known(f"t3.carried_in.{column}"))
                elif indicator.startswith("t2.") and indicator.endswith(".valid"):
                    row = indicator[: -len(".valid")]
                    made, repealed = row + ".made", row + ".repealed"
                    if not later:
                        add(
                            "R6",
                            [(indicator, 1.0), (made, -1.0), (repealed, 1.0)],
                            known(indicator),
                        )
                    else:
                        parts = [known(indicator), known(made), known(repealed)]
                        if None not in parts:
                            add(
                                "R6", [(indicator, 1.0)], parts[0] - parts[1] + parts[2]
                            )
                elif indicator.startswith("t2.") and indicator.endswith(".prev_items"):
                    change = indicator[: -len(".prev_items")] + ".change"
                    if not later:
                        items, delta = known(indicator), known(change)
                        if items is not None and delta is not None:
                            add("R7", [(indicator, 1.0)], items + delta)
                    else:
                        add("R7", [(indicator, 1.0), (change, 1.0)], known(indicator))
            for i, cell in enumerate(table.cells):
                nxt = table.cells[i + 1] if i + 1 < len(table.cells) else None
                if not (
                    cell.indicator
                    and cell.indicator.startswith("pre.")
                    and nxt is not None
                    and nxt.indicator is None
                    and nxt.row == cell.row
                    and "累计" in (nxt.column or "")
                ):
                    continue
                cumulative = known(cell.indicator + "#cumulative")
                if cumulative is None:
                    continue
                if not later:
                    out.append(
                        Linear(
                            "eq",
                            ((i + 1, 1.0), (i, -1.0)),
                            -cumulative,
                            f"C1, {source}",
                        )
                    )
                else:
                    year = known(cell.indicator)
                    if year is not None:
                        out.append(
                            Linear(
                                "eq",
                                ((i + 1, 1.0),),
                                -(cumulative - year),
                                f"C1, {source}",
                            )
                        )
        return out

    # -------------------------------------------------------------------- solving

    def settle(
        self,
        table: Table,
        evidence: Sequence[Linear],
        settling: Sequence[Linear] = (),
    ) -> None:
        """Narrow the admissible readings by ``evidence``, then show the cells every
        reading that also keeps the relations (and ``settling``) agrees on."""
        readings = Readings(table)
        kept: list[Linear] = []
        for constraint in evidence:
            survivors = search(readings, [*kept, constraint])
            if survivors is None:
                continue
            involved = {
                readings.where[i][0] for i, _ in constraint.terms if i in readings.where
            }
            if all(survivors[k] for k in involved):
                kept.append(constraint)
            else:
                table.notes.append(
                    f"{table.id}: no reading of the run-together digits agrees with "
                    f"the prose {constraint.source}."
                )
        narrowed = search(readings, kept) if kept else None
        if narrowed is not None:
            for k, ambiguity in enumerate(table.ambiguities):
                if len(narrowed[k]) < len(ambiguity.splits):
                    before = len(ambiguity.splits)
                    ambiguity.splits = [
                        s for i, s in enumerate(ambiguity.splits) if i in narrowed[k]
                    ]
                    sources = "; ".join(
                        c.source
                        for c in kept
                        if any(readings.where.get(i, (-1,))[0] == k for i, _ in c.terms)
                    )
                    table.notes.append(
                        f"{table.id}: digits '{ambiguity.raw}' read as "
                        f"{_splits(ambiguity.splits)}: the only "
                        f"{'reading' if len(ambiguity.splits) == 1 else 'readings'} "
                        f"of {before} that agree with the prose ({sources})."
                    )
        # The relations, in the order of the config, each kept when some reading still
        # keeps it and all kept before it (a relation the table breaks settles nothing).
        readings = Readings(table)
        shown = [set(range(len(a.splits))) for a in table.ambiguities]
        used = compile_constraints(readings, kept)
        candidates = [*relation_constraints(self.schema, table), *settling]
        outside = {id(c) for c in settling}
        for constraint in compile_constraints(readings, candidates):
            survivors = search(readings, [*used, constraint])
            if survivors is None or any(
                not s for s, a in zip(survivors, table.ambiguities) if a.splits
            ):
                continue
            used.append(constraint)
            if id(constraint[0]) in outside:
                # Evidence from another document: named on what it narrowed, so a
                # cross-year check of the same relation knows it is no evidence.
                for k, ambiguity in enumerate(table.ambiguities):
                    if len(survivors[k]) < len(shown[k]):
                        ambiguity.settled_by.append(constraint[0].source)
                        table.notes.append(
                            f"{table.id}: digits '{ambiguity.raw}' narrowed to "
                            f"{len(survivors[k])} of {len(shown[k])} readings by "
                            f"{constraint[0].source}."
                        )
            shown = survivors
        self._show(table, shown)

    @staticmethod
    def _show(table: Table, shown: list[set[int]]) -> None:
        for ambiguity, keep in zip(table.ambiguities, shown):
            splits = [s for i, s in enumerate(ambiguity.splits) if i in keep]
            for pos, index in enumerate(ambiguity.cells):
                cell = table.cells[index]
                values = {split[pos] for split in splits}
                if len(values) == 1 and splits:
                    value = next(iter(values))
                    cell.value = value
                    cell.status = "inferred" if value is not None else "empty"
                else:
                    cell.value = None
                    cell.status = "unreadable"


def _first_cells(table: Table) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, cell in enumerate(table.cells):
        if cell.indicator and cell.indicator not in out:
            out[cell.indicator] = i
    return out


def _in_cell_unit(
    metric: Metric, cell_unit: str | None, schema: IndicatorSchema, indicator: str
) -> float | None:
    """The figure in the cell's unit (table money is in 万元, prose may say 元)."""
    unit = cell_unit
    if unit is None and indicator in schema.indicators:
        unit = schema.indicators[indicator].unit
    if metric.unit in MONEY_UNITS or unit in MONEY_UNITS:
        if metric.unit in MONEY_UNITS and unit in MONEY_UNITS:
            return float(metric.value) * MONEY_UNITS[metric.unit] / MONEY_UNITS[unit]
        return None
    return float(metric.value)


def _quote(metrics: Sequence[Metric]) -> str:
    return "; ".join(f"'{m.text}' at {m.start}-{m.end}" for m in metrics[:3])


def _splits(splits: list[list]) -> str:
    shown = "; ".join(" | ".join(str(v) for v in s) for s in splits[:MAX_LISTED])
    more = f"; … ({len(splits)} in all)" if len(splits) > MAX_LISTED else ""
    return shown + more
