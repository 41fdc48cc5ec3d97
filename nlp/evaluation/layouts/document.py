"""Build a :class:`~.model.Document` from a source report, its gold and its regions.

The report's table stretches (reviewed in ``regions.yaml``) are cut out and a table
regenerated from the template is put in each one's place; the prose around them is the
report's own (see :mod:`.source`). :func:`check_document` proves what the round trip
needs: every gold section title, metric text and weakness text is still in the prose,
and every gold cell is printed in a table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from .model import Block, Document
from .regions import from_entry
from .source import mark_title, prose_blocks, read_source, strip_bottom, strip_top
from .templates import build_tables, format_value, gold_era, load_config


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def load_gold(path: Path) -> dict[str, Any]:
    """A gold file as a dict."""
    return json.loads(path.read_text(encoding="utf-8"))


def build_document(
    source: Path,
    gold_path: Path,
    entry: dict[str, Any] | None,
    config: Path | None = None,
) -> Document:
    """The document of one report. ``entry`` is its ``regions.yaml`` entry (None or no
    ``regions`` for a report whose gold has no cells)."""
    gold = load_gold(gold_path)
    era = gold_era(gold)
    cells = gold.get("cells") or {}
    cfg = load_config(str(config) if config else None)
    src = read_source(source)
    regions = sorted(
        (from_entry(src, e) for e in (entry or {}).get("regions", [])),
        key=lambda r: r.start,
    )
    if cells and not regions:
        raise ValueError(
            f"{source.name}: gold has cells but regions.yaml has no region"
        )
    tables = build_tables(era, cells, cfg) if cells else {}
    titles = [s["title"] for s in gold.get("sections", [])]
    text = src.text
    segments: list[str] = []
    pos = 0
    for r in regions:
        segments.append(text[pos : r.start])
        pos = r.end
    segments.append(text[pos:])
    top: list[str] = []
    bottom: list[str] = []
    blocks: list[Block] = []
    for i, seg in enumerate(segments):
        lines = seg.split("\n")
        if src.fmt == "txt" and i == 0:
            top, lines = strip_top(src, lines)
        if src.fmt == "txt" and i == len(segments) - 1:
            lines, bottom = strip_bottom(lines)
        part = prose_blocks(lines, titles, src.fmt)
        if i == 0:
            part = mark_title(part, src.fmt)
        blocks.extend(part)
        if i < len(regions):
            blocks.append(Block("table", table=tables[regions[i].table]))
    title = next((b.text for b in blocks if b.kind == "title"), None)
    doc = Document(
        stem=source.name,
        source=source,
        gold=gold_path,
        era=era,
        blocks=blocks,
        furniture_top=top,
        furniture_bottom=bottom,
        published=src.meta.get("发布时间"),
    )
    doc.title = (
        title.replace("\n", "") if title else src.meta.get("标题")
    ) or doc.title
    return doc


def check_document(doc: Document) -> list[str]:
    """What of the gold the document lost (empty when the round trip can be scored)."""
    gold = load_gold(doc.gold)
    prose = _squash(doc.prose())
    problems: list[str] = []
    for s in gold.get("sections", []):
        if _squash(s["title"]) not in prose:
            problems.append(f"section title lost: {s['title']!r}")
    for key in ("metrics", "weaknesses"):
        for item in gold.get(key, []):
            if _squash(item["text"]) not in prose:
                problems.append(f"{key[:-1]} text lost: {item['text']!r}")
    printed: dict[str, str] = {}
    for t in doc.tables():
        printed.update(t.values())
    for ind, value in (gold.get("cells") or {}).items():
        if printed.get(ind) != format_value(value):
            problems.append(f"cell {ind}={value!r} printed as {printed.get(ind)!r}")
    heads = [_squash(b.text) for b in doc.blocks if b.kind != "table"]
    for s in gold.get("sections", []):
        t = _squash(s["title"])
        if t and not any(h.startswith(t) for h in heads):
            problems.append(f"section title does not start a block: {s['title']!r}")
    return problems
