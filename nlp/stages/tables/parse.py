"""Stage ``tables.v1``: find the statistical tables in a report and read every cell.

Tables are located by anchors (a 第二十条 caption, the 勾稽关系 note, the 结果维持
header, the 统计表 header); each stretch is then read by its reader (modern.py,
pre2019.py) into ``Table`` records whose cells carry indicator ids (SPEC.md §3), the
value as printed and its offsets in ``report.text``.
"""

from __future__ import annotations

from typing import Any

from ...config import IndicatorSchema, schema_from
from ...pipeline.registry import Stage, stage
from ...records import Report, Table
from ..meta.era import era_rules
from .modern import ModernReader, TableRead
from .pre2019 import Pre2019Reader
from .view import LabelMatcher, TextView, ZoneReader

# Longest stretch (view characters) a table may span after its anchor.
SPAN = {"t2": 4000, "t3": 12000, "t4": 2500, "stat_pre2019": 12000}
# A pre-2019 anchor only counts when a row label follows within this many characters.
PRE_ANCHOR_REACH = 400


@stage(
    "tables.v1",
    requires=("text", "meta.template", "meta.year"),
    assigns=("tables",),
    config="indicators",
    scorer="cells",
)
class TableParser(Stage):
    """Reads the statistical tables of a report.

    Needs ``text`` (and ``meta.template``/``meta.year`` when known, to pick table 二's
    layout when its header cells were lost). Fills ``tables``: one ``Table`` per table
    found (kind t2, t3, t4 or stat_pre2019), cells in printed order with their status
    (ok, empty, inferred, unreadable).
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        self.schema: IndicatorSchema = schema_from(self.config)
        self.era = era_rules()
        tables = self.schema.tables
        fold = self.schema.fold
        self.zones = ZoneReader(self.schema.units)
        self.modern = ModernReader(
            tables["t2"],
            tables["t3"],
            tables["t4"],
            self.schema.relations,
            self.zones,
            fold,
        )
        self.pre = Pre2019Reader(
            tables["stat_pre2019"], self.schema.relations, self.zones, fold
        )
        self.anchors = LabelMatcher(
            [
                (label, (name, 0))
                for name, spec in tables.items()
                for label in spec.anchors
            ]
            + [
                (label, (name, 1))
                for name, spec in tables.items()
                for label in spec.fallback_anchors
            ],
            fold,
        )

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        report.tables = self.parse(report.text, report.meta.template, report.meta.year)
        return report

    def parse(
        self, text: str, template: str | None = None, year: int | None = None
    ) -> list[Table]:
        view = TextView(text, 0, len(text), self.schema.fold)
        starts = self._starts(view)
        reads: list[tuple[str, TableRead]] = []
        ordered = sorted(starts.items(), key=lambda kv: kv[1])
        for i, (name, start) in enumerate(ordered):
            end = min(len(view), start + SPAN[name])
            if i + 1 < len(ordered):
                end = min(end, ordered[i + 1][1])
            if name == "t2":
                read = self.modern.read_t2(
                    view, text, start, end, self.era.table_layout(template, year)
                )
            elif name == "t3":
                read = self.modern.read_t3(
                    view, text, start, end, self.era.table_layout(template, year)
                )
            elif name == "t4":
                read = self.modern.read_t4(view, text, start, end)
            else:
                read = self.pre.read(view, text, start, end)
            if read.cells:
                reads.append((name, read))
        tables = []
        for n, (name, read) in enumerate(reads):
            a, b = view.span(read.start, max(read.end, read.start + 1))
            tables.append(
                Table(
                    id=f"table-{n}",
                    kind=self.schema.tables[name].kind,  # type: ignore[arg-type]
                    start=a,
                    end=max(b, max(c.end for c in read.cells)),
                    cells=read.cells,
                    layout=read.layout,
                    notes=read.notes,
                    ambiguities=read.ambiguities,
                )
            )
        return tables

    def _starts(self, view: TextView) -> dict[str, int]:
        """Where each table starts: its first anchor, else its first fallback anchor.

        A pre-2019 anchor only counts when a row label follows closely; the modern
        tables win over a pre-2019 one (a report follows one era's format).
        """
        found: dict[tuple[str, int], int] = {}
        for hit in self.anchors.find(view):
            for name, rank in hit.payloads:
                if (name, rank) in found:
                    continue
                if name == "stat_pre2019" and not self.pre.first_row(
                    view, hit.end, hit.end + PRE_ANCHOR_REACH
                ):
                    continue
                found[(name, rank)] = hit.start
        starts: dict[str, int] = {}
        for (name, rank), at in sorted(found.items(), key=lambda kv: kv[0][1]):
            starts.setdefault(name, at)
        if "t2" in starts or "t3" in starts:
            starts.pop("stat_pre2019", None)
        # Table 三 comes after table 二, 四 after 三: drop anchors out of order.
        if "t3" in starts and "t2" in starts and starts["t2"] > starts["t3"]:
            del starts["t2"]
        if "t4" in starts and "t3" in starts and starts["t3"] > starts["t4"]:
            later = [
                h.start
                for h in self.anchors.find(view, starts["t3"])
                if ("t4", 0) in h.payloads
            ]
            if later:
                starts["t4"] = later[0]
            else:
                del starts["t4"]
        return starts
