"""The indicator schema: table rows, columns and relations from configs/indicators.yaml.

Validated when loaded (``nlp.config.load_schema``): an unknown key, a duplicate id or a reference to an
undefined row or column is a ``ConfigError`` naming the place to fix. The schema also
builds the catalogue of every indicator id (docs/SPEC.md §3) with its labels, unit and type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, Errors
from ..text.fold import Fold

VALUE_TYPES = ("int", "signed", "decimal")
TABLE_KINDS = ("t2", "t3", "t4", "stat_pre2019")
OPS = ("eq", "le")


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    labels: tuple[str, ...]
    unit: str | None = None
    type: str = "int"
    cumulative: bool = False


@dataclass(frozen=True)
class RowSpec:
    """One printed row. ``id`` is None for group labels and rows without a SPEC id."""

    id: str | None
    labels: tuple[str, ...]
    group: bool = False
    block: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    unit: str | None = None
    type: str | None = None
    eras: tuple[str, ...] = ()
    head: bool = False
    under: str | None = None
    group_if_followed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptionSpec:
    block: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    kind: str
    eras: tuple[str, ...]
    anchors: tuple[str, ...]
    rows: tuple[RowSpec, ...]
    columns: tuple[ColumnSpec, ...]
    fallback_anchors: tuple[str, ...] = ()
    unit: str | None = None
    type: str = "int"
    layouts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    captions: tuple[CaptionSpec, ...] = ()
    blocks: tuple[ColumnSpec, ...] = ()
    headers: tuple[str, ...] = ()

    def column(self, column_id: str) -> ColumnSpec:
        for column in self.columns:
            if column.id == column_id:
                return column
        raise KeyError(column_id)

    def row(self, row_id: str) -> RowSpec:
        for row in self.rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)


@dataclass(frozen=True)
class Relation:
    """``Σ left op Σ right``, instantiated per column, row or block (``over``)."""

    rule: str
    table: str
    op: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    over: str | None = None
    right_one_of: tuple[tuple[str, ...], ...] = ()
    closed: bool = False
    indicator: str | None = None
    # The right side is the operands the table prints (a local table's breakdown).
    partial: bool = False


@dataclass(frozen=True)
class Group:
    """A group label of a table (table 三's （三）不予公开) whose figure is the sum of
    its rows, column by column: ``<table>.<id>.<column>`` names that sum."""

    id: str
    table: str
    rows_one_of: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Indicator:
    """One SPEC §3 indicator id with the labels it is printed under."""

    id: str
    table: str
    row: str
    column: str | None
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    unit: str | None
    type: str
    eras: tuple[str, ...]


@dataclass(frozen=True)
class IndicatorSchema:
    version: str
    path: str
    units: tuple[str, ...]
    fold: Fold
    tables: dict[str, TableSpec]
    relations: tuple[Relation, ...]
    required_sections: tuple[str, ...]
    indicators: dict[str, Indicator]
    groups: dict[str, Group] = field(default_factory=dict)

    def relations_for(self, table: str) -> list[Relation]:
        return [r for r in self.relations if r.table == table]

    def expand(self, ids: list[str] | tuple[str, ...], present: set[str]) -> list[str]:
        """Cell ids for ``ids``, a group's sum (t3.denied.total) replaced by its rows'
        cells: the first alternative of rows the table prints (``present``)."""
        out: list[str] = []
        for iid in ids:
            kind, _, rest = iid.partition(".")
            group_id, _, column = rest.partition(".")
            group = self.groups.get(f"{kind}.{group_id}")
            if group is None or not column:
                out.append(iid)
                continue
            options = [
                [f"{kind}.{r}.{column}" for r in rows] for rows in group.rows_one_of
            ]
            chosen = next(
                (o for o in options if all(c in present for c in o)),
                next((o for o in options if any(c in present for c in o)), options[0]),
            )
            out += chosen
        return out


# ---------------------------------------------------------------------------- loading

_TOP_KEYS = frozenset(
    ["version", "units", "fold", "tables", "relations", "required_sections", "groups"]
)
_GROUP_KEYS = frozenset(["id", "table", "rows", "rows_one_of", "labels"])
_TABLE_KEYS = frozenset(
    [
        "kind",
        "eras",
        "anchors",
        "fallback_anchors",
        "layouts",
        "captions",
        "columns",
        "rows",
        "unit",
        "type",
        "blocks",
        "headers",
    ]
)
_ROW_KEYS = frozenset(
    [
        "id",
        "labels",
        "group",
        "block",
        "columns",
        "units",
        "unit",
        "type",
        "eras",
        "head",
        "under",
        "group_if_followed_by",
    ]
)
_COLUMN_KEYS = frozenset(["id", "labels", "unit", "type", "cumulative"])
_RELATION_KEYS = frozenset(
    [
        "rule",
        "table",
        "over",
        "op",
        "left",
        "right",
        "right_one_of",
        "closed",
        "indicator",
        "partial",
    ]
)


class _Loader:
    """Validates one config mapping; every error names the file and the place."""

    def __init__(self, path: str):
        self.path = path

    def invalid(self, where: str, detail: str) -> ConfigError:
        return ConfigError(
            Errors.E403.format(path=self.path, where=where, detail=detail)
        )

    def unknown(self, where: str, what: str, ref: Any) -> ConfigError:
        return ConfigError(
            Errors.E402.format(path=self.path, where=where, what=what, id=ref)
        )

    def keys(self, data: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.invalid(where, "expected a mapping")
        for key in data:
            if key not in allowed:
                raise ConfigError(
                    Errors.E400.format(
                        path=self.path, key=key, where=where, allowed=sorted(allowed)
                    )
                )
        return data

    def unique(self, ids: list[str], what: str, where: str) -> None:
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                raise ConfigError(
                    Errors.E401.format(path=self.path, what=what, id=item, where=where)
                )
            seen.add(item)

    def strings(self, value: Any, where: str, required: bool = True) -> tuple[str, ...]:
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v for v in value
        ):
            raise self.invalid(where, "expected a list of non-empty strings")
        if required and not value:
            raise self.invalid(where, "the list is empty")
        return tuple(value)

    def value_type(self, value: Any, where: str, default: str | None) -> str | None:
        if value is None:
            return default
        if value not in VALUE_TYPES:
            raise self.invalid(where, f"type must be one of {VALUE_TYPES}")
        return value

    def column(self, data: Any, where: str, column_id: str | None = None) -> ColumnSpec:
        data = self.keys(data, _COLUMN_KEYS, where)
        cid = column_id or data.get("id")
        if not isinstance(cid, str) or not cid:
            raise self.invalid(where, "column has no id")
        return ColumnSpec(
            id=cid,
            labels=self.strings(data.get("labels"), f"{where}.labels"),
            unit=data.get("unit"),
            type=self.value_type(data.get("type"), where, "int") or "int",
            cumulative=bool(data.get("cumulative", False)),
        )

    def table(self, name: str, data: Any) -> TableSpec:
        where = f"tables.{name}"
        data = self.keys(data, _TABLE_KEYS, where)
        kind = data.get("kind")
        if kind not in TABLE_KINDS:
            raise self.invalid(where, f"kind must be one of {TABLE_KINDS}")
        raw_columns = data.get("columns") or []
        if isinstance(raw_columns, dict):  # {id: {labels...}}
            columns = tuple(
                self.column(v, f"{where}.columns.{k}", k)
                for k, v in raw_columns.items()
            )
        else:
            columns = tuple(
                self.column(v, f"{where}.columns[{i}]")
                for i, v in enumerate(raw_columns)
            )
        self.unique([c.id for c in columns], "column", f"{where}.columns")
        layouts = {
            str(k): self.strings(v, f"{where}.layouts.{k}")
            for k, v in (data.get("layouts") or {}).items()
        }
        rows = tuple(
            self.row(r, f"{where}.rows[{i}]", {c.id for c in columns}, layouts)
            for i, r in enumerate(data.get("rows") or [])
        )
        self.unique([r.id for r in rows if r.id], "row", f"{where}.rows")
        row_ids = {r.id for r in rows if r.id}
        for i, row in enumerate(rows):
            for ref in (row.under, *row.group_if_followed_by):
                if ref and ref not in row_ids:
                    raise self.unknown(f"{where}.rows[{i}]", "row", ref)
        captions = []
        for i, caption in enumerate(data.get("captions") or []):
            at = f"{where}.captions[{i}]"
            caption = self.keys(caption, frozenset({"block", "labels"}), at)
            captions.append(
                CaptionSpec(
                    str(caption.get("block")), self.strings(caption.get("labels"), at)
                )
            )
        blocks = tuple(
            self.column(b, f"{where}.blocks[{i}]")
            for i, b in enumerate(data.get("blocks") or [])
        )
        self.unique([b.id for b in blocks], "block", f"{where}.blocks")
        return TableSpec(
            name=name,
            kind=kind,
            eras=self.strings(data.get("eras"), f"{where}.eras"),
            anchors=self.strings(data.get("anchors"), f"{where}.anchors"),
            fallback_anchors=self.strings(
                data.get("fallback_anchors"),
                f"{where}.fallback_anchors",
                required=False,
            ),
            rows=rows,
            columns=columns,
            unit=data.get("unit"),
            type=self.value_type(data.get("type"), where, "int") or "int",
            layouts=layouts,
            captions=tuple(captions),
            blocks=blocks,
            headers=self.strings(
                data.get("headers"), f"{where}.headers", required=False
            ),
        )

    def row(
        self, data: Any, where: str, column_ids: set[str], layouts: dict[str, Any]
    ) -> RowSpec:
        data = self.keys(data, _ROW_KEYS, where)
        columns: dict[str, tuple[str, ...]] = {}
        for layout, ids in (data.get("columns") or {}).items():
            layout = str(layout)
            if layouts and layout not in layouts:
                raise self.unknown(f"{where}.columns", "layout", layout)
            columns[layout] = self.strings(ids, f"{where}.columns.{layout}")
            for cid in columns[layout]:
                if cid not in column_ids:
                    raise self.unknown(f"{where}.columns", "column", cid)
        units = dict(data.get("units") or {})
        for cid in units:
            if cid not in column_ids:
                raise self.unknown(f"{where}.units", "column", cid)
        row_id = data.get("id")
        group = bool(data.get("group", False))
        if row_id is not None and not isinstance(row_id, str):
            raise self.invalid(where, "id must be a string")
        if group and row_id:
            raise self.invalid(where, "a group row carries no id")
        return RowSpec(
            id=row_id,
            labels=self.strings(data.get("labels"), f"{where}.labels"),
            group=group,
            block=None if data.get("block") is None else str(data["block"]),
            columns=columns,
            units=units,
            unit=data.get("unit"),
            type=self.value_type(data.get("type"), where, None),
            eras=self.strings(data.get("eras"), f"{where}.eras", required=False),
            head=bool(data.get("head", False)),
            under=data.get("under"),
            group_if_followed_by=self.strings(
                data.get("group_if_followed_by"),
                f"{where}.group_if_followed_by",
                required=False,
            ),
        )

    def group(self, data: Any, where: str, tables: dict[str, TableSpec]) -> Group:
        data = self.keys(data, _GROUP_KEYS, where)
        table = tables.get(data.get("table"))
        if table is None:
            raise self.unknown(where, "table", data.get("table"))
        gid = data.get("id")
        if not isinstance(gid, str) or not gid:
            raise self.invalid(where, "group has no id")
        if any(r.id == gid for r in table.rows):
            raise ConfigError(
                Errors.E401.format(path=self.path, what="row", id=gid, where=where)
            )
        options = []
        if data.get("rows") is not None:
            options.append(self.strings(data.get("rows"), f"{where}.rows"))
        for alt in data.get("rows_one_of") or []:
            options.append(self.strings(alt, f"{where}.rows_one_of"))
        if not options:
            raise self.invalid(where, "a group needs rows or rows_one_of")
        known = {r.id for r in table.rows if r.id}
        for operand in (x for alt in options for x in alt):
            if operand not in known:
                raise self.unknown(where, "row", operand)
        self.strings(data.get("labels"), f"{where}.labels", required=False)
        return Group(
            id=f"{table.kind}.{gid}", table=table.name, rows_one_of=tuple(options)
        )

    def relation(self, data: Any, where: str, tables: dict[str, TableSpec]) -> Relation:
        data = self.keys(data, _RELATION_KEYS, where)
        table = tables.get(data.get("table"))
        if table is None:
            raise self.unknown(where, "table", data.get("table"))
        if data.get("op") not in OPS:
            raise self.invalid(where, f"op must be in {OPS}")
        over = data.get("over")
        if over in ("columns", None):  # operands are rows (t3) or indicator ids
            known = {r.id for r in table.rows if r.id}
        elif over in ("rows", "blocks"):  # operands are columns
            known = {c.id for c in table.columns}
        else:
            raise self.invalid(where, "over must be columns, rows or blocks")
        left = self.strings(data.get("left"), f"{where}.left")
        right = self.strings(data.get("right"), f"{where}.right")
        one_of = tuple(
            self.strings(alt, f"{where}.right_one_of")
            for alt in (data.get("right_one_of") or [])
        )
        for operand in (*left, *right, *(x for alt in one_of for x in alt)):
            if operand not in known:
                raise self.unknown(where, "operand", operand)
        return Relation(
            rule=str(data.get("rule")),
            table=table.name,
            op=data["op"],
            left=left,
            right=right,
            over=over,
            right_one_of=one_of,
            closed=bool(data.get("closed", False)),
            indicator=data.get("indicator") or left[0],
            partial=bool(data.get("partial", False)),
        )


def _catalogue(tables: dict[str, TableSpec], loader: _Loader) -> dict[str, Indicator]:
    """Every indicator id the tables define (SPEC §3), checked for duplicates."""
    out: dict[str, Indicator] = {}

    def add(
        iid: str,
        spec: TableSpec,
        row: str,
        column: ColumnSpec | None,
        row_labels: tuple[str, ...],
        unit: str | None,
        kind: str,
        eras: tuple[str, ...],
    ) -> None:
        if iid in out:
            if spec.kind == "t2":  # a column both layouts share (t2.*.decisions)
                old = out[iid]
                out[iid] = Indicator(**{**old.__dict__, "eras": (*old.eras, *eras)})
                return
            loader.unique([iid, iid], "indicator", "tables")
        out[iid] = Indicator(
            id=iid,
            table=spec.kind,
            row=row,
            column=column.id if column else None,
            row_labels=row_labels,
            column_labels=column.labels if column else (),
            unit=unit,
            type=kind,
            eras=eras,
        )

    for spec in tables.values():
        named_rows = [r for r in spec.rows if r.id]
        if spec.kind == "t2":
            for row in named_rows:
                for layout, column_ids in row.columns.items():
                    for cid in column_ids:
                        column = spec.column(cid)
                        add(
                            f"t2.{row.id}.{cid}",
                            spec,
                            row.id,
                            column,
                            row.labels,
                            row.units.get(cid, column.unit),
                            column.type,
                            (layout,),
                        )
        elif spec.kind == "t3":
            for row in named_rows:
                for column in spec.columns:
                    add(
                        f"t3.{row.id}.{column.id}",
                        spec,
                        row.id,
                        column,
                        row.labels,
                        spec.unit,
                        spec.type,
                        row.eras or spec.eras,
                    )
        elif spec.kind == "t4":
            for block in spec.blocks:
                for column in spec.columns:
                    add(
                        f"t4.{block.id}.{column.id}",
                        spec,
                        block.id,
                        column,
                        block.labels,
                        spec.unit,
                        spec.type,
                        spec.eras,
                    )
        else:  # stat_pre2019: ids on the report-year column
            period = next((c for c in spec.columns if not c.cumulative), None)
            for row in named_rows:
                add(
                    row.id,
                    spec,
                    row.id,
                    period,
                    row.labels,
                    row.unit,
                    row.type or spec.type,
                    spec.eras,
                )
    return out


def parse_schema(data: dict[str, Any], path: str = "<dict>") -> IndicatorSchema:
    """Validate a loaded config mapping and build the schema."""
    loader = _Loader(path)
    data = loader.keys(data, _TOP_KEYS, "the top level")
    fold = data.get("fold") or {}
    if not isinstance(fold, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(k) == len(v) == 1
        for k, v in fold.items()
    ):
        raise loader.invalid("fold", "map single characters to single characters")
    raw_tables = data.get("tables")
    if not isinstance(raw_tables, dict) or not raw_tables:
        raise loader.invalid("tables", "no tables defined")
    tables = {name: loader.table(name, spec) for name, spec in raw_tables.items()}
    missing = set(TABLE_KINDS) - {t.kind for t in tables.values()}
    if missing:
        raise loader.invalid("tables", f"no table of kind {sorted(missing)}")
    relations = tuple(
        loader.relation(r, f"relations[{i}]", tables)
        for i, r in enumerate(data.get("relations") or [])
    )
    groups = {}
    for i, g in enumerate(data.get("groups") or []):
        group = loader.group(g, f"groups[{i}]", tables)
        loader.unique([*groups, group.id], "group", "groups")
        groups[group.id] = group
    return IndicatorSchema(
        version=str(data.get("version")),
        path=path,
        units=loader.strings(data.get("units"), "units"),
        fold=Fold(fold),
        tables=tables,
        relations=relations,
        required_sections=loader.strings(
            data.get("required_sections"), "required_sections", required=False
        ),
        indicators=_catalogue(tables, loader),
        groups=groups,
    )
