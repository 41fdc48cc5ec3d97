"""Reader for the pre-2019 统计表 (docs/FORMATS.md §4.2) and its local variants (§4.3).

Rows are "指标 | 单位 | 数量" with or without the unit column, with the unit inside
the value (1628条), with blank cells, or with two value columns (本年度 and 历年累计)
whose digits may have run together. Only the report-year column gets indicator ids;
the cumulative column is read too, because 历年累计 ≥ 本年度 helps split the digits.
Labels repeated under several heads (被依法纠错数) take the id of the head above them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...config.indicators import ColumnSpec, Relation, RowSpec, TableSpec
from .rows import RowRead, TableRead, add_row, constraints_for, finish, prepare, printed
from .view import Fold, LabelMatcher, TextView, ZoneReader

# A row label found this far (view characters) after the previous row's values is
# prose, not the table.
MAX_GAP = 400
# Fewer rows than this (or no number at all) is prose that names a row, not a table.
MIN_ROWS = 3


class Pre2019Reader:
    def __init__(
        self,
        spec: TableSpec,
        relations: Sequence[Relation],
        zones: ZoneReader,
        fold: Fold,
    ):
        self.spec = spec
        self.relations = [r for r in relations if r.table == spec.name]
        self.zones = zones
        self.rows = LabelMatcher(
            [(label, row) for row in spec.rows for label in row.labels], fold
        )
        self.columns = LabelMatcher(
            [(label, column) for column in spec.columns for label in column.labels],
            fold,
        )

    def first_row(self, view: TextView, start: int, end: int):
        return self.rows.search(view, start, end)

    def _columns(self, view: TextView, start: int, end: int) -> list[ColumnSpec]:
        """The value columns named in the header, in printed order."""
        found: list[ColumnSpec] = []
        for hit in self.columns.find(view, start, end):
            for column in hit.payloads:
                if column not in found and all(
                    c.cumulative != column.cumulative for c in found
                ):
                    found.append(column)
                    break
        if not any(c.cumulative for c in found):
            return [next(c for c in self.spec.columns if not c.cumulative)]
        if not any(not c.cumulative for c in found):
            found.insert(0, next(c for c in self.spec.columns if not c.cumulative))
        return found

    def read(self, view: TextView, text: str, start: int, end: int) -> TableRead:
        out = TableRead(start, end)
        hits = self.rows.find(view, start, end)
        if not hits:
            return out
        columns = self._columns(view, start, hits[0].start)
        column_ids = [c.id for c in columns]
        check = _cumulative_check(columns) if len(columns) > 1 else None
        head: str | None = None
        rows: list[RowRead] = []
        last = hits[0].start
        for i, hit in enumerate(hits):
            if hit.start - last > MAX_GAP:
                break
            row = self._resolve(hit.payloads, head)
            zone_end = (
                hits[i + 1].start if i + 1 < len(hits) else min(end, hit.end + MAX_GAP)
            )
            zone = self.zones.read(view, hit.end, zone_end)
            last = max(hit.end, zone.end)
            if row is None or row.group:
                continue
            if row.head:
                head = row.id
            label, a, b = printed(view, text, hit.start, hit.end)
            kind = row.type or self.spec.type
            read = RowRead(
                key=row.id,
                label=label,
                label_start=a,
                label_end=b,
                columns=column_ids,
                indicators=[row.id if not c.cumulative else None for c in columns],
                column_labels=[c.labels[0] for c in columns],
                units=[row.unit] * len(columns),
                types=[kind] * len(columns),
                tokens=zone.tokens,
                zone_unit=zone.unit,
                zone_start=hit.end,
                check=check,
            )
            prepare(read, "stat_pre2019")
            add_row(rows, read)
        numbers = sum(1 for r in rows for t in r.tokens if t.kind == "num")
        if len(rows) < MIN_ROWS or not numbers:
            return out  # row names quoted in prose, not a table
        out.rows = rows
        out.end = last
        out.cells = finish(
            rows,
            constraints_for(self.relations, rows),
            out.notes,
            view,
            "stat_pre2019",
            out.ambiguities,
        )
        out.layout = (
            "national"
            if any(
                r.key
                in ("pre.apply.concluded", "pre.org.staff", "pre.apply.already_public")
                for r in rows
            )
            else "local"
        )
        if len(columns) > 1:
            out.notes.append(
                "two value columns ("
                + ", ".join(c.labels[0] for c in columns)
                + "): indicator ids on the report-year column only."
            )
        return out

    @staticmethod
    def _resolve(payloads: list[RowSpec], head: str | None) -> RowSpec | None:
        """The row a label stands for: when it repeats, the one under the head."""
        if len(payloads) == 1:
            row = payloads[0]
            return row if not row.under or row.under == head else None
        for row in payloads:
            if row.under == head:
                return row
        return None


def _cumulative_check(columns: Sequence[ColumnSpec]):
    """历年累计 includes the report year: cumulative ≥ period, whenever both are read."""
    period = next(i for i, c in enumerate(columns) if not c.cumulative)
    cumulative = next(i for i, c in enumerate(columns) if c.cumulative)

    def check(values: Sequence) -> bool:
        p, c = values[period], values[cumulative]
        if not isinstance(p, (int, float)) or not isinstance(c, (int, float)):
            return True
        return c >= p

    return check
