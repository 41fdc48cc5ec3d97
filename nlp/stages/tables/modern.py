"""Readers for tables 二, 三 and 四 of the 2019 and 2021 formats (docs/FORMATS.md §2-3).

Each reader gets a view of the table's stretch of text, finds the row labels in it
and reads the values after each label, whatever the shape: PDF lines ("规章0 0 0"),
one cell per line, pipe rows, or numbers run together by a crawler. Table 二's layout
(2019 or 2021) is decided block by block from its own header cells; table 三's row
(六) is a data row (2019) unless its three sub-rows follow (2021).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...config.indicators import Relation, RowSpec, TableSpec
from ...errors import Errors
from .align import Observed, column_positions, faithful, fit_cells, key, observe
from .applications import ApplicationsReader
from .rows import RowRead, TableRead, add_row, finish, prepare, printed
from .view import Fold, Hit, LabelMatcher, TextView, ZoneReader

# Start of the note a table 二 gets when no header cell decided its layout.
LAYOUT_GUESSED = "layout guessed: "


def row_check(
    relations: Sequence[Relation], columns: Sequence[str], over: str, blocks: int = 1
):
    """A test of one row's values against the relations that hold inside a row."""
    pos = {c: i for i, c in enumerate(columns)}
    specs = [
        ([pos[x] for x in r.left], [pos[x] for x in r.right], r.op)
        for r in relations
        if r.over == over
    ]
    if not specs:
        return None
    width = len(columns)

    def check(values: Sequence) -> bool:
        for b in range(blocks):
            off = b * width
            for left, right, op in specs:
                if off + max(left + right) >= len(values):
                    continue  # a prefix of the row (partial): not complete yet
                lv = [values[off + i] for i in left]
                rv = [values[off + i] for i in right]
                if any(not isinstance(v, (int, float)) for v in lv + rv):
                    continue  # an empty cell can't decide
                if op == "le":
                    if sum(lv) > sum(rv) + 1e-9:
                        return False
                elif abs(sum(lv) - sum(rv)) > 1e-6:
                    return False
        return True

    # The same test on the first cells of a row being cut: complete blocks only.
    check.partial = check  # type: ignore[attr-defined]
    return check


def _zone_end(hits: Sequence[Hit], i: int, end: int) -> int:
    return hits[i + 1].start if i + 1 < len(hits) else end


class ModernReader:
    """Reads tables 二, 三 and 四 with matchers compiled once from the schema."""

    def __init__(
        self,
        t2: TableSpec,
        t3: TableSpec,
        t4: TableSpec,
        relations: Sequence[Relation],
        zones: ZoneReader,
        fold: Fold,
    ):
        self.t2, self.t3, self.t4 = t2, t3, t4
        self.zones = zones
        self.rel3 = [r for r in relations if r.table == t3.name]
        self.rel4 = [r for r in relations if r.table == t4.name]
        self.t2_rows = LabelMatcher(
            [(label, ("row", row)) for row in t2.rows for label in row.labels]
            + [
                (label, ("caption", cap.block))
                for cap in t2.captions
                for label in cap.labels
            ],
            fold,
        )
        self.t2_headers = LabelMatcher(
            [
                (label, layout)
                for layout, labels in t2.layouts.items()
                for label in labels
            ],
            fold,
        )
        self.applications = ApplicationsReader(
            t3,
            relations,
            zones,
            fold,
            row_check(self.rel3, [c.id for c in t3.columns], "rows"),
        )
        self.t4_headers = LabelMatcher([(label, label) for label in t4.headers], fold)
        self.t4_chars = set(
            key(fold("".join([*t4.headers, *(b.labels[0] for b in t4.blocks)])))
        )
        self.fold = fold

    # ----------------------------------------------------------------------- table 二

    def read_t2(
        self, view: TextView, text: str, start: int, end: int, fallback_layout: str
    ) -> TableRead:
        spec = self.t2
        out = TableRead(start, end)
        hits = self.t2_rows.find(view, start, end)
        block_layout: dict[str, str] = {}
        decided_by: dict[str, str] = {}
        block = None
        boundary = start
        rows: list[RowRead] = []
        last = start
        for i, hit in enumerate(hits):
            kind, payload = hit.payloads[0]
            if kind == "caption":
                block = payload
                boundary = hit.end
                continue
            row: RowSpec = payload
            block = row.block
            headers = self.t2_headers.find(view, boundary, hit.start)
            if headers:
                found = {h.payloads[0] for h in headers}
                if len(found) == 1:
                    block_layout[block] = found.pop()
                    decided_by[block] = "header"
            zone = self.zones.read(view, hit.end, _zone_end(hits, i, end))
            boundary = max(zone.end, hit.end)
            layout = block_layout.get(block)
            if layout not in row.columns:
                layout = self._layout_by_count(row, zone.tokens, fallback_layout)
                decided_by.setdefault(block, "count")
            if layout is None:
                continue
            columns = list(row.columns[layout])
            label, a, b = printed(view, text, hit.start, hit.end)
            read = RowRead(
                key=row.id,
                label=label,
                label_start=a,
                label_end=b,
                columns=columns,
                indicators=[f"t2.{row.id}.{c}" for c in columns],
                column_labels=[spec.column(c).labels[0] for c in columns],
                units=[row.units.get(c, spec.column(c).unit) for c in columns],
                types=[spec.column(c).type for c in columns],
                tokens=zone.tokens,
                zone_unit=zone.unit,
                zone_start=hit.end,
                layout=layout,
            )
            prepare(read, "t2")
            add_row(rows, read)
            last = max(last, boundary)
        if not rows:
            return out
        out.rows = rows
        out.cells = finish(rows, [], out.notes, view, "t2", out.ambiguities)
        layouts = {r.layout for r in rows}
        by_header = {
            block_layout[b] for b, how in decided_by.items() if how == "header"
        }
        out.layout = layouts.pop() if len(layouts) == 1 else "mixed"
        if not by_header:
            out.notes.append(
                f"{LAYOUT_GUESSED}{out.layout} inferred from value counts or the "
                "report's era (no header cells found)."
            )
        out.end = last
        return out

    @staticmethod
    def _layout_by_count(row: RowSpec, tokens: list, fallback: str) -> str | None:
        """Without header cells: the layout whose column count the values match."""
        if not any(t.splittable for t in tokens):  # run-together digits can't count
            fits = [
                lay for lay, cols in row.columns.items() if len(cols) == len(tokens)
            ]
            if len(fits) == 1:
                return fits[0]
        if fallback in row.columns:
            return fallback
        return next(iter(row.columns), None)

    # ----------------------------------------------------------------------- table 三

    def read_t3(
        self, view: TextView, text: str, start: int, end: int, era: str | None = None
    ) -> TableRead:
        return self.applications.read(view, text, start, end, era)

    # ----------------------------------------------------------------------- table 四

    def read_t4(self, view: TextView, text: str, start: int, end: int) -> TableRead:
        """One 15-cell row, or three 5-cell rows under their block headers, after the
        header words (printed in a line, or stacked a character a line)."""
        spec = self.t4
        out = TableRead(start, end)
        headers = self.t4_headers.find(view, start, end)
        if not headers:
            return out
        width = len(spec.blocks) * len(spec.columns)
        observed = observe(view, headers[0].start, end, [], self.zones)
        taken: list[Observed] = []
        for row in observed:
            if not self._header_only(row.context):
                break  # running text resumed: the table ended
            taken.append(row)
            if sum(len(r.values) for r in taken) >= width or any(
                t.splittable for t in row.values
            ):
                break
        if not taken:
            return out
        groups = self._t4_groups(taken, width)
        columns = [c.id for c in spec.columns]
        ncols = len(columns)
        reads: list[RowRead] = []
        for blocks, tokens in groups:
            ids = [f"t4.{blk.id}.{c}" for blk in blocks for c in columns]
            read = RowRead(
                key="t4",
                label="/".join(blk.labels[0] for blk in blocks),
                label_start=view.offset(headers[0].start),
                label_end=view.span(headers[-1].start, headers[-1].end)[1],
                columns=[c for _ in blocks for c in columns],
                indicators=ids,
                column_labels=[
                    f"{blk.labels[0]}·{c.labels[0]}"
                    for blk in blocks
                    for c in spec.columns
                ],
                units=[spec.unit] * len(ids),
                types=[spec.type] * len(ids),
                tokens=tokens or [],
                zone_start=taken[0].start,
                check=row_check(self.rel4, columns, "blocks", blocks=len(blocks)),
            )
            if tokens is None:
                found = sum(len(r.values) for r in taken)
                read.problem = Errors.E410.format(
                    table="t4", row=read.label, found=found, expected=len(ids)
                )
            prepare(read, "t4", fitted=True)
            reads.append(read)
        out.rows = reads
        out.cells = finish(reads, [], out.notes, view, "t4", out.ambiguities)
        # Cell.row names the block; Cell.column the result column.
        names = [blk for blocks, _ in groups for blk in blocks]
        for i, cell in enumerate(out.cells):
            cell.row = names[i // ncols].labels[0]
            cell.column = spec.columns[i % ncols].labels[0]
        out.end = taken[-1].end
        return out

    def _t4_groups(
        self, taken: list[Observed], width: int
    ) -> list[tuple[list, list | None]]:
        """(blocks, tokens) read: one 15-cell row, or 5-cell rows each under its
        block's header (a block whose header names none follows the previous one)."""
        spec = self.t4
        labels = [c.labels for _ in spec.blocks for c in spec.columns]
        blocks = list(spec.blocks)
        ncols = len(spec.columns)
        if len(taken) == 1:
            row = taken[0]
            positions = column_positions(row.header, labels, self.fold)
            tokens = fit_cells(
                row, width, positions if faithful([row], positions) else None
            )
            if tokens is not None or len(row.values) != ncols:
                return [(blocks, tokens)]
        per_block = [fit_cells(r, ncols) for r in taken]
        if len(taken) < len(blocks) and all(t is not None for t in per_block):
            out: list[tuple[list, list | None]] = []
            nxt = 0
            for row, tokens in zip(taken, per_block):
                context = key(self.fold(row.context))
                named = [
                    (context.rfind(key(self.fold(b.labels[0]))), i)
                    for i, b in enumerate(blocks)
                    if key(self.fold(b.labels[0])) in context
                ]
                # The block named last before the values.
                i = max(named)[1] if named else nxt
                i = max(i, nxt)
                if i >= len(blocks):
                    break
                out.append(([blocks[i]], tokens))
                nxt = i + 1
            return out
        merged = Observed(
            tokens=[t for r in taken for t in r.tokens],
            start=taken[0].start,
            end=taken[-1].end,
        )
        return [(blocks, fit_cells(merged, width))]

    def _header_only(self, context: str) -> bool:
        """Whether text between table 四's header and its values is header words only
        (printed whole, or a character a line as PDF converters stack them)."""
        body = key(self.fold(context))
        if not body:
            return True
        inside = sum(1 for ch in body if ch in self.t4_chars)
        return inside >= 0.9 * len(body)
