"""Stage ``resolve_splits``: let the prose single out a split of run-together digits.

A crawled row such as ``主动公开信息数条20263542`` fits several splits (20|263542,
202|63542, 2026|3542) when the table's arithmetic cannot tell them apart. Where the
report's prose states the figure of one of the row's cells exactly (主动公开政府信息2026条),
the split that agrees with it, if it is the only one, is taken, and the table's notes
say so. The prose never overrides digits that were printed apart.
"""

from __future__ import annotations

from collections import defaultdict

from ..pipeline import Stage, register_stage
from ..records import Metric, Report, Table

# Qualifiers of figures that are not exact enough to choose digits by.
APPROXIMATE = frozenset("约 大约 近 将近 接近 左右 余 多 以上 超过 逾 不到 不足 少于 累计".split())


def exact_figures(metrics: list[Metric]) -> dict[str, list[Metric]]:
    """Exact prose figures by indicator id."""
    by_indicator: dict[str, list[Metric]] = defaultdict(list)
    for metric in metrics:
        if not metric.indicator or metric.value is None:
            continue
        if metric.qualifier in APPROXIMATE or metric.low is not None or metric.high is not None:
            continue
        by_indicator[metric.indicator].append(metric)
    return by_indicator


@register_stage("resolve_splits")
class SplitResolver(Stage):
    """Choose the split of an ambiguous table row that the prose figures single out.

    Needs ``tables`` (their ``ambiguities``) and ``metrics``. Fills ``tables``: the
    chosen cells get their values with status ``inferred``, a note names the prose
    figure, and the row leaves ``ambiguities``.
    """

    needs = ("tables", "metrics")
    fills = ("tables",)

    def __call__(self, report: Report) -> Report:
        figures = exact_figures(report.metrics)
        if not figures:
            return report
        for table in report.tables:
            if table.ambiguities:
                self._resolve(report, table, figures)
        return report

    def _resolve(self, report: Report, table: Table, figures: dict[str, list[Metric]]) -> None:
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
            for cell, value in zip(cells, split):
                cell.value = value
                cell.status = "inferred" if value is not None else cell.status
            used = [m for metrics in evidence.values() for m in metrics if any(_same(v, m.value) for v in split)]
            quoted = "; ".join(f"'{m.text}' at {m.start}-{m.end}" for m in used[:3])
            table.notes.append(
                f"{table.id}: digits '{ambiguity.raw}' split as "
                f"{' | '.join(str(v) for v in split)}: the only split of "
                f"{len(ambiguity.splits)} that agrees with the prose ({quoted})."
            )
        table.ambiguities = remaining


def _same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
