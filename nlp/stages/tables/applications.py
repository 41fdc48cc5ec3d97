"""Table 三 (applications received and handled, docs/FORMATS.md §2.4, §3.3), read by
aligning its printed value rows to the template's row sequence (align.py).

The template has two row sequences: 2021, where （六）其他处理 heads three sub-rows,
and 2019, where it is one data row (some 2021-format reports keep it). Both are
aligned and the better-scoring one is kept. Rows placed by order alone (their label
was lifted out of the grid or lost) are confirmed by the column relations R1/R3; where
these fail, their cells are ``inferred`` so that a check never fails on them alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...config.indicators import Relation, RowSpec, TableSpec
from .align import (
    ANCHOR,
    Alignment,
    LabelScorer,
    Observed,
    align,
    column_positions,
    faithful,
    fit_cells,
    observe,
)
from .rows import RowRead, TableRead, constraints_for, finish, prepare, printed
from .streams import Constraint
from .view import Fold, LabelMatcher, TextView, ZoneReader

VARIANTS = ("2021", "2019")


class ApplicationsReader:
    """Reads table 三 with the matchers of its template, compiled once."""

    def __init__(
        self,
        spec: TableSpec,
        relations: Sequence[Relation],
        zones: ZoneReader,
        fold: Fold,
        row_check,
    ):
        self.spec = spec
        self.zones = zones
        self.fold = fold
        self.relations = [r for r in relations if r.table == spec.name]
        self.check = row_check
        self.labels = LabelMatcher(
            [(label, row) for row in spec.rows for label in row.labels], fold
        )
        self.data_rows = [r for r in spec.rows if r.id and not r.group]
        self.scorer = LabelScorer([r.labels for r in self.data_rows], fold)
        self.variants = {
            v: [r for r in self.data_rows if not r.eras or v in r.eras]
            for v in VARIANTS
        }
        self.column_labels = [c.labels for c in spec.columns]

    def read(self, view: TextView, text: str, start: int, end: int, era: str | None):
        out = TableRead(start, end)
        hits = self.labels.find(view, start, end)
        observed = observe(view, start, end, hits, self.zones)
        if not observed:
            return out
        ncols = len(self.spec.columns)
        positions = self._positions(observed)
        fits = [fit_cells(o, ncols, positions[i]) for i, o in enumerate(observed)]
        variant, rows, alignment = self._best(observed, fits, era)
        if not alignment.rows:
            return out
        columns = [c.id for c in self.spec.columns]
        reads: list[RowRead] = []
        weak: list[int] = []
        for t in sorted(alignment.rows):
            row, o = rows[t], alignment.rows[t]
            seen = observed[o]
            hit = next((h for h in reversed(seen.hits) if row in h.payloads), None)
            if hit is not None:
                label, a, b = printed(view, text, hit.start, hit.end)
            else:
                label = row.labels[0]
                a, b = view.span(seen.start, seen.start)
            read = RowRead(
                key=row.id,
                label=label,
                label_start=a,
                label_end=b,
                columns=columns,
                indicators=[f"t3.{row.id}.{c}" for c in columns],
                column_labels=[c.labels[0] for c in self.spec.columns],
                units=[self.spec.unit] * ncols,
                types=[self.spec.type] * ncols,
                tokens=list(fits[o] or []),
                zone_start=seen.start,
                check=self.check,
            )
            prepare(read, "t3", fitted=True)
            if alignment.evidence[t] < ANCHOR:
                weak.append(len(reads))
            reads.append(read)
        for o in alignment.undecided:
            out.notes.append(
                f"t3: a row of values ({' '.join(t.raw or '·' for t in observed[o].tokens)})"
                " has no label and fits several template rows: not read."
            )
        out.rows = reads
        out.end = max(observed[o].end for o in alignment.rows.values())
        constraints = constraints_for(self.relations, reads)
        out.cells = finish(reads, constraints, out.notes, view, "t3", out.ambiguities)
        if weak:
            self._confirm(reads, weak, constraints, out)
        ids = {r.key for r in reads}
        if variant == "2021" and ids & {"other_overdue", "other_unpaid", "other_misc"}:
            out.layout = "2021"
        elif "other" in ids:
            out.layout = "2019"
        return out

    def _positions(self, observed: Sequence[Observed]) -> list[list[int] | None]:
        """Each row's column positions, from its pipe header when the rows under that
        header confirm them."""
        by_header: dict[tuple, list[int]] = {}
        for i, o in enumerate(observed):
            if o.pipe and o.header:
                by_header.setdefault(tuple(sorted(o.header.items())), []).append(i)
        out: list[list[int] | None] = [None] * len(observed)
        for header, members in by_header.items():
            positions = column_positions(dict(header), self.column_labels, self.fold)
            if faithful([observed[i] for i in members], positions):
                for i in members:
                    out[i] = positions
        return out

    def _best(
        self, observed: Sequence[Observed], fits, era: str | None
    ) -> tuple[str, list[RowSpec], Alignment]:
        index = {id(r): i for i, r in enumerate(self.data_rows)}
        cache: dict[tuple[int, int], float] = {}  # both variants share most rows
        best: tuple[tuple, str, list[RowSpec], Alignment] | None = None
        for variant, rows in self.variants.items():

            def similarity(o: int, t: int, rows=rows) -> float:
                row = rows[t]
                k = (o, index[id(row)])
                if k not in cache:
                    cache[k] = self.scorer.similarity(observed[o], k[1], row)
                return cache[k]

            def compatible(o: int, t: int) -> bool:
                return fits[o] is not None

            alignment = align(observed, len(rows), similarity, compatible)
            rank = (
                round(alignment.score, 6),
                len(alignment.rows),
                variant == (era or "2021"),
            )
            if best is None or rank > best[0]:
                best = (rank, variant, rows, alignment)
        assert best is not None
        return best[1], best[2], best[3]

    def _confirm(
        self,
        reads: list[RowRead],
        weak: list[int],
        constraints: Sequence[Constraint],
        out,
    ) -> None:
        """Rows placed by order alone keep their cells ``ok`` only when the column
        relations hold; otherwise the cells become ``inferred``."""
        width = len(self.spec.columns)
        values = [c.value for c in out.cells]

        def value(r: int, c: int):
            return values[r * width + c] if r * width + c < len(values) else None

        verdicts = [
            constraint.holds(value)
            for constraint in constraints
            if any(r in weak for r, _ in constraint.cells())
        ]
        labels = ", ".join(reads[r].label for r in weak)
        if verdicts and all(v is not False for v in verdicts) and True in verdicts:
            out.notes.append(
                f"t3: rows {labels} were placed by their order (no label printed "
                "beside their values); the column relations confirm them."
            )
            return
        for r in weak:
            for cell in out.cells[r * width : (r + 1) * width]:
                if cell.status == "ok":
                    cell.status = "inferred"
        out.notes.append(
            f"t3: rows {labels} were placed by their order (no label printed beside "
            "their values) and no column relation confirms them: their cells are "
            "'inferred'."
        )
