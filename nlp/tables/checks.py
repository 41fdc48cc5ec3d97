"""Stage ``table_checks``: the arithmetic of every table and the report's template.

``sum`` checks instantiate each relation of configs/indicators.yaml (R1-R4 for tables
三 and 四, P1/P2/P5/P6/P7 for the pre-2019 table) per column, row or block. A missing
or blank operand gives ``not_assessable``, an unreadable one ``uncertain``: only
numbers read as printed (or split unambiguously) can ``fail``. ``template`` checks flag
a 2021+ report on the 2019 table 二 layout (T1) and a required section missing (T2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path

from ..pipeline import Stage, register_stage
from ..records import Cell, Check, Evidence, Report, Section, Table
from .modern import LAYOUT_GUESSED
from .schema import IndicatorSchema, Relation, load_schema

_NUMERAL = re.compile(r"\s*([一二三四五六七八九十]{1,3})\s*[、.．]")
_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def chinese_number(text: str) -> int | None:
    """一..九十九 -> int (enough for heading numbers)."""
    if not text:
        return None
    if "十" not in text:
        return _DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    value = (_DIGITS.get(tens, 0) if tens else 1) * 10
    return value + (_DIGITS.get(units, 0) if units else 0)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


@register_stage("table_checks")
class TableChecker(Stage):
    """Checks the tables' arithmetic and the report's structure against its format.

    Needs ``tables`` (and ``meta.year``, ``sections`` for the template checks). Fills
    ``checks`` with kinds ``sum`` and ``template`` (checks of other kinds are kept).
    """

    needs = ("tables",)
    fills = ("checks",)

    def __init__(self, config: str | Path | None = None):
        self.schema: IndicatorSchema = load_schema(config)
        self.kind_of = {name: spec.kind for name, spec in self.schema.tables.items()}

    def __call__(self, report: Report) -> Report:
        kept = [c for c in report.checks if c.kind not in ("sum", "template")]
        checks: list[Check] = []
        for table in report.tables:
            checks += self.sum_checks(table)
        checks += self.template_checks(report)
        for i, check in enumerate(c for c in checks if c.kind == "sum"):
            check.id = f"sum-{i}"
        for i, check in enumerate(c for c in checks if c.kind == "template"):
            check.id = f"template-{i}"
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
        out: list[Check] = []
        for relation in self.schema.relations:
            if self.kind_of[relation.table] != table.kind:
                continue
            for left, right, indicator, label in self._instances(
                relation, cells, table
            ):
                if relation.closed and not self._closed(relation, table, order):
                    continue
                out.append(self._check(relation, left, right, indicator, label, cells))
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
    ) -> Check:
        evidence = []
        missing, unreadable, inferred = [], [], []
        for ref in list(left) + list(right):
            cell = cells.get(ref)
            if cell is None:
                missing.append(ref)
                continue
            evidence.append(
                Evidence(ref=ref, start=cell.start, end=cell.end, value=cell.value)
            )
            if cell.status == "unreadable":
                unreadable.append(ref)
            elif cell.value is None:
                missing.append(ref)
            elif cell.status == "inferred":
                inferred.append(ref)
        name = f"{relation.rule} {where}".strip()
        if missing or unreadable:
            verdict = "not_assessable" if missing else "uncertain"
            why = (
                ("missing or blank: " + ", ".join(missing))
                if missing
                else ("unreadable: " + ", ".join(unreadable))
            )
            return Check(
                id="",
                kind="sum",
                rule=relation.rule,
                verdict=verdict,
                evidence=evidence,
                indicator=indicator,
                message=f"{name}: {why}",
            )
        lsum = sum(cells[r].value for r in left)  # type: ignore[misc]
        rsum = sum(cells[r].value for r in right)  # type: ignore[misc]
        lsum, rsum = _tidy(lsum), _tidy(rsum)
        # The operands as printed, so a reader sees the arithmetic: "0 ≠ 10+1+0+0 (11)".
        left_text = _operands(left, cells, lsum)
        right_text = _operands(right, cells, rsum)
        if relation.op == "le":
            ok = lsum <= rsum + 1e-9
            expected = None
            relation_text = f"{left_text} ≤ {right_text}"
        else:
            ok = _close(lsum, rsum)
            value = cells[indicator].value
            expected = _tidy(
                rsum - (lsum - value) if indicator in left else lsum - (rsum - value)
            )
            relation_text = f"{left_text} {'=' if ok else '≠'} {right_text}"
        message = f"{name}: {relation_text}"
        if inferred:
            message += " (operands split from run-together digits)"
        return Check(
            id="",
            kind="sum",
            rule=relation.rule,
            verdict="pass" if ok else "fail",
            left=lsum,
            right=rsum,
            expected=expected,
            evidence=evidence,
            indicator=indicator,
            message=message,
        )

    # ---------------------------------------------------------------------- template

    def template_checks(self, report: Report) -> list[Check]:
        year = report.meta.year
        era = report.meta.template
        modern = (year is not None and year >= 2019) or (
            year is None and era in ("2019", "2021")
        )
        if not modern:
            return []
        out: list[Check] = []
        if year is not None and year >= 2021:
            out.append(self._layout_check(report))
        out += self._section_checks(report)
        return out

    @staticmethod
    def _layout_check(report: Report) -> Check:
        t2 = next((t for t in report.tables if t.kind == "t2"), None)
        if t2 is None or t2.layout is None:
            return Check(
                id="",
                kind="template",
                rule="T1",
                verdict="not_assessable",
                message="T1: no table 二 found to compare with the 2021 layout",
            )
        evidence = [Evidence(ref=t2.id, start=t2.start, end=t2.end)]
        guessed = any(n.startswith(LAYOUT_GUESSED) for n in t2.notes)
        if t2.layout == "2021":
            verdict = "pass"
        elif guessed:
            verdict = "uncertain"
        else:
            verdict = "fail"
        return Check(
            id="",
            kind="template",
            rule="T1",
            verdict=verdict,
            left=t2.layout,
            right="2021",
            expected="2021",
            evidence=evidence,
            message=f"T1: a {report.meta.year} report uses the {t2.layout} "
            "table 二 layout"
            + (" (layout inferred from value counts)" if guessed else ""),
        )

    def _section_checks(self, report: Report) -> list[Check]:
        required = self.schema.required_sections
        if not report.sections:
            return [
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict="not_assessable",
                    message="T2: the report has no sections to compare with the format",
                )
            ]
        top = [s for s in report.sections if s.parent is None]
        labels = {s.label for s in top}
        headings = [s for s in top if s.label != "preamble"]
        unlabelled = [s for s in headings if not s.label]
        if len(unlabelled) == len(headings):
            return [
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict="not_assessable",
                    message="T2: no labelled top-level heading to compare with "
                    "the format",
                )
            ]
        # Numbered headings that skip (一、 then 五、) mean text was lost in extraction,
        # not that the report left the section out; so does a heading left unlabelled.
        gap = _numbering_gap(top) or bool(unlabelled)
        out = []
        for label in required:
            sections = [s for s in top if s.label == label]
            if sections:
                s = sections[0]
                out.append(
                    Check(
                        id="",
                        kind="template",
                        rule="T2",
                        verdict="pass",
                        left=label,
                        evidence=[Evidence(ref=label, start=s.start, end=s.end)],
                        message=f"T2: section {label} present ({s.title})",
                    )
                )
                continue
            verdict = "uncertain" if gap else "fail"
            out.append(
                Check(
                    id="",
                    kind="template",
                    rule="T2",
                    verdict=verdict,
                    left=label,
                    evidence=[
                        Evidence(ref=s.label, start=s.start, end=s.end) for s in top
                    ],
                    message=f"T2: required section {label} not found"
                    + (
                        " (headings skip numbers or lack labels: text may be missing)"
                        if gap
                        else ""
                    )
                    + f"; top-level sections: {sorted(labels)}",
                )
            )
        return out


def _numbering_gap(sections: Sequence[Section]) -> bool:
    numbers = []
    for s in sections:
        match = _NUMERAL.match(s.title or "")
        if match:
            n = chinese_number(match.group(1))
            if n is not None:
                numbers.append(n)
    if not numbers:
        return False
    return numbers[0] != 1 or any(b - a > 1 for a, b in pairwise(numbers))


def _operands(refs: Sequence[str], cells: dict[str, Cell], total) -> str:
    values = "+".join(str(_tidy(cells[r].value)) for r in refs)
    return values if len(refs) == 1 else f"{values} ({total})"


def _tidy(value: float) -> float | int:
    if isinstance(value, float):
        value = round(value, 6)
        if value.is_integer():
            return int(value)
    return value
