"""Prose against tables: does a figure stated in the text agree with its table cells?

``TextTableChecker`` compares every metric that names a cell (``indicator``) or a sum
of cells (``parts``: 予以公开及部分公开7件; a table 三 group such as ``t3.denied.total``
stands for the sum of its rows, configs/indicators.yaml ``groups``) with the table
(SPEC §4, kind ``text_table``). The table side is judged over every admissible
reading of its cells (nlp/stages/tables/readings.py): the check fails only when no
reading gives the prose value; when some reading does and others do not, it is
``uncertain``. A cell with no known reading (unreadable, placed by order alone) is
``uncertain``; a blank 总计 is compared with the sum of its row. Approximate figures
(约, 余, 多, 近, 以上) are intervals and never fail.
"""

from __future__ import annotations

from typing import Any

from ...config import IndicatorSchema, load_schema
from ...pipeline.registry import Stage, stage
from ...records import Check, Evidence, Metric, Report, Table
from ..metrics.numbers import MONEY_UNITS
from ..tables.readings import Readings

_EPSILON = 1e-6
# The six applicant columns whose sum a blank table 三 总计 stands for (R2).
_T3_PARTS = (
    "natural",
    "commercial",
    "research",
    "nonprofit",
    "legal_service",
    "other_org",
)


class _Side:
    """The table side of a check: the values it may take, and its evidence."""

    def __init__(
        self,
        values: set[float] | None,
        evidence: list[Evidence],
        unit: str | None,
        why: str = "",
        blank: bool = False,
    ):
        self.values = values  # None: no known reading
        self.evidence = evidence
        self.unit = unit
        self.why = why
        self.blank = blank  # a cell is printed blank: nothing to compare

    @property
    def single(self) -> float | None:
        if self.values and len(self.values) == 1:
            return next(iter(self.values))
        return None


@stage(
    "text_table_checks.v1",
    requires=("metrics", "tables"),
    assigns=("checks", "metrics"),
    config="metrics",
    scorer="checks",
)
class TextTableChecker(Stage):
    """Check each prose metric with an indicator (or parts) against the table.

    Needs: ``metrics`` (with indicators or parts), ``tables`` (cells, and the readings
    of run-together digits). Reads ``configs/indicators.yaml`` for the groups of table
    三. Fills: ``checks`` (appends kind ``text_table``, rule ``TT``, ids tt0, tt1, ...;
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
        self.schema: IndicatorSchema = load_schema()

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        self._index(report.tables)
        # Prose that gives one cell several different figures (a total and, pages
        # later, one office's share) cannot say which is meant: no fail from those.
        values: dict[str, set[float]] = {}
        for metric in report.metrics:
            if metric.indicator:
                values.setdefault(metric.indicator, set()).add(float(metric.value))
        checks = [c for c in report.checks if c.kind != "text_table"]
        n = 0
        for metric in report.metrics:
            if metric.indicator:
                check = self._check(f"tt{n}", metric, [metric.indicator])
                if check.verdict == "fail":
                    self._try_sum(check, metric)
                if check.verdict == "fail" and len(values[metric.indicator]) > 1:
                    check.verdict = "uncertain"
                    check.message += "; the prose gives this cell several figures"
            elif metric.parts:
                check = self._check(f"tt{n}", metric, list(metric.parts))
            else:
                continue
            checks.append(check)
            n += 1
        report.checks = checks
        return report

    # ----------------------------------------------------------------- the table

    def _index(self, tables: list[Table]) -> None:
        self.tables = tables
        self.readings = [Readings(t) for t in tables]
        self.where: dict[str, tuple[int, int]] = {}
        for k, table in enumerate(tables):
            for i, cell in enumerate(table.cells):
                if cell.indicator and cell.indicator not in self.where:
                    # The first cell with a reading (a value, or split candidates).
                    self.where[cell.indicator] = (k, i)
        for k, table in enumerate(tables):
            for i, cell in enumerate(table.cells):
                ind = cell.indicator
                if ind and self.readings[k].options(i) is not None:
                    t, j = self.where[ind]
                    if self.readings[t].options(j) is None:
                        self.where[ind] = (k, i)

    def _side(self, ids: list[str]) -> _Side | None:
        """The values Σ ids may take; None when a cell is not in any table."""
        ids = self.schema.expand(ids, set(self.where))
        if not all(i in self.where for i in ids):
            return None
        evidence = []
        by_table: dict[int, list[int]] = {}
        unit = None
        for iid in ids:
            k, i = self.where[iid]
            cell = self.tables[k].cells[i]
            unit = unit or cell.unit or self.money_units.get(iid)
            evidence.append(
                Evidence(ref=iid, start=cell.start, end=cell.end, value=cell.value)
            )
            by_table.setdefault(k, []).append(i)
        if len(ids) == 1:
            k, i = self.where[ids[0]]
            readings = self.readings[k]
            if readings.blank(i):
                return self._blank_total(ids[0], evidence, unit)
        totals = {0.0}
        for k, members in by_table.items():
            readings = self.readings[k]
            if any(readings.blank(i) for i in members):
                return _Side(None, evidence, unit, "a cell of the sum is blank", True)
            sums = readings.differences([(i, 1.0) for i in members])
            if sums is None:
                return _Side(None, evidence, unit, "the table cell is unreadable")
            totals = {a + b for a in totals for b in sums}
        return _Side(totals, evidence, unit)

    def _blank_total(self, iid: str, evidence: list[Evidence], unit) -> _Side:
        """A blank table 三 总计 stands for the sum of its row (R2)."""
        table, row, column = (iid.split(".", 2) + ["", ""])[:3]
        if table == "t3" and column == "total":
            parts = [f"t3.{row}.{c}" for c in _T3_PARTS]
            if all(p in self.where for p in parts):
                side = self._side(parts)
                if side is not None and side.values is not None:
                    side.evidence = evidence + side.evidence
                    side.why = "总计 is blank: its row's sum"
                    return side
        return _Side(None, evidence, unit, "the table cell is blank", True)

    # ------------------------------------------------------------------ checking

    def _check(self, check_id: str, metric: Metric, ids: list[str]) -> Check:
        left = Evidence(
            ref=metric.id, start=metric.start, end=metric.end, value=metric.value
        )
        indicator = metric.indicator or (ids[0] if len(ids) == 1 else None)
        side = self._side(ids)
        if side is None or side.blank:
            return Check(
                id=check_id,
                kind="text_table",
                rule="TT",
                verdict="not_assessable",
                left=metric.value,
                evidence=[left],
                indicator=indicator,
                message=(side.why + ": " if side else "")
                + "no table cell with a value for "
                + (indicator or " + ".join(ids)),
            )
        verdict, message = self._verdict(metric, side, ids)
        single = side.single
        return Check(
            id=check_id,
            kind="text_table",
            rule="TT",
            verdict=verdict,  # type: ignore[arg-type]
            left=metric.value,
            right=_tidy(single) if single is not None else None,
            expected=_tidy(single) if single is not None else None,
            evidence=[left, *side.evidence],
            indicator=indicator,
            message=message,
        )

    def _verdict(self, metric: Metric, side: _Side, ids: list[str]) -> tuple[str, str]:
        if side.values is None:
            return "uncertain", side.why or "the table cell is unreadable"
        what = "the table" if len(ids) == 1 else " + ".join(ids)
        if side.why:
            what += f" ({side.why})"
        table = sorted(_in_metric_unit(v, side.unit, metric.unit) for v in side.values)
        several = len(table) > 1
        if metric.qualifier is None or metric.qualifier in self.exact_qualifiers:
            hit = any(_close(float(metric.value), v) for v in table)
            if hit and not several:
                return "pass", f"prose and {what} agree"
            if hit:
                return (
                    "uncertain",
                    (
                        f"the prose value is one of the readings of {what}'s run-together "
                        f"digits ({_listing(table)})"
                    ),
                )
            if metric.qualifier in self.soft_qualifiers:
                return "uncertain", f"a {metric.qualifier} figure differs from {what}"
            if several:
                return (
                    "fail",
                    (
                        f"prose says {metric.value}; no reading of {what}'s run-together "
                        f"digits gives it ({_listing(table)})"
                    ),
                )
            return "fail", f"prose says {metric.value}, {what} {_tidy(table[0])}"
        low = float(metric.low) if metric.low is not None else float("-inf")
        high = float(metric.high) if metric.high is not None else float("inf")
        inside = [low - _EPSILON <= v <= high + _EPSILON for v in table]
        if all(inside):
            return self.inside_verdict, f"{what} is within {metric.qualifier}"
        return (
            "uncertain",
            f"the approximate figure ({metric.qualifier}) misses {what}",
        )

    def _try_sum(self, check: Check, metric: Metric) -> None:
        """Pass a fail whose figure is the sum of cells the report may mean instead."""
        indicator = metric.indicator or ""
        for prefix, parts in self.sums.items():
            if not indicator.startswith(prefix):
                continue
            column = indicator[len(prefix) :]
            ids = [part + column for part in parts]
            side = self._side(ids)
            if side is None or side.single is None:
                continue
            total = side.single
            if not _close(float(metric.value), total):
                continue
            check.verdict = "pass"
            check.right = check.expected = _tidy(total)
            check.indicator = None
            check.evidence = check.evidence[:1] + side.evidence
            check.message = (
                f"prose gives {' + '.join(ids)} = {total:g}, not {indicator} alone"
            )
            metric.indicator = None
            return


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _EPSILON * max(1.0, abs(b))


def _tidy(value: float) -> float | int:
    value = round(value, 6)
    return int(value) if float(value).is_integer() else value


def _listing(values: list[float]) -> str:
    shown = ", ".join(str(_tidy(v)) for v in values[:8])
    return shown + (f", … {len(values)} in all" if len(values) > 8 else "")


def _in_metric_unit(
    value: float, cell_unit: str | None, metric_unit: str | None
) -> float:
    """Table money is in 万元 and prose may say 元: compare in the prose's unit."""
    if cell_unit in MONEY_UNITS and metric_unit in MONEY_UNITS:
        return value * MONEY_UNITS[cell_unit] / MONEY_UNITS[metric_unit]
    return value
