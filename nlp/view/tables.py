"""A table drawn as a grid from its cells, each cell coloured by status.

Rows keep the order the report gives them; consecutive rows with the same columns share
one header row, so a table whose parts have different columns (the 2021 template's
table 2) is drawn as stacked blocks instead of one sparse grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import escape

STATUSES = ("ok", "inferred", "empty", "unreadable")
STATUS_TEXT = {
    "ok": "read",
    "inferred": "inferred (split chosen by arithmetic)",
    "empty": "empty (/, —, 无 or blank)",
    "unreadable": "unreadable",
}


@dataclass(frozen=True)
class CellSpot:
    """Where a drawn cell sits: its text span, indicator and element id."""

    start: int
    end: int
    indicator: str | None
    element: str


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def _status(cell: dict[str, Any]) -> str:
    status = str(cell.get("status") or "ok")
    return status if status in STATUSES else "ok"


def _cell_title(cell: dict[str, Any], status: str) -> str:
    unit = cell.get("unit") or ""
    parts = [
        cell.get("indicator") or "no indicator",
        f"read {cell.get('raw', '')!r} → {_number(cell.get('value')) or '—'} {unit}",
        STATUS_TEXT.get(status, status),
        f"at {cell.get('start')}–{cell.get('end')}",
    ]
    return " · ".join(p.strip() for p in parts)


def _shown(cell: dict[str, Any], status: str) -> str:
    if status == "inferred":
        return _number(cell.get("value"))
    raw = str(cell.get("raw") or "")
    if status == "empty" and not raw.strip():
        return "∅"
    return raw


def _groups(cells: list[dict[str, Any]]) -> list[tuple[tuple, list]]:
    """[(columns, [(row label, [(cell index, cell)])])] in reading order."""
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, cell in enumerate(cells):
        rows.setdefault(str(cell.get("row") or ""), []).append((index, cell))
    groups: list[tuple[tuple, list]] = []
    for label, members in rows.items():
        columns = tuple(str(c.get("column") or "") for _, c in members)
        if groups and groups[-1][0] == columns:
            groups[-1][1].append((label, members))
        else:
            groups.append((columns, [(label, members)]))
    return groups


def table_html(
    table: dict[str, Any], index: int, text: str
) -> tuple[str, list[CellSpot], str]:
    """The grid of ``table`` (the ``index``-th of its report): HTML, the drawn cells,
    and the id of the table's container."""
    container = f"tbl{index}"
    cells = [c for c in table.get("cells") or [] if isinstance(c, dict)]
    spots: list[CellSpot] = []
    counts = {s: 0 for s in STATUSES}
    body: list[str] = []
    for columns, rows in _groups(cells):
        head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in columns)
        body.append(f"<tr class='hdr'><th scope='col'></th>{head}</tr>")
        for label, members in rows:
            tds = []
            for cell_index, cell in members:
                status = _status(cell)
                counts[status] += 1
                element = f"c{index}_{cell_index}"
                start, end = int(cell.get("start") or 0), int(cell.get("end") or 0)
                spots.append(CellSpot(start, end, cell.get("indicator"), element))
                indicator = escape(cell.get("indicator") or "")
                tds.append(
                    f"<td id='{element}' class='cell st-{status}' data-s='{start}' "
                    f"data-e='{end}' data-ind='{indicator}' "
                    f"title='{escape(_cell_title(cell, status))}'>"
                    f"{escape(_shown(cell, status))}</td>"
                )
            body.append(f"<tr><th scope='row'>{escape(label)}</th>{''.join(tds)}</tr>")
    legend = " ".join(
        f"<span class='cell st-{s} key'>{escape(STATUS_TEXT[s].split(' (')[0])}"
        f" {counts[s]}</span>"
        for s in STATUSES
        if counts[s]
    )
    kind = escape(str(table.get("kind") or "other"))
    layout = escape(str(table.get("layout") or ""))
    start, end = int(table.get("start") or 0), int(table.get("end") or 0)
    extra = []
    for note in table.get("notes") or []:
        extra.append(f"<li>{escape(str(note))}</li>")
    for amb in table.get("ambiguities") or []:
        splits = "; ".join(
            "+".join(_number(v) for v in split) for split in amb.get("splits") or []
        )
        extra.append(
            f"<li>digits {escape(str(amb.get('raw', '')))!s} split in several ways "
            f"that all fit: {escape(splits)}</li>"
        )
    notes = f"<ul class='tnotes'>{''.join(extra)}</ul>" if extra else ""
    grid = (
        f"<table class='grid'><tbody>{''.join(body)}</tbody></table>"
        if cells
        else "<p class='muted'>No cells were read from this table.</p>"
    )
    html = (
        f"<figure class='table' id='{container}' data-s='{start}' data-e='{end}'>"
        f"<figcaption><b>{escape(str(table.get('id') or container))}</b> · "
        f"{kind}{' · layout ' + layout if layout else ''} · {len(cells)} cells "
        f"<span class='legend'>{legend}</span></figcaption>"
        f"<div class='gridwrap'>{grid}</div>{notes}"
        f"<details class='asread'><summary>Table text as read ({start}–{end})"
        f"</summary><pre>{escape(text[start:end])}</pre></details></figure>"
    )
    return html, spots, container
