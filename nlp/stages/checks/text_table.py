"""Prose against tables: does a figure stated in the text agree with its table cell?

``TextTableChecker`` compares every metric that carries an indicator id with the table cell
of the same id (SPEC §4, kind ``text_table``). Approximate figures (约, 余, 多, 近,
以上) are read as intervals, so they never fail: outside its interval a figure is
``uncertain``.
"""

from __future__ import annotations

from typing import Any

from ...pipeline.registry import Stage, stage
from ...records import Cell, Check, Evidence, Metric, Report
from ..metrics.numbers import MONEY_UNITS

_EPSILON = 1e-6


@stage(
    "text_table_checks.v1",
    requires=("metrics", "tables"),
    assigns=("checks", "metrics"),
    config="metrics",
    scorer="checks",
)
class TextTableChecker(Stage):
    """Check each prose metric with an indicator against the table cell it reports.

    Needs: ``metrics`` (with indicators), ``tables`` (cells with indicator and value).
    Fills: ``checks`` (appends kind ``text_table``, rule ``TT``, ids tt0, tt1, ...;
    replaces the ``text_table`` checks of an earlier run), and ``metrics``: a figure
    that equals a sum of cells the report may mean (``link.sums``), not its own cell,
    loses its indicator (SPEC §3.3).
    """

    def setup(self, settings: dict[str, Any]) -> None:
        cfg = settings.get("link") or {}
        self.inside_verdict = cfg.get("approximate_inside", "pass")
        # A 累计 figure may run over several years: a mismatch is for a person to judge.
        self.soft_qualifiers = frozenset(cfg.get("soft_qualifiers") or ("累计",))
        self.exact_qualifiers = frozenset(cfg.get("exact_qualifiers") or ("累计",))
        self.money_units = dict(cfg.get("money_indicators") or {})
        self.sums = {k: list(v) for k, v in (cfg.get("sums") or {}).items()}

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        cells: dict[str, list[Cell]] = {}
        for table in report.tables:
            for cell in table.cells:
                if cell.indicator:
                    cells.setdefault(cell.indicator, []).append(cell)
        # Prose that gives one cell several different figures (a total and, pages
        # later, one office's share) cannot say which is meant: no fail from those.
        values: dict[str, set[float]] = {}
        for metric in report.metrics:
            if metric.indicator:
                values.setdefault(metric.indicator, set()).add(float(metric.value))
        checks = [c for c in report.checks if c.kind != "text_table"]
        n = 0
        for metric in report.metrics:
            if not metric.indicator:
                continue
            check = self._check(f"tt{n}", metric, cells.get(metric.indicator, []))
            if check.verdict == "fail":
                self._try_sum(check, metric, cells)
            if check.verdict == "fail" and len(values[metric.indicator]) > 1:
                check.verdict = "uncertain"
                check.message += "; the prose gives this cell several figures"
            checks.append(check)
            n += 1
        report.checks = checks
        return report

    def _try_sum(
        self, check: Check, metric: Metric, cells: dict[str, list[Cell]]
    ) -> None:
        """Pass a fail whose figure is the sum of cells the report may mean instead."""
        indicator = metric.indicator or ""
        for prefix, parts in self.sums.items():
            if not indicator.startswith(prefix):
                continue
            column = indicator[len(prefix) :]
            operands = [_best_cell(cells.get(part + column, [])) for part in parts]
            if any(c is None or c.status == "unreadable" for c in operands):
                continue
            total = sum(float(c.value) for c in operands)
            if abs(float(metric.value) - total) > _EPSILON * max(1.0, total):
                continue
            ids = [part + column for part in parts]
            check.verdict = "pass"
            check.right = check.expected = total
            check.indicator = None
            check.evidence = check.evidence[:1] + [
                Evidence(ref=i, start=c.start, end=c.end, value=c.value)
                for i, c in zip(ids, operands)
            ]
            check.message = (
                f"prose gives {' + '.join(ids)} = {total:g}, not {indicator} alone"
            )
            metric.indicator = None
            return

    def _check(self, check_id: str, metric: Metric, cells: list[Cell]) -> Check:
        left = Evidence(
            ref=metric.id, start=metric.start, end=metric.end, value=metric.value
        )
        cell = _best_cell(cells)
        if cell is None:
            return Check(
                id=check_id,
                kind="text_table",
                rule="TT",
                verdict="not_assessable",
                left=metric.value,
                evidence=[left],
                indicator=metric.indicator,
                message="no table cell with a value for this indicator",
            )
        right = Evidence(
            ref=metric.indicator or "", start=cell.start, end=cell.end, value=cell.value
        )
        verdict, message = self._verdict(metric, cell)
        return Check(
            id=check_id,
            kind="text_table",
            rule="TT",
            verdict=verdict,
            left=metric.value,
            right=cell.value,
            expected=cell.value,
            evidence=[left, right],
            indicator=metric.indicator,
            message=message,
        )

    def _verdict(self, metric: Metric, cell: Cell) -> tuple[str, str]:
        if cell.status == "unreadable":
            return "uncertain", "the table cell is unreadable"
        cell_unit = cell.unit or self.money_units.get(cell.indicator or "")
        table_value = _in_metric_unit(float(cell.value), cell_unit, metric.unit)
        if metric.qualifier is None or metric.qualifier in self.exact_qualifiers:
            if abs(float(metric.value) - table_value) <= _EPSILON * max(1, table_value):
                return "pass", "prose and table agree"
            if metric.qualifier in self.soft_qualifiers:
                return (
                    "uncertain",
                    f"a {metric.qualifier} figure differs from the table",
                )
            return "fail", f"prose says {metric.value}, the table {cell.value}"
        low = float(metric.low) if metric.low is not None else float("-inf")
        high = float(metric.high) if metric.high is not None else float("inf")
        if low - _EPSILON <= table_value <= high + _EPSILON:
            return self.inside_verdict, f"the table value is within {metric.qualifier}"
        return (
            "uncertain",
            f"the approximate figure ({metric.qualifier}) misses the table",
        )


def _best_cell(cells: list[Cell]) -> Cell | None:
    for cell in cells:
        if cell.value is not None and cell.status not in ("empty",):
            return cell
    return None


def _in_metric_unit(
    value: float, cell_unit: str | None, metric_unit: str | None
) -> float:
    """Table money is in 万元 and prose may say 元: compare in the prose's unit."""
    if cell_unit in MONEY_UNITS and metric_unit in MONEY_UNITS:
        return value * MONEY_UNITS[cell_unit] / MONEY_UNITS[metric_unit]
    return value
