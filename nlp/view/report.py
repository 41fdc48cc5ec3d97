"""What one report page shows: its header, outline, text, checks, weaknesses and the
text cleaning removed, as a template context.

A check's evidence in this report becomes the element ids that draw it (``targets``);
evidence in another report (cross-year checks) becomes a link to that report's page,
where the same check is listed among the checks citing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .names import foreign_key, fragment
from .text import Body, Mark, css_name, render_body

VERDICTS = ("fail", "uncertain", "not_assessable", "pass")
VERDICT_TEXT = {
    "fail": "failed",
    "uncertain": "uncertain",
    "not_assessable": "not assessable",
    "pass": "passed",
}


@dataclass
class Links:
    """How pages refer to one another (file names under ``reports/``)."""

    pages: dict[str, str]

    def report(self, doc_id: str, kind: str = "", key: str = "") -> str | None:
        name = self.pages.get(doc_id)
        if name is None:
            return None
        return name + (fragment(kind, key) if kind else "")


def number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def clip(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CELLS: dict[int, tuple[dict[str, Any], dict[tuple, list[dict[str, Any]]]]] = {}


def _cells_by_span(record: dict[str, Any]) -> dict[tuple, list[dict[str, Any]]]:
    """{(start, end): cells} of a record, built once per record (the cache keeps the
    record itself, so an id is never mistaken for another record's)."""
    cached = _CELLS.get(id(record))
    if cached is not None and cached[0] is record:
        return cached[1]
    if len(_CELLS) > 512:
        _CELLS.clear()
    index: dict[tuple, list[dict[str, Any]]] = {}
    for table in record["tables"]:
        for cell in table.get("cells") or []:
            index.setdefault((cell.get("start"), cell.get("end")), []).append(cell)
    _CELLS[id(record)] = (record, index)
    return index


def _cell_at(record: dict[str, Any], ev: dict[str, Any]) -> dict[str, Any] | None:
    cells = _cells_by_span(record).get((ev.get("start"), ev.get("end"))) or []
    named = [c for c in cells if c.get("indicator") == ev.get("ref")]
    return (named or cells or [None])[0]


def evidence_text(ev: dict[str, Any], record: dict[str, Any] | None) -> str:
    """What an evidence points at, in words: ``ref = value`` and what the report
    says there (the cell's row and column, or the prose)."""
    ref = str(ev.get("ref") or "")
    head = ref + (
        f" = {number(ev.get('value'))}" if ev.get("value") is not None else ""
    )
    if record is None:
        return head
    cell = _cell_at(record, ev)
    if cell is not None:
        where = " / ".join(str(x) for x in (cell.get("row"), cell.get("column")) if x)
        return f"{head} «{clip(where)}: {cell.get('raw', '')}»"
    start, end = int(ev.get("start") or 0), int(ev.get("end") or 0)
    said = record["text"][start:end]
    return f"{head} «{clip(said)}»" if said.strip() else head


def check_numbers(check: dict[str, Any]) -> str:
    parts = []
    for name in ("left", "right", "expected"):
        value = check.get(name)
        if value is None:
            value = check.get(f"{name}_text")
        if value is not None:
            parts.append(f"{name} {number(value)}")
    return " · ".join(parts)


def incoming_checks(
    docs: list[dict[str, Any]],
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """For each report, the checks of other reports with evidence in it."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for doc in docs:
        origin = doc["doc_id"]
        for check in doc["checks"]:
            cited = {
                ev.get("doc_id")
                for ev in check["evidence"]
                if ev.get("doc_id") and ev.get("doc_id") != origin
            }
            for target in sorted(cited):
                found.setdefault(target, []).append((origin, check))
    return found


def _marks(
    record: dict[str, Any], incoming: list[tuple[str, dict[str, Any]]]
) -> list[Mark]:
    marks = []
    for metric in record["metrics"]:
        unit = metric.get("unit") or ""
        indicator = metric.get("indicator") or "+".join(metric.get("parts") or [])
        title = f"metric {metric.get('id')}: {number(metric.get('value'))} {unit}"
        if metric.get("qualifier"):
            title += f" ({metric['qualifier']})"
        if indicator:
            title += f" → {indicator}"
        marks.append(
            Mark(
                int(metric.get("start") or 0),
                int(metric.get("end") or 0),
                "metric",
                title=title,
            )
        )
    for weakness in record["weaknesses"]:
        category = str(weakness.get("category") or "other")
        wid = weakness.get("id")
        marks.append(
            Mark(
                int(weakness.get("start") or 0),
                int(weakness.get("end") or 0),
                "weakness",
                title=f"weakness {wid}: {category}",
                chip=category,
                category=category,
            )
        )
        if weakness.get("improvement_start") is not None:
            marks.append(
                Mark(
                    int(weakness["improvement_start"]),
                    int(weakness.get("improvement_end") or 0),
                    "improvement",
                    title=f"improvement paired with {wid} ({category})",
                    chip=f"improvement · {category}",
                    category=category,
                )
            )
    own = record["doc_id"]
    for check in record["checks"]:
        for ev in check["evidence"]:
            if ev.get("doc_id") in (None, own):
                marks.append(
                    Mark(int(ev.get("start") or 0), int(ev.get("end") or 0), "evidence")
                )
    for _, check in incoming:
        for ev in check["evidence"]:
            if ev.get("doc_id") == own:
                marks.append(
                    Mark(int(ev.get("start") or 0), int(ev.get("end") or 0), "evidence")
                )
    for span in (record["meta"].get("evidence") or {}).values():
        if isinstance(span, list) and len(span) == 2:
            marks.append(Mark(int(span[0]), int(span[1]), "evidence"))
    return marks


def _evidence_items(
    check: dict[str, Any],
    origin: str,
    here: str,
    body: Body,
    docs: dict[str, dict[str, Any]],
    links: Links,
) -> tuple[list[str], list[dict[str, Any]]]:
    targets: list[str] = []
    items = []
    for ev in check["evidence"]:
        in_doc = ev.get("doc_id") or origin
        if in_doc == here:
            found = body.targets(
                int(ev.get("start") or 0), int(ev.get("end") or 0), ev.get("ref")
            )
            targets.extend(t for t in found if t not in targets)
            items.append(
                {
                    "label": evidence_text(ev, docs.get(here)),
                    "targets": " ".join(found),
                    "href": None,
                    "doc": None,
                }
            )
        else:
            key = (
                check.get("id")
                if in_doc == origin
                else foreign_key(origin, str(check.get("id")))
            )
            other = docs.get(in_doc)
            year = (other or {}).get("meta", {}).get("year")
            items.append(
                {
                    "label": evidence_text(ev, other),
                    "targets": "",
                    "href": links.report(in_doc, "check", str(key)),
                    "doc": f"{in_doc}" + (f" ({year})" if year else ""),
                }
            )
    return targets, items


def _check_item(check, origin, here, body, docs, links, key) -> dict[str, Any]:
    verdict = str(check.get("verdict") or "not_assessable")
    targets, items = _evidence_items(check, origin, here, body, docs, links)
    return {
        "key": key,
        "id": check.get("id"),
        "verdict": verdict if verdict in VERDICTS else "not_assessable",
        "kind": check.get("kind") or "",
        "rule": check.get("rule") or "",
        "message": check.get("message") or "",
        "indicator": check.get("indicator") or "",
        "numbers": check_numbers(check),
        "targets": " ".join(targets),
        "evidence": items,
        "origin": None if origin == here else origin,
        "origin_href": None
        if origin == here
        else links.report(origin, "check", str(check.get("id"))),
    }


def outline(record: dict[str, Any], body: Body) -> list[dict[str, Any]]:
    """The heading tree: [{id, href, title, label, children}]."""
    nodes = {}
    roots = []
    for section in record["sections"]:
        sid = str(section.get("id"))
        nodes[sid] = {
            "href": "#" + body.headings.get(sid, f"sec-{css_name(sid)}"),
            "title": clip(str(section.get("title") or sid), 40),
            "label": section.get("label") or "",
            "children": [],
        }
    for section in record["sections"]:
        sid, parent = str(section.get("id")), section.get("parent")
        if parent is not None and str(parent) in nodes and str(parent) != sid:
            nodes[str(parent)]["children"].append(nodes[sid])
        else:
            roots.append(nodes[sid])
    return roots


def report_context(
    record: dict[str, Any],
    docs: dict[str, dict[str, Any]],
    incoming: list[tuple[str, dict[str, Any]]],
    links: Links,
) -> dict[str, Any]:
    """The template context of one report page."""
    here = record["doc_id"]
    body = render_body(record, _marks(record, incoming))
    groups: dict[str, list[dict[str, Any]]] = {v: [] for v in VERDICTS}
    for check in record["checks"]:
        item = _check_item(check, here, here, body, docs, links, str(check.get("id")))
        groups[item["verdict"]].append(item)
    cited = [
        _check_item(
            check,
            origin,
            here,
            body,
            docs,
            links,
            foreign_key(origin, str(check.get("id"))),
        )
        for origin, check in incoming
    ]
    meta = record["meta"]
    meta_items = []
    for name in ("agency", "year", "published"):
        span = (meta.get("evidence") or {}).get(name)
        targets = (
            body.targets(int(span[0]), int(span[1]))
            if isinstance(span, list) and len(span) == 2
            else []
        )
        meta_items.append(
            {"name": name, "value": meta.get(name), "targets": " ".join(targets)}
        )
    weaknesses = []
    for weakness in record["weaknesses"]:
        targets = body.targets(
            int(weakness.get("start") or 0), int(weakness.get("end") or 0)
        )
        if weakness.get("improvement_start") is not None:
            targets += [
                t
                for t in body.targets(
                    int(weakness["improvement_start"]),
                    int(weakness.get("improvement_end") or 0),
                )
                if t not in targets
            ]
        weaknesses.append(
            {
                "key": str(weakness.get("id")),
                "category": weakness.get("category") or "other",
                "text": weakness.get("text") or "",
                "improvement": weakness.get("improvement"),
                "confidence": weakness.get("confidence"),
                "method": weakness.get("method") or "",
                "targets": " ".join(targets),
            }
        )
    return {
        "doc_id": here,
        "meta": meta,
        "meta_items": meta_items,
        "source": record["source"],
        "errors": record["errors"],
        "outline": outline(record, body),
        "body": body.html,
        "check_groups": [
            {
                "verdict": v,
                "text": VERDICT_TEXT[v],
                "checks": groups[v],
                "open": v in ("fail", "uncertain"),
            }
            for v in VERDICTS
            if groups[v]
        ],
        "cited": cited,
        "weaknesses": weaknesses,
        "removals": [
            {
                "kind": r.get("kind") or "",
                "rule": r.get("rule") or "",
                "text": r.get("text") or "",
            }
            for r in record["removals"]
        ],
        "counts": {
            "checks": len(record["checks"]),
            "metrics": len(record["metrics"]),
            "tables": len(record["tables"]),
            "cells": sum(len(t.get("cells") or []) for t in record["tables"]),
            "weaknesses": len(record["weaknesses"]),
            "sections": len(record["sections"]),
        },
    }
